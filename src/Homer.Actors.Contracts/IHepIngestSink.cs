using System.Net;

namespace Homer.Actors.Contracts;

/// <summary>
/// The door into a node's HEP ingest for packets that do not come from a socket (a PCAP upload): they join the same
/// edge buffer the HEP listeners fill, so they are decoded, stored, counted and correlated exactly like live ones.
/// Registered only on nodes with the <c>ingest</c> role.
/// </summary>
public interface IHepIngestSink
{
    /// <summary>Queues one HEP packet; waits while the ingest buffer is full (the caller slows down, nothing is dropped).</summary>
    ValueTask SubmitAsync(byte[] hepPacket, IPEndPoint sender, CancellationToken ct);
}
