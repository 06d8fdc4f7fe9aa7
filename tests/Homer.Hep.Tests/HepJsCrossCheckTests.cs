using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Homer.TestSupport;

namespace Homer.Hep.Tests;

/// <summary>
/// Cross-checks against hep-js, sipcapture's own HEP3 library: our decode equals its decode field by field, and each side
/// decodes what the other encodes. hep-js quirks respected: IPv4 only, ASCII payloads (it sizes by string length),
/// a node-name chunk always added, MOS only with proto_type 32/35 and a correlation id.
/// </summary>
public class HepJsCrossCheckTests
{
    private static List<HepMessage> Corpus()
    {
        var random = new Random(2024);
        var list = new List<HepMessage>();
        var payloads = new[]
        {
            Encoding.ASCII.GetString(Fixture.Bytes("invite-sdp.sip")),
            "SIP/2.0 200 OK\r\nCall-ID: x\r\n\r\n",
            "{\"type\":200,\"ssrc\":1}",
            "VQSessionReport: CallTerm\r\nCallID: abc\r\n",
            "x",
        };
        for (var i = 0; i < 60; i++)
        {
            var protocolType = new byte[] { 1, 5, 35, 100, 53 }[i % 5];
            list.Add(new HepMessage
            {
                IpProtocol = new byte[] { 17, 6, 132 }[i % 3],
                SourceAddress = new IPAddress(random.NextInt64(1, uint.MaxValue)),
                DestinationAddress = new IPAddress(random.NextInt64(1, uint.MaxValue)),
                SourcePort = (ushort)random.Next(1, 65536),
                DestinationPort = (ushort)random.Next(1, 65536),
                Timestamp = DateTimeOffset.UnixEpoch.AddSeconds(random.Next(1_000_000_000, int.MaxValue)).AddTicks(random.Next(0, 1_000_000) * 10L),
                ProtocolType = protocolType,
                CaptureId = (uint)random.NextInt64(0, uint.MaxValue),
                Payload = Encoding.ASCII.GetBytes(payloads[i % payloads.Length]),
                AuthKey = i % 2 == 0 ? "myHep" + i : null,
                CorrelationId = i % 3 == 0 ? $"corr-{i}@host" : null,
                NodeName = $"node-{i}",
                Mos = protocolType == 35 && i % 3 == 0 ? (ushort)random.Next(100, 450) : null,
            });
        }

        return list;
    }

    private static void AssertSame(HepPacket ours, ReadOnlySpan<byte> data, JsonNode theirs)
    {
        var rc = theirs["rcinfo"]!;
        Assert.Equal(ours.IpFamily, rc["protocolFamily"]!.GetValue<int>());
        Assert.Equal(ours.IpProtocol, rc["protocol"]!.GetValue<int>());
        Assert.Equal(ours.SourceAddress.ToString(), rc["srcIp"]!.GetValue<string>());
        Assert.Equal(ours.DestinationAddress.ToString(), rc["dstIp"]!.GetValue<string>());
        Assert.Equal(ours.SourcePort, rc["srcPort"]!.GetValue<int>());
        Assert.Equal(ours.DestinationPort, rc["dstPort"]!.GetValue<int>());
        Assert.Equal(ours.TimestampSeconds, rc["timeSeconds"]!.GetValue<uint>());
        Assert.Equal(ours.TimestampMicros, rc["timeUseconds"]!.GetValue<uint>());
        Assert.Equal(ours.ProtocolType, rc["payloadType"]!.GetValue<int>());
        Assert.Equal(ours.CaptureId, rc["captureId"]!.GetValue<uint>());
        Assert.Equal(ours.Has(HepFields.AuthKey) ? ours.AuthKey.ToString(data) : null, rc["capturePass"]?.GetValue<string>());
        Assert.Equal(ours.Has(HepFields.CorrelationId) ? ours.CorrelationId.ToString(data) : null, rc["correlation_id"]?.GetValue<string>());
        Assert.Equal(ours.Has(HepFields.NodeName) ? ours.NodeName.ToString(data) : null, rc["hepNodeName"]?.GetValue<string>());
        Assert.Equal(ours.Has(HepFields.Mos) ? ours.Mos : null, rc["mos"]?.GetValue<ushort>());
        Assert.Equal(Convert.ToHexStringLower(ours.Payload.Of(data)), theirs["payloadHex"]!.GetValue<string>());
    }

