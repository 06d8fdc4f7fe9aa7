using BenchmarkDotNet.Attributes;
using Homer.Hep;
using Homer.Sip;
using Homer.Sip.Rtcp;
using Homer.Sip.Sdp;

namespace Homer.Benchmarks;

[MemoryDiagnoser]
public class CodecBenchmarks
{
    private readonly byte[] _hep = Samples.Hep3Invite;
    private readonly byte[] _invite = Samples.Invite;
    private readonly byte[] _vq = Samples.VqReport;
    private readonly byte[] _rtcpJson = Samples.RtcpJson;
    private readonly System.Buffers.ArrayBufferWriter<byte> _writer = new(2048);
    private readonly HepMessage _message = Materialise(Samples.Hep3Invite);

    [Benchmark(Description = "HEP3 decode (INVITE packet)")]
    public int Hep3Decode()
    {
        HepDecoder.TryDecode(_hep, out var packet, out _, out _);
        return packet.Payload.Length;
    }

    [Benchmark(Description = "HEP3 encode (INVITE packet)")]
    public int Hep3Encode()
    {
        _writer.ResetWrittenCount();
        HepEncoder.Encode(_message, _writer);
        return _writer.WrittenCount;
    }

    [Benchmark(Description = "SIP parse (INVITE with SDP)")]
    public int SipParse()
    {
        SipParser.TryParse(_invite, out var message, out _);
        return message.CallId.Length;
    }

    [Benchmark(Description = "SIP parse + SDP parse")]
    public int SipAndSdpParse()
    {
        SipParser.TryParse(_invite, out var message, out _);
        SdpParser.TryParse(_invite, message.Sdp, out var sdp, out _);
        return sdp.Media[0].Port;
    }

    [Benchmark(Description = "HEP3 decode + SIP parse")]
    public int HepThenSip()
    {
        HepDecoder.TryDecode(_hep, out var packet, out _, out _);
        SipParser.TryParse(packet.Payload.Of(_hep), out var message, out _);
        return message.CallId.Length;
    }

    [Benchmark(Description = "RTCP-XR vq-rtcpxr parse")]
    public double? VqParse()
    {
        VqReportParser.TryParse(_vq, out var report);
        return report.Local.MosLq;
    }

    [Benchmark(Description = "RTCP JSON (type 5) parse")]
    public int RtcpJsonParse()
    {
        RtcpJsonParser.TryParse(_rtcpJson, out var packets, out _);
        return packets.Count;
    }

    private static HepMessage Materialise(byte[] data)
    {
        HepDecoder.TryDecode(data, out var packet, out _, out _);
        return packet.ToMessage(data);
    }
}
