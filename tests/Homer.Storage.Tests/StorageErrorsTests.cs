using System.Net.Sockets;
using Npgsql;

namespace Homer.Storage.Tests;

public sealed class StorageErrorsTests
{
    [Theory]
    [InlineData("22P05")] // untranslatable character (NUL in JSON)
    [InlineData("22021")] // invalid byte sequence for encoding
    [InlineData("23505")] // unique violation
    [InlineData("23514")] // check violation
    [InlineData("42703")] // undefined column
    [InlineData("54000")] // program limit exceeded (index row too large)
    [InlineData("0A000")] // feature not supported
    public void Data_constraint_and_limit_errors_are_permanent(string sqlState)
    {
        var error = new PostgresException("refused", "ERROR", "ERROR", sqlState);
        Assert.Equal(StorageErrorKind.Permanent, StorageErrors.Classify(error));
        Assert.Equal(sqlState, StorageErrors.SqlState(error));
    }

    [Theory]
    [InlineData("08006")] // connection failure
    [InlineData("08P01")] // protocol violation
    [InlineData("53300")] // too many connections
    [InlineData("53100")] // disk full
    [InlineData("57P01")] // admin shutdown
    [InlineData("57014")] // query canceled (statement timeout)
    [InlineData("40001")] // serialization failure
    [InlineData("40P01")] // deadlock
    [InlineData("55P03")] // lock not available
    [InlineData("XX000")] // internal error
    [InlineData("42501")] // insufficient privilege: every row alike, not one row's fault
    public void Connection_resource_and_concurrency_errors_are_transient(string sqlState)
    {
        Assert.Equal(StorageErrorKind.Transient, StorageErrors.Classify(new PostgresException("later", "FATAL", "FATAL", sqlState)));
    }

    [Fact]
    public void Socket_io_timeout_and_cancel_exceptions_are_transient_even_when_wrapped()
    {
        Assert.False(StorageErrors.IsPermanent(new NpgsqlException("Exception while reading from stream", new IOException("reset", new SocketException(104)))));
        Assert.False(StorageErrors.IsPermanent(new SocketException(111)));
        Assert.False(StorageErrors.IsPermanent(new TimeoutException()));
        Assert.False(StorageErrors.IsPermanent(new TaskCanceledException()));
        Assert.False(StorageErrors.IsPermanent(new AggregateException(new IOException("broken pipe"))));
        Assert.False(StorageErrors.IsPermanent(new InvalidOperationException("unknown")));
        Assert.Equal("client", StorageErrors.SqlState(new SocketException(111)));
    }

    [Fact]
    public void A_server_error_inside_a_wrapper_is_classified_by_its_sqlstate()
    {
        var wrapped = new AggregateException(new PostgresException("index row requires 10024 bytes", "ERROR", "ERROR", "54000"));
        Assert.True(StorageErrors.IsPermanent(wrapped));
        Assert.Equal("54000", StorageErrors.SqlState(wrapped));
    }

    [Fact]
    public void A_value_the_encoder_cannot_write_is_permanent()
    {
        Assert.True(StorageErrors.IsPermanent(new ArgumentException("value too long")));
        Assert.True(StorageErrors.IsPermanent(new OverflowException()));
        Assert.Equal("encode", StorageErrors.SqlState(new ArgumentException("x")));
    }

    [Fact]
    public async Task Real_refusals_from_postgresql_are_classified_as_the_server_says()
    {
        await using var db = await StoreDatabase.CreateAsync();
        var division = await Assert.ThrowsAsync<PostgresException>(async () =>
        {
            await using var cmd = db.DataSource.CreateCommand("SELECT 1 / 0");
            await cmd.ExecuteScalarAsync();
        });
        Assert.True(StorageErrors.IsPermanent(division));

        var nul = await Assert.ThrowsAsync<PostgresException>(async () =>
        {
            await using var cmd = db.DataSource.CreateCommand("SELECT '{\"a\":\"\\u0000\"}'::jsonb");
            await cmd.ExecuteScalarAsync();
        });
        Assert.Equal("22P05", nul.SqlState);
        Assert.True(StorageErrors.IsPermanent(nul));

        var timeout = await Assert.ThrowsAsync<PostgresException>(async () =>
        {
            await using var connection = await db.DataSource.OpenConnectionAsync();
            await using var set = new NpgsqlCommand("SET statement_timeout = 50", connection);
            await set.ExecuteNonQueryAsync();
            await using var cmd = new NpgsqlCommand("SELECT pg_sleep(5)", connection);
            await cmd.ExecuteScalarAsync();
        });
        Assert.Equal("57014", timeout.SqlState);
        Assert.False(StorageErrors.IsPermanent(timeout));
    }
}
