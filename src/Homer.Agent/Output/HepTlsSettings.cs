using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Homer.Agent.Output;

/// <summary>
/// How a <c>tls:HOST:PORT</c> output checks the server and proves itself. With neither <see cref="CaFile"/> nor
/// <see cref="Pins"/>, the server's chain must reach the system's trusted roots and name <see cref="ServerName"/>.
/// With a CA file, the chain must reach one of its certificates (the system roots do not count) and name the server.
/// With pins only, the server's public key or certificate must match a pin, whoever issued it (self-signed servers).
/// With both, both must hold.
/// </summary>
public sealed class HepTlsSettings
{
    /// <summary>PEM file of the CA certificate(s) that issued the server's certificate.</summary>
    public string? CaFile { get; init; }
    /// <summary>SHA-256 pins of the server's public key (SPKI) or whole certificate: <c>sha256//BASE64</c>, base64 or hex.</summary>
    public IReadOnlyList<string> Pins { get; init; } = [];
    /// <summary>Client certificate (PEM, or PKCS#12 .pfx/.p12) for servers that ask for one.</summary>
    public string? ClientCertificate { get; init; }
    /// <summary>PEM private key of <see cref="ClientCertificate"/> when it is not in the same file.</summary>
    public string? ClientKey { get; init; }
    /// <summary>Name expected in the server certificate (and sent as SNI); the target's host when absent.</summary>
    public string? ServerName { get; init; }

    /// <summary>The SHA-256 digests the pins stand for; throws <see cref="FormatException"/> on a malformed pin.</summary>
    public static byte[] ParsePin(string pin)
    {
        var text = pin.Trim();
        if (text.StartsWith("sha256//", StringComparison.OrdinalIgnoreCase)) text = text[8..];
        else if (text.StartsWith("sha256:", StringComparison.OrdinalIgnoreCase)) text = text[7..];
        var hex = text.Replace(":", "", StringComparison.Ordinal);
        byte[] digest;
        if (hex.Length == 64 && hex.All(Uri.IsHexDigit))
            digest = Convert.FromHexString(hex);
        else
        {
            try
            {
                digest = Convert.FromBase64String(text);
            }
            catch (FormatException)
            {
                throw new FormatException($"pin '{pin}' is neither sha256//BASE64 nor 64 hex digits.");
            }
        }

        if (digest.Length != 32) throw new FormatException($"pin '{pin}' is not a SHA-256 digest (32 bytes).");
        return digest;
    }

    /// <summary>The pin of a certificate's public key, as <c>sha256//BASE64</c> (what <c>--tls-pin</c> takes).</summary>
    public static string PublicKeyPin(X509Certificate2 certificate) =>
        "sha256//" + Convert.ToBase64String(SHA256.HashData(certificate.PublicKey.ExportSubjectPublicKeyInfo()));

    /// <summary>Checks the settings' files and pins once, so a mistake stops the agent at start instead of at each connect.</summary>
    public Validator CreateValidator() => new(this);

    public sealed class Validator
    {
        private readonly byte[][] _pins;
        private readonly X509Certificate2Collection _roots = [];
        private readonly string? _caFile;

        internal Validator(HepTlsSettings settings)
        {
            _pins = settings.Pins.Select(ParsePin).ToArray();
            _caFile = settings.CaFile;
            if (settings.CaFile is { } ca)
            {
                if (!File.Exists(ca)) throw new FileNotFoundException($"TLS CA file not found: {ca}");
                _roots.ImportFromPemFile(ca);
                if (_roots.Count == 0) throw new FormatException($"TLS CA file {ca} holds no PEM certificate.");
            }

            if (settings.ClientCertificate is { } cert)
            {
                if (!File.Exists(cert)) throw new FileNotFoundException($"TLS client certificate not found: {cert}");
                var loaded = Path.GetExtension(cert).ToLowerInvariant() is ".pfx" or ".p12"
                    ? X509CertificateLoader.LoadPkcs12FromFile(cert, null)
                    : X509Certificate2.CreateFromPemFile(cert, settings.ClientKey);
                if (!loaded.HasPrivateKey) throw new FormatException($"TLS client certificate {cert} comes without its private key.");
                ClientCertificate = loaded;
            }
        }

        public X509Certificate2? ClientCertificate { get; }

        /// <summary>Null when the server is accepted, else why not, in words for the operator's log.</summary>
        public string? Check(X509Certificate? presented, X509Chain? presentedChain, SslPolicyErrors errors)
        {
            if (presented is null) return "the server sent no certificate";
            using var certificate = X509CertificateLoader.LoadCertificate(presented.GetRawCertData());
            if (_pins.Length > 0)
            {
                var spki = SHA256.HashData(certificate.PublicKey.ExportSubjectPublicKeyInfo());
                var whole = SHA256.HashData(certificate.RawData);
                if (!_pins.Any(p => p.AsSpan().SequenceEqual(spki) || p.AsSpan().SequenceEqual(whole)))
                    return $"pin mismatch: the server's public key is {PublicKeyPin(certificate)} "
                        + $"(certificate sha256 {Convert.ToHexString(whole)}), not one of the {_pins.Length} pinned";
                // Pins alone vouch for the server (self-signed certificates); a CA file as well is checked below.
                if (_caFile is null) return null;
            }

            if (_caFile is null)
                return errors == SslPolicyErrors.None ? null : $"certificate '{certificate.Subject}' not trusted by the system: {errors}";

            if ((errors & SslPolicyErrors.RemoteCertificateNameMismatch) != 0)
                return $"certificate '{certificate.Subject}' does not name this server";
            using var chain = new X509Chain();
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.AddRange(_roots);
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            if (presentedChain is not null)
                foreach (var element in presentedChain.ChainElements)
                    if (!element.Certificate.RawData.AsSpan().SequenceEqual(certificate.RawData))
                        chain.ChainPolicy.ExtraStore.Add(element.Certificate);
            if (chain.Build(certificate)) return null;
            var status = string.Join("; ", chain.ChainStatus.Select(s => s.StatusInformation.Trim()).Where(s => s.Length > 0).Distinct());
            return $"certificate '{certificate.Subject}' (issuer '{certificate.Issuer}') is not trusted by CA file {_caFile}: {status}";
        }
    }
}
