using System.Net;

namespace Homer.Actors.Ingest;

/// <summary>One received HEP datagram (or TCP frame), copied out of the socket buffer, with where it came from.</summary>
public readonly record struct HepDatagram(byte[] Data, IPEndPoint Sender, DateTimeOffset ReceivedAt);
