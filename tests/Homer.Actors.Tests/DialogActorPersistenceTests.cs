using Akka.Actor;
using Akka.Configuration;
using Akka.Persistence.Sql;
using Homer.Actors.Contracts;
using Homer.Actors.Dialogs;
using Homer.TestSupport;

namespace Homer.Actors.Tests;

/// <summary>The dialog actor against the real journal: what it counted survives a stop (passivation) and a restart.</summary>
public sealed class DialogActorPersistenceTests : Akka.TestKit.Xunit2.TestKit
{
    private readonly TestDatabase _database;

    public DialogActorPersistenceTests() : this(TestDatabase.CreateAsync().GetAwaiter().GetResult())
    {
    }

    private DialogActorPersistenceTests(TestDatabase database) : base(JournalConfig(database.ConnectionString), nameof(DialogActorPersistenceTests))
    {
        _database = database;
        SqlPersistence.Get(Sys);
    }

    private static Config JournalConfig(string connectionString) => ConfigurationFactory.ParseString($$"""
        akka.actor {
          serializers.homer = "Homer.Actors.Serialization.HomerSerializer, Homer.Actors"
          serialization-bindings { "Homer.Actors.Contracts.IHomerSerializable, Homer.Actors.Contracts" = homer }
        }
        akka.persistence {
          journal {
            plugin = "akka.persistence.journal.sql"
            sql { connection-string = "{{connectionString}}", provider-name = "PostgreSQL15", auto-initialize = on }
          }
          snapshot-store {
            plugin = "akka.persistence.snapshot-store.sql"
            sql { connection-string = "{{connectionString}}", provider-name = "PostgreSQL15", auto-initialize = on }
          }
        }
        """);

    [Fact]
    public async Task State_applied_before_a_stop_is_recovered_by_the_next_incarnation()
    {
        var first = Sys.ActorOf(DialogActor.Props("persist-1", TimeSpan.FromMilliseconds(20)));
        first.Tell(new DialogCommands.RecordSipMessage("persist-1", 100, "INVITE", 0, 1, "INVITE", "a", null));
        first.Tell(new DialogCommands.RecordSipMessage("persist-1", 300, null, 200, 1, "INVITE", "a", "b"));
        first.Tell(new DialogCommands.RecordSipMessage("persist-1", 200, null, 180, 1, "INVITE", "a", "b"));
        Watch(first);
        // The stop message arrives before the flush timer fires: the actor must persist before it stops.
        first.Tell(DialogCommands.StopDialog.Instance);
        ExpectTerminated(first, TimeSpan.FromSeconds(20));

        var second = Sys.ActorOf(DialogActor.Props("persist-1", TimeSpan.FromMilliseconds(20)));
        var snapshot = await second.Ask<DialogQueries.DialogSnapshot>(new DialogQueries.GetDialog("persist-1"), TimeSpan.FromSeconds(20));
        Assert.Equal(new DialogQueries.DialogSnapshot("persist-1", 3, 100, 300), snapshot);

        second.Tell(new DialogCommands.RecordSipMessage("persist-1", 400, "BYE", 0, 2, "BYE", "a", "b"));
        Watch(second);
        second.Tell(DialogCommands.StopDialog.Instance);
        ExpectTerminated(second, TimeSpan.FromSeconds(20));

        var third = Sys.ActorOf(DialogActor.Props("persist-1", TimeSpan.FromMilliseconds(20)));
        var again = await third.Ask<DialogQueries.DialogSnapshot>(new DialogQueries.GetDialog("persist-1"), TimeSpan.FromSeconds(20));
        Assert.Equal(new DialogQueries.DialogSnapshot("persist-1", 4, 100, 400), again);
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing)
            _database.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }
}
