using System.Diagnostics;
using Npgsql;

namespace Homer.Storage.Tests;

/// <summary>
/// The schema a fresh database gets from migration 1 up, as pg_dump prints it, against the committed
/// expected-schema.sql. Migrations are frozen literal SQL; a step built from live code again, or an applied step
/// edited, changes what a fresh install gets and fails here. After adding a migration, regenerate the file with
/// <c>HOMER_UPDATE_SCHEMA=1 dotnet test tests/Homer.Storage.Tests --filter SchemaDumpTests</c> and review its diff.
/// </summary>
public sealed class SchemaDumpTests
{
    [Fact]
    public async Task A_database_migrated_from_the_first_step_has_the_committed_schema()
    {
        await using var db = await StoreDatabase.CreateAsync();
        var dump = await SchemaDumpAsync(db.ConnectionString);
        var path = Path.Combine(RepositoryRoot(), "tests", "Homer.Storage.Tests", "expected-schema.sql");
        if (Environment.GetEnvironmentVariable("HOMER_UPDATE_SCHEMA") == "1")
            await File.WriteAllTextAsync(path, dump);
        var expected = File.Exists(path) ? await File.ReadAllTextAsync(path) : "";
        if (expected != dump)
            Assert.Fail($"The migrated schema is not {path}; first difference at line {FirstDifferentLine(expected, dump)}. " +
                        "If a new migration made the change, regenerate the file with HOMER_UPDATE_SCHEMA=1 (see the class comment).");
    }

    private static async Task<string> SchemaDumpAsync(string connectionString)
    {
        var cs = new NpgsqlConnectionStringBuilder(connectionString);
        var start = new ProcessStartInfo(await PgDumpAsync(connectionString))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            // Owners and grants depend on the role the tests run as, not on the migrations.
            ArgumentList = { "--schema-only", "--no-owner", "--no-privileges", "-h", cs.Host!, "-p", cs.Port.ToString(), "-U", cs.Username!, "-d", cs.Database! },
        };
        start.Environment["PGPASSWORD"] = cs.Password ?? "";
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, "pg_dump failed: " + await stderr);
        // What varies by server and client build, not by schema: the version header and pg_dump's random \restrict key.
        return string.Join('\n', (await stdout).Split('\n').Where(l =>
            !l.StartsWith("-- Dumped from", StringComparison.Ordinal) && !l.StartsWith("-- Dumped by", StringComparison.Ordinal)
            && !l.StartsWith("\\restrict", StringComparison.Ordinal) && !l.StartsWith("\\unrestrict", StringComparison.Ordinal)));
    }

    /// <summary>
    /// The pg_dump of the server's major version (Debian installs each under /usr/lib/postgresql/N/bin; the pg_dump on
    /// the PATH is a wrapper that may pick another); HOMER_PG_DUMP names another one.
    /// </summary>
    private static async Task<string> PgDumpAsync(string connectionString)
    {
        if (Environment.GetEnvironmentVariable("HOMER_PG_DUMP") is { Length: > 0 } configured)
            return configured;
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var cmd = new NpgsqlCommand("SELECT current_setting('server_version_num')::int / 10000", connection);
        var major = (int)(await cmd.ExecuteScalarAsync())!;
        var path = $"/usr/lib/postgresql/{major}/bin/pg_dump";
        Assert.True(File.Exists(path), $"{path} is missing: install the PostgreSQL {major} client or set HOMER_PG_DUMP.");
        return path;
    }

    private static int FirstDifferentLine(string a, string b)
    {
        var x = a.Split('\n');
        var y = b.Split('\n');
        var i = 0;
        while (i < x.Length && i < y.Length && x[i] == y[i])
            i++;
        return i + 1;
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Homer.Actors.sln")))
                return dir.FullName;
        throw new InvalidOperationException("Homer.Actors.sln not found above " + AppContext.BaseDirectory);
    }
}
