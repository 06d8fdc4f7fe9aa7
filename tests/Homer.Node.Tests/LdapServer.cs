using System.Diagnostics;
using System.DirectoryServices.Protocols;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Homer.Node.Tests;

/// <summary>
/// A throwaway OpenLDAP server (Debian's slapd) with its own config, data and test CA in a temporary folder, listening
/// on 127.0.0.1 only (ldap:// with StartTLS, and ldaps://) on free ports, run as the current user. The system's slapd,
/// if any, is left alone.
/// </summary>
public sealed class LdapServer : IAsyncDisposable
{
    public const string Slapd = "/usr/sbin/slapd";
    public const string Slapadd = "/usr/sbin/slapadd";
    public const string Suffix = "dc=homer,dc=test";
    public const string RootDn = "cn=admin," + Suffix;
    public const string RootPassword = "root-secret";
    public const string ServiceDn = "cn=homer-svc,ou=services," + Suffix;
    public const string ServicePassword = "service-secret";
    public const string People = "ou=people," + Suffix;
    public const string Groups = "ou=groups," + Suffix;

    /// <summary>Why the LDAP tests cannot run here, or null. In CI (CI=true) slapd must be there: the tests then fail instead.</summary>
    public static string? UnavailableReason =>
        File.Exists(Slapd) && File.Exists(Slapadd) ? null
        : Environment.GetEnvironmentVariable("CI") == "true" ? null
        : "slapd is not installed (apt-get install slapd ldap-utils, or scripts/setup.sh test): LDAP tests skipped";

    private readonly string _dir = Path.Combine(Path.GetTempPath(), "homer-slapd-" + Guid.NewGuid().ToString("N"));
    private Process? _process;

    public int Port { get; } = FreePort();
    public int TlsPort { get; } = FreePort();
    public string Url => $"ldap://127.0.0.1:{Port}";
    public string TlsUrl => $"ldaps://127.0.0.1:{TlsPort}";
    /// <summary>A folder holding only the test CA's certificate (HOMER_LDAP_CA_DIR).</summary>
    public string CaDirectory => Path.Combine(_dir, "ca");

    public static async Task<LdapServer> StartAsync()
    {
        if (!File.Exists(Slapd))
            throw new InvalidOperationException($"{Slapd} is missing: CI must install slapd and ldap-utils (scripts/setup.sh test)");
        var server = new LdapServer();
        server.Configure();
        await server.StartProcessAsync();
        return server;
    }

    private void Configure()
    {
        Directory.CreateDirectory(Path.Combine(_dir, "data"));
        Directory.CreateDirectory(CaDirectory);
        WriteCertificates();
        File.WriteAllText(Path.Combine(_dir, "slapd.conf"), $"""
            include /etc/ldap/schema/core.schema
            include /etc/ldap/schema/cosine.schema
            include /etc/ldap/schema/inetorgperson.schema
            include /etc/ldap/schema/nis.schema
            pidfile {_dir}/slapd.pid
            argsfile {_dir}/slapd.args
            modulepath /usr/lib/ldap
            moduleload back_mdb
            TLSCACertificateFile {CaDirectory}/ca.pem
            TLSCertificateFile {_dir}/server.pem
            TLSCertificateKeyFile {_dir}/server.key
            database mdb
            maxsize 10485760
            suffix "{Suffix}"
            rootdn "{RootDn}"
            rootpw {RootPassword}
            directory {_dir}/data
            access to attrs=userPassword by anonymous auth by * none
            access to * by users read by * none

            """);
        // Clear-text userPassword values: slapd compares them on a simple bind; good enough for a throwaway directory.
        File.WriteAllText(Path.Combine(_dir, "data.ldif"), $"""
            dn: {Suffix}
            objectClass: dcObject
            objectClass: organization
            o: Homer test
            dc: homer

            dn: ou=people,{Suffix}
            objectClass: organizationalUnit
            ou: people

            dn: ou=groups,{Suffix}
            objectClass: organizationalUnit
            ou: groups

            dn: ou=services,{Suffix}
            objectClass: organizationalUnit
            ou: services

            dn: {ServiceDn}
            objectClass: person
            cn: homer-svc
            sn: service
            userPassword: {ServicePassword}

            {Person("alice")}
            {Person("bob")}
            {Person("carol")}
            {Person("dave")}
            {Person("erin")}
            dn: cn=homer-admins,{Groups}
            objectClass: groupOfNames
            cn: homer-admins
            member: uid=alice,{People}

            dn: cn=homer-users,{Groups}
            objectClass: groupOfNames
            cn: homer-users
            member: uid=bob,{People}
            member: uid=erin,{People}

            dn: cn=homer-viewers,{Groups}
            objectClass: posixGroup
            cn: homer-viewers
            gidNumber: 5003
            memberUid: dave

            dn: cn=accounting,{Groups}
            objectClass: groupOfNames
            cn: accounting
            member: uid=carol,{People}

            """);
        Run(Slapadd, $"-f {_dir}/slapd.conf -l {_dir}/data.ldif");
    }

