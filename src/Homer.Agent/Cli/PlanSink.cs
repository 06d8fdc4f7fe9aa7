using Homer.Agent.Capture;
using Homer.Agent.Config;
using Homer.Agent.Output;

namespace Homer.Agent.Cli;

/// <summary>Capture pipeline sink: runs the capture plan, then encodes for HEP outputs and writes JSON outputs. One per capture thread.</summary>
public sealed class PlanSink(CapturePlan plan, HepPacketWriter writer, Outputs outputs, bool dryRun = false) : IPacketSink
{
    private readonly PlanDecision _decision = new();
    private CapturePlan _plan = plan;

    /// <summary>The plan in force; replaced whole at run time (API), so a packet sees either the old plan or the new one.</summary>
    public CapturePlan Plan => Volatile.Read(ref _plan);

    public void ReplacePlan(CapturePlan next) => Volatile.Write(ref _plan, next);
    public long Encoded;
    public long EncodeErrors;
    public long PlanDropped;
    public long Unrouted;

    public void OnSip(ref L4Packet packet) => Route(ref packet, null, null);

    public void OnRtcp(ref L4Packet packet, ReadOnlySpan<byte> json, string correlationId)
    {
        // The plan sees the RTCP packet's own addresses; SIP-only conditions (method, header) do not match it.
        var copy = packet;
        copy.Payload = json;
        Route(ref copy, Homer.Hep.HepProtocolType.RtcpJson, correlationId);
    }

    public void OnRtpReport(ref L4Packet packet, ReadOnlySpan<byte> json, string correlationId)
    {
        // Like RTCP: the plan sees the stream's addresses; SIP-only conditions do not match.
        var copy = packet;
        copy.Payload = json;
        Route(ref copy, Homer.Hep.HepProtocolType.QosJson, correlationId);
    }

    private void Route(ref L4Packet packet, byte? protocolType, string? correlationId)
    {
        Volatile.Read(ref _plan).Evaluate(ref packet, _decision, protocolType is null);
        if (_decision.Dropped)
        {
            PlanDropped++;
            return;
        }

        if (_decision.Outputs.Count == 0)
        {
            Unrouted++;
            return;
        }

        var encoded = false;
        ReadOnlySpan<byte> bytes = default;
        foreach (var name in _decision.Outputs)
        {
            if (outputs.Json.TryGetValue(name, out var json))
            {
                if (!dryRun) json.Write(ref packet, _decision.Tags);
                continue;
            }

            if (outputs.Csv.TryGetValue(name, out var csv))
            {
                if (!dryRun) csv.Write(ref packet, protocolType ?? Homer.Hep.HepProtocolType.Sip, correlationId, _decision.Tags);
                continue;
            }

            if (!encoded)
            {
                try
                {
                    bytes = writer.Write(ref packet, protocolType ?? Homer.Hep.HepProtocolType.Sip, correlationId,
                        _decision.Tags.Count == 0 ? null : string.Join(",", _decision.Tags));
                }
                catch (ArgumentException)
                {
                    // Too large for HEP3's uint16 length: counted, never sent half.
                    EncodeErrors++;
                    return;
                }

                encoded = true;
                Encoded++;
            }

            if (!dryRun) outputs.Hep[name].Send(bytes);
        }
    }
}

/// <summary>The named outputs of a run.</summary>
public sealed class Outputs : IAsyncDisposable
{
    public Dictionary<string, HepOutputGroup> Hep { get; } = [];
    public Dictionary<string, JsonOutput> Json { get; } = [];
    public Dictionary<string, CsvOutput> Csv { get; } = [];

    public long Dropped => Hep.Values.Sum(g => g.Dropped);

    public async Task<bool> FlushAsync(TimeSpan timeout)
    {
        foreach (var j in Json.Values) j.Flush();
        foreach (var c in Csv.Values) c.Flush();
        var all = true;
        foreach (var g in Hep.Values) all &= await g.FlushAsync(timeout);
        return all;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var g in Hep.Values) await g.DisposeAsync();
        foreach (var j in Json.Values) j.Dispose();
        foreach (var c in Csv.Values) c.Dispose();
    }
}
