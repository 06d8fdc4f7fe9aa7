using System.Security.Cryptography;
using Homer.Storage.Auth;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Homer.Api.Auth;

/// <summary>
/// At start (after the schema migration) loads the token-signing key, on every node that checks tokens (API nodes, and
/// any node whose /metrics needs one).
/// </summary>
public sealed class TokenKeyLoader(AuthOptions options, UserStore users, TokenService tokens) : IHostedService
{
    private const string SigningKeyName = "token-signing";

    public async Task StartAsync(CancellationToken cancellationToken) =>
        tokens.UseKey(options.TokenKey is { Length: > 0 } secret
            ? TokenService.DeriveKey(secret)
            : await users.EnsureKeyAsync(SigningKeyName, RandomNumberGenerator.GetBytes(32), cancellationToken));

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

/// <summary>
/// At start, on API nodes (after <see cref="TokenKeyLoader"/>): on the very first start, creates the <c>admin</c> user.
/// A generated password is printed once on stdout and written to a file only its owner may read.
/// </summary>
public sealed class AuthBootstrap(AuthOptions options, UserStore users, PasswordHasher<UserRow> hasher, ILogger<AuthBootstrap> log)
    : IHostedService
{
    public const string AdminUsername = "admin";

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (!options.Enabled)
        {
            log.LogWarning("Authentication is OFF (HOMER_AUTH=off): every caller of the API is treated as an admin");
            return;
        }

        var generated = options.AdminPassword is not { Length: > 0 };
        var password = generated ? GeneratePassword() : options.AdminPassword!;
        var placeholder = new UserRow(0, AdminUsername, "", HomerRole.Admin, false, 0, default);
        if (!await users.CreateIfAbsentAsync(AdminUsername, hasher.HashPassword(placeholder, password), HomerRole.Admin, cancellationToken))
            return;

        if (!generated)
        {
            log.LogInformation("Created user {User} with the password from HOMER_ADMIN_PASSWORD", AdminUsername);
            return;
        }
        var file = Path.GetFullPath(options.AdminPasswordFile);
        WriteOwnerOnly(file, password + "\n");
        // Straight to stdout, not the logger: log pipelines keep and ship what they get, and this is shown once.
        Console.WriteLine($"Created user '{AdminUsername}' with generated password: {password}");
        Console.WriteLine($"(also written to {file}, readable only by its owner; change it after the first login)");
        log.LogWarning("Created user {User} with a generated password, written to {File}", AdminUsername, file);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private static string GeneratePassword() => System.Buffers.Text.Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(18));

    private static void WriteOwnerOnly(string path, string content)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var ownerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        var fileOptions = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
            fileOptions.UnixCreateMode = ownerOnly;
        using (var stream = new FileStream(path, fileOptions))
        using (var writer = new StreamWriter(stream))
            writer.Write(content);
        // UnixCreateMode applies only to a new file; an old one keeps its mode unless set again.
        if (!OperatingSystem.IsWindows())
            File.SetUnixFileMode(path, ownerOnly);
    }
}
