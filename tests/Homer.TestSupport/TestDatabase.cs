using Npgsql;

namespace Homer.TestSupport;

/// <summary>
/// A fresh, empty database on the real PostgreSQL that ./test.sh starts (HOMER_TEST_DB), dropped on dispose,
/// so test classes never see each other's rows.
/// </summary>
public sealed class TestDatabase : IAsyncDisposable
{
    public const string EnvironmentVariable = "HOMER_TEST_DB";

    private readonly string _adminConnectionString;

    public string Name { get; }
    public string ConnectionString { get; }

    private TestDatabase(string adminConnectionString, string name)
    {
        _adminConnectionString = adminConnectionString;
        Name = name;
        ConnectionString = new NpgsqlConnectionStringBuilder(adminConnectionString) { Database = name }.ConnectionString;
    }

    public static string ServerConnectionString =>
        Environment.GetEnvironmentVariable(EnvironmentVariable) is { Length: > 0 } cs
            ? cs
            : throw new InvalidOperationException(
                $"{EnvironmentVariable} is not set: run the tests through ./test.sh, which starts PostgreSQL, " +
                "or point it at a server where the role may create databases.");

    public static async Task<TestDatabase> CreateAsync()
    {
        var admin = ServerConnectionString;
        var name = "homer_t_" + Guid.NewGuid().ToString("N")[..12];
        await using var connection = new NpgsqlConnection(admin);
        await connection.OpenAsync();
        await using var cmd = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
        await cmd.ExecuteNonQueryAsync();
        return new TestDatabase(admin, name);
    }

    public NpgsqlDataSource CreateDataSource() => NpgsqlDataSource.Create(ConnectionString);

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        await using var connection = new NpgsqlConnection(_adminConnectionString);
        await connection.OpenAsync();
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await using var cmd = new NpgsqlCommand($"DROP DATABASE IF EXISTS {Name} WITH (FORCE)", connection);
                await cmd.ExecuteNonQueryAsync();
                return;
            }
            catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.InsufficientPrivilege && attempt < 20)
            {
                // A server-owned process (autovacuum on a server started elsewhere) is in the database; it ends soon.
                await Task.Delay(250);
            }
        }
    }
}
