using System.Text.Json;
using Microsoft.Extensions.Configuration;

namespace Homer.Node.Tests;

/// <summary>A node told to link legs by P-Charging-Vector's icid-value and by a ".legN" Call-ID suffix, not by X-CID.</summary>
public sealed class LegConfigurationFixture : NodeFixture
{
    protected override IEnumerable<KeyValuePair<string, string?>> ExtraSettings() =>
    [
        new("LEG_HEADERS", "P-Charging-Vector;icid-value"),
        new("LEG_SUFFIX_RULE", @"^(?<root>.+)\.leg\d+$"),
    ];
}

/// <summary>The deployment's leg headers and suffix rule, from configuration through ingest to the dialogs.</summary>
public sealed class LegConfigurationTests(LegConfigurationFixture node) : IClassFixture<LegConfigurationFixture>
{
    [Fact]
    public async Task Legs_are_linked_by_the_configured_header_and_suffix_rule_and_not_by_X_CID()
    {
        var root = "cfg-" + Guid.NewGuid().ToString("N")[..12];
        var byHeader = "other-" + Guid.NewGuid().ToString("N")[..12];
        var bySuffix = root + ".leg2";
        var start = SipCalls.NowMicros().AddMinutes(-1);
        var rootCall = SipCalls.BasicCall(root, "alice", "bob", start);
        // The second leg names the first in P-Charging-Vector (as an IMS core does) and something else in X-CID.
        var headerCall = SipCalls.BasicCall(byHeader, "alice", "bob", start.AddMilliseconds(50))
            .Select((leg, i) => i == 0
                ? leg with
                {
                    Text = leg.Text.Replace("Max-Forwards: 70\r\n",
                        $"Max-Forwards: 70\r\nP-Charging-Vector: icid-value={root};icid-generated-at=192.0.2.10\r\nX-CID: not-a-leg\r\n"),
                }
                : leg)
            .ToList();
        var suffixCall = SipCalls.BasicCall(bySuffix, "alice", "bob", start.AddMilliseconds(100));
        await node.SendHep([.. rootCall.Concat(headerCall).Concat(suffixCall).Select(l => SipCalls.Hep3(l))]);

        string[] legs = [];
        await node.Eventually(async () =>
        {
            legs = await LegsOf(root);
            return legs.Length == 2;
        }, "the root call has both other legs");
        Assert.Equal(new[] { byHeader, bySuffix }.Order(), legs.Order());
        Assert.Equal([root], await LegsOf(byHeader));
        Assert.Equal([root], await LegsOf(bySuffix));

        // The stored INVITE carries the configured header's id, not X-CID's.
        var stored = (await node.GraphQL("query ($f: MessageFilter!) { messages(filter: $f) { nodes { method correlationId } } }",
                new { f = new { callId = byHeader } }))
            .GetProperty("messages").GetProperty("nodes").EnumerateArray()
            .Single(m => m.GetProperty("method").GetString() == "INVITE");
        Assert.Equal(root, stored.GetProperty("correlationId").GetString());
    }

    [Theory]
    [InlineData("LEG_HEADERS", "X-CID;a;b")]
    [InlineData("LEG_HEADERS", "X CID")]
    [InlineData("LEG_SUFFIX_RULE", @"^(?<leg>.+)_b2b$")]
    [InlineData("LEG_SUFFIX_RULE", @"^(?<root>.+)(?=_b2b)")]
    [InlineData("LEG_SUFFIX_RULE", "^(?<root>.+")]
    public void A_bad_leg_setting_stops_the_node_with_the_setting_named(string key, string value)
    {
        var error = Assert.Throws<FormatException>(() => NodeSettings.From(Configuration((key, value))));
        Assert.Contains("HOMER_" + key, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Leg_settings_default_to_X_CID_and_the_b2b_suffix_and_can_be_turned_off()
    {
        var defaults = NodeSettings.From(Configuration());
        Assert.Equal([new Homer.Sip.SipCorrelationHeader("X-CID")], defaults.SipParser.CorrelationHeaders);
        Assert.Equal("abc", defaults.Dialogs.LegRootOf("abc_b2b-1"));

        var off = NodeSettings.From(Configuration(("LEG_HEADERS", "off"), ("LEG_SUFFIX_RULE", "off")));
        Assert.Empty(off.SipParser.CorrelationHeaders);
        Assert.Null(off.Dialogs.LegRootOf("abc_b2b-1"));

        var two = NodeSettings.From(Configuration(("LEG_HEADERS", " X-CID , P-Charging-Vector;icid-value ")));
        Assert.Equal([new Homer.Sip.SipCorrelationHeader("X-CID"), new Homer.Sip.SipCorrelationHeader("P-Charging-Vector", "icid-value")],
            two.SipParser.CorrelationHeaders);
        // The dialog nodes' catch-up parses stored messages with the same headers as ingest.
        Assert.Same(two.SipParser, two.Dialogs.SipParser);
    }

    private async Task<string[]> LegsOf(string callId)
    {
        var dialog = (await node.GraphQL("query ($id: String!) { dialog(callId: $id) { legs { callId } } }", new { id = callId }))
            .GetProperty("dialog");
        return dialog.ValueKind == JsonValueKind.Null
            ? []
            : dialog.GetProperty("legs").EnumerateArray().Select(l => l.GetProperty("callId").GetString()!).ToArray();
    }

    private static IConfiguration Configuration(params (string Key, string Value)[] settings) =>
        new ConfigurationBuilder().AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value))).Build();
}
