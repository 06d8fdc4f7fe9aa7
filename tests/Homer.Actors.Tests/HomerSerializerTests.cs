using Akka.Actor;
using Akka.Configuration;
using Akka.Serialization;
using Homer.Actors.Contracts;
using Homer.Actors.Dialogs;
using Homer.Actors.Serialization;

namespace Homer.Actors.Tests;

public sealed class HomerSerializerTests : IDisposable
{
    private readonly ActorSystem _system = ActorSystem.Create("serializer-spec", ConfigurationFactory.ParseString("""
        akka.actor {
          serializers.homer = "Homer.Actors.Serialization.HomerSerializer, Homer.Actors"
          serialization-bindings { "Homer.Actors.Contracts.IHomerSerializable, Homer.Actors.Contracts" = homer }
        }
        """));

    /// <summary>One sample of every serializable type; the completeness test fails when a new type is not listed.</summary>
    private static readonly IHomerSerializable[] Samples =
    [
        new DialogCommands.RecordSipMessage("call@host", 1_764_000_000_123_456, "INVITE", 0, 314159, "INVITE", "from-tag", null),
        new DialogCommands.RecordSipMessage("c2", 1, null, 486, 2, null, null, "to-tag"),
        DialogCommands.StopDialog.Instance,
        new DialogQueries.GetDialog("ünïcode-call-id"),
        new DialogQueries.DialogSnapshot("c", 7, 100, 200),
        new DialogEvents.DialogProgressed(7, 100, 200),
    ];

    [Fact]
    public void Every_serializable_type_has_a_sample()
    {
        var types = new[] { typeof(IHomerSerializable).Assembly, typeof(DialogActor).Assembly }
            .SelectMany(a => a.GetTypes())
            .Where(t => typeof(IHomerSerializable).IsAssignableFrom(t) && t is { IsInterface: false, IsAbstract: false })
            .ToHashSet();
        Assert.Equal(types.OrderBy(t => t.FullName), Samples.Select(s => s.GetType()).Distinct().OrderBy(t => t.FullName));
    }

    [Fact]
    public void Every_sample_goes_through_our_serializer_and_round_trips()
    {
        var serialization = _system.Serialization;
        foreach (var sample in Samples)
        {
            var serializer = serialization.FindSerializerFor(sample);
            Assert.IsType<HomerSerializer>(serializer);
            var manifest = Akka.Serialization.Serialization.ManifestFor(serializer, sample);
            var bytes = serializer.ToBinary(sample);
            var back = serialization.Deserialize(bytes, serializer.Identifier, manifest);
            Assert.Equal(sample, back);
            Assert.True(manifest.Length <= 2, $"manifest '{manifest}' of {sample.GetType().Name} should stay short");
        }
    }

    [Fact]
    public void An_unknown_manifest_is_a_clear_error()
    {
        var serializer = (SerializerWithStringManifest)_system.Serialization.FindSerializerFor(Samples[0]);
        var e = Assert.Throws<System.Runtime.Serialization.SerializationException>(() => serializer.FromBinary([], "??"));
        Assert.Contains("??", e.Message);
    }

    public void Dispose() => _system.Dispose();
}