    public static string PasswordOf(string uid) => uid + "-ldap-pass";

    public static string DnOf(string uid) => $"uid={uid},{People}";

    private static string Person(string uid) => $"""
        dn: {DnOf(uid)}
        objectClass: inetOrgPerson
        uid: {uid}
        cn: {uid}
        sn: {uid}
        userPassword: {PasswordOf(uid)}

        """;

    /// <summary>A test CA and a server certificate for 127.0.0.1 signed by it, as PEM files slapd (GnuTLS) reads.</summary>
    private void WriteCertificates()
    {
        using var caKey = RSA.Create(2048);
        var caRequest = new CertificateRequest("CN=Homer test LDAP CA", caKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        using var ca = caRequest.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));

        using var serverKey = RSA.Create(2048);
        var request = new CertificateRequest("CN=127.0.0.1", serverKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var san = new SubjectAlternativeNameBuilder();
        san.AddIpAddress(IPAddress.Loopback);
        san.AddDnsName("localhost");
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        using var server = request.Create(ca, DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(29), RandomNumberGenerator.GetBytes(8));

        File.WriteAllText(Path.Combine(CaDirectory, "ca.pem"), ca.ExportCertificatePem());
        File.WriteAllText(Path.Combine(_dir, "server.pem"), server.ExportCertificatePem());
        File.WriteAllText(Path.Combine(_dir, "server.key"), serverKey.ExportRSAPrivateKeyPem());
    }

    private async Task StartProcessAsync()
    {
        // -d 0: stay in the foreground (a child of this test process, ended by PID), logging nothing.
        var start = new ProcessStartInfo(Slapd, ["-f", Path.Combine(_dir, "slapd.conf"), "-h", $"{Url}/ {TlsUrl}/", "-d", "0"])
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        };
        _process = Process.Start(start)!;
        _process.BeginErrorReadLine();
        _process.BeginOutputReadLine();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
                throw new InvalidOperationException($"slapd exited with {_process.ExitCode} (config in {_dir})");
            try
            {
                using var probe = new TcpClient();
                await probe.ConnectAsync(IPAddress.Loopback, Port);
                return;
            }
            catch (SocketException)
            {
                await Task.Delay(100);
            }
        }
        throw new TimeoutException("slapd did not listen within 20 s");
    }

    /// <summary>Stops the server (the directory is "down"); <see cref="RestartAsync"/> brings it back with the same data.</summary>
    public async Task StopAsync()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }
        _process?.Dispose();
        _process = null;
    }

    public Task RestartAsync() => StartProcessAsync();

    /// <summary>Changes the directory as its administrator, as a directory admin would between two logins.</summary>
    public void Modify(string dn, DirectoryAttributeOperation operation, string attribute, string value)
    {
        using var connection = new LdapConnection(new LdapDirectoryIdentifier("127.0.0.1", Port), new NetworkCredential(RootDn, RootPassword), AuthType.Basic);
        connection.SessionOptions.ProtocolVersion = 3;
        connection.Bind();
        connection.SendRequest(new ModifyRequest(dn, operation, attribute, value));
    }

    private static void Run(string file, string arguments)
    {
        using var process = Process.Start(new ProcessStartInfo(file, arguments) { RedirectStandardError = true, RedirectStandardOutput = true })!;
        var errors = process.StandardError.ReadToEnd();
        process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{file} {arguments} failed ({process.ExitCode}): {errors}");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

/// <summary>A fact skipped, with the reason, when slapd is missing outside CI (in CI it must be there, so it runs and fails).</summary>
public sealed class LdapFactAttribute : FactAttribute
{
    public LdapFactAttribute()
    {
        if (LdapServer.UnavailableReason is { } reason)
            Skip = reason;
    }
}
