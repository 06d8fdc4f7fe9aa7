using System.Globalization;

namespace Homer.Node.Tests;

public sealed class FastMaintenanceNodeFixture : NodeFixture
{
    protected override IEnumerable<KeyValuePair<string, string?>> ExtraSettings() => [new("MAINTENANCE_SECONDS", "1")];
}

public sealed class StorageMaintenanceTests(FastMaintenanceNodeFixture node) : IClassFixture<FastMaintenanceNodeFixture>
{
    [Fact]
    public async Task The_maintenance_singleton_keeps_partitions_created_ahead()
    {
        var ahead = "hep_call_p" + DateTime.UtcNow.Date.AddDays(2).ToString("yyyyMMdd", CultureInfo.InvariantCulture);
        await using var dataSource = node.Database.CreateDataSource();
        async Task<bool> Exists()
        {
            await using var cmd = dataSource.CreateCommand($"SELECT to_regclass('{ahead}') IS NOT NULL");
            return (bool)(await cmd.ExecuteScalarAsync())!;
        }

        Assert.True(await Exists());
        await using (var drop = dataSource.CreateCommand($"DROP TABLE {ahead}"))
            await drop.ExecuteNonQueryAsync();
        Assert.False(await Exists());
        await node.Eventually(Exists, $"{ahead} created again by the maintenance singleton");
    }
}