    [HepJsFact]
    public void Hep_js_decodes_what_we_encode_and_agrees_with_our_decoder()
    {
        var packets = Corpus().Select(HepEncoder.Encode).ToList();
        packets.Add(Fixture.Bytes("spec-example.bin"));
        packets.Add(Fixture.Bytes("hep3-invite.bin"));

        var answers = HepJsOracle.Run("decode", packets.Select(p => Convert.ToHexString(p)));

        Assert.Equal(packets.Count, answers.Length);
        for (var i = 0; i < packets.Count; i++)
        {
            var theirs = JsonNode.Parse(answers[i])!;
            Assert.True(theirs["ok"]!.GetValue<bool>(), $"hep-js rejected packet {i}");
            Assert.True(HepDecoder.TryDecode(packets[i], out var ours, out var error, out _), error.ToString());
            AssertSame(ours, packets[i], theirs);
        }
    }

    [HepJsFact]
    public void We_decode_what_hep_js_encodes()
    {
        var corpus = Corpus();
        var requests = corpus.Select(m => JsonSerializer.Serialize(new
        {
            payload = Encoding.ASCII.GetString(m.Payload.Span),
            rcinfo = new Dictionary<string, object?>
            {
                ["protocolFamily"] = 2,
                ["protocol"] = m.IpProtocol,
                ["srcIp"] = m.SourceAddress.ToString(),
                ["dstIp"] = m.DestinationAddress.ToString(),
                ["srcPort"] = m.SourcePort,
                ["dstPort"] = m.DestinationPort,
                ["timeSeconds"] = m.TimestampUnixMicros / 1_000_000,
                ["timeUseconds"] = m.TimestampUnixMicros % 1_000_000,
                ["payloadType"] = m.ProtocolType,
                ["proto_type"] = m.ProtocolType,
                ["captureId"] = m.CaptureId,
                ["capturePass"] = m.AuthKey,
                ["correlation_id"] = m.CorrelationId ?? string.Empty,
                ["hepNodeName"] = m.NodeName,
                ["mos"] = m.Mos,
            },
        })).ToList();

        var answers = HepJsOracle.Run("encode", requests);

        Assert.Equal(corpus.Count, answers.Length);
        for (var i = 0; i < corpus.Count; i++)
        {
            var bytes = Convert.FromHexString(answers[i]);
            Assert.True(HepDecoder.TryDecode(bytes, out var p, out var error, out _), $"{i}: {error}");
            var back = p.ToMessage(bytes);
            var m = corpus[i];
            Assert.Equal(m.SourceAddress, back.SourceAddress);
            Assert.Equal(m.DestinationAddress, back.DestinationAddress);
            Assert.Equal(m.SourcePort, back.SourcePort);
            Assert.Equal(m.DestinationPort, back.DestinationPort);
            Assert.Equal(m.Timestamp, back.Timestamp);
            Assert.Equal(m.IpProtocol, back.IpProtocol);
            Assert.Equal(m.ProtocolType, back.ProtocolType);
            Assert.Equal(m.CaptureId, back.CaptureId);
            Assert.Equal(m.AuthKey, back.AuthKey);
            Assert.Equal(m.CorrelationId, back.CorrelationId);
            Assert.Equal(m.NodeName, back.NodeName);
            // hep-js writes MOS only for proto_type 32/35 with a correlation id.
            Assert.Equal(m.ProtocolType == 35 && m.CorrelationId is not null ? m.Mos ?? 0 : null, back.Mos);
            Assert.Equal(m.Payload.ToArray(), back.Payload.ToArray());
        }
    }

    [HepJsFact]
    public void Vendor_chunk_quirk_hep_js_misreads_what_we_keep_raw()
    {
        // Documented difference: hep-js switches on the type id alone, so a FreeSWITCH (vendor 1) type-1 chunk
        // overwrites the IP family. We keep vendor chunks raw.
        var data = HepEncoder.Encode(new HepMessage
        {
            SourceAddress = IPAddress.Parse("192.0.2.1"),
            DestinationAddress = IPAddress.Parse("192.0.2.2"),
            Payload = "OPTIONS sip:a@b SIP/2.0\r\n\r\n"u8.ToArray(),
            VendorChunks = [new HepVendorChunk(1, HepChunkType.IpFamily, new byte[] { 10 })],
        });
        var theirs = JsonNode.Parse(HepJsOracle.Run("decode", [Convert.ToHexString(data)])[0])!;
        Assert.True(HepDecoder.TryDecode(data, out var ours, out _, out _));
        Assert.Equal(2, ours.IpFamily);
        Assert.Equal(10, theirs["rcinfo"]!["protocolFamily"]!.GetValue<int>());
    }
}
