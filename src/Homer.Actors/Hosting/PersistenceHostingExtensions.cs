using Akka.Hosting;
using Akka.Persistence.Sql.Hosting;
using LinqToDB;

namespace Homer.Actors.Hosting;

public static class PersistenceHostingExtensions
{
    /// <summary>Journal and snapshots in PostgreSQL (Akka.Persistence.Sql); tables are created on first start.</summary>
    public static AkkaConfigurationBuilder AddHomerPersistence(this AkkaConfigurationBuilder builder, string connectionString) =>
        builder.WithSqlPersistence(connectionString, ProviderName.PostgreSQL15, autoInitialize: true);
}
