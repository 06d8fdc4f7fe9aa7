namespace Homer.Actors.Contracts;

/// <summary>A message addressed to the dialog of one Call-ID; the shard region routes by it.</summary>
public interface IWithCallId
{
    string CallId { get; }
}

/// <summary>A message for every dialog host of one shard of the dialog region (a batch of <see cref="IWithCallId"/> commands).</summary>
public interface IWithDialogShard
{
    string ShardId { get; }
}

/// <summary>Marks every type that crosses the wire or the journal; they all go through our own serializer.</summary>
public interface IHomerSerializable;

/// <summary>Registry key for the <c>dialog</c> shard region (or its proxy on nodes without the dialog role).</summary>
public sealed class DialogRegion;
