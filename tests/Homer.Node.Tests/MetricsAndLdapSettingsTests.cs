using Homer.Actors.Ingest;
using Homer.Api.Auth;
using Microsoft.Extensions.Configuration;

namespace Homer.Node.Tests;

/// <summary>HOMER_LDAP_* and HOMER_METRICS_* as the node reads them: a setting that cannot work stops the node, naming it.</summary>
public sealed class MetricsAndLdapSettingsTests
{
    private static IConfiguration Configuration(params (string Key, string Value)[] values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values.Select(v => new KeyValuePair<string, string?>(v.Key, v.Value))).Build();

    private static readonly (string, string)[] Ldap =
    [
        ("LDAP_URL", "ldaps://ldap.example.org"),
        ("LDAP_USER_DN", "uid={0},ou=people,dc=example,dc=org"),
        ("LDAP_GROUP_BASE", "ou=groups,dc=example,dc=org"),
        ("LDAP_ADMIN_GROUPS", "cn=homer-admins,ou=groups,dc=example,dc=org; ops"),
        ("LDAP_VIEWER_GROUPS", "noc"),
    ];

    [Fact]
    public void LDAP_is_off_by_default_and_reads_group_lists_separated_by_semicolons()
    {
        Assert.False(NodeSettings.From(Configuration()).Api.Auth.Ldap.Enabled);

        var ldap = NodeSettings.From(Configuration(Ldap)).Api.Auth.Ldap;
        Assert.True(ldap.Enabled);
        // Group DNs hold commas: the list separator is the semicolon.
        Assert.Equal(["cn=homer-admins,ou=groups,dc=example,dc=org", "ops"], ldap.AdminGroups);
        Assert.Equal(["noc"], ldap.ViewerGroups);
        Assert.Empty(ldap.UserGroups);
        Assert.Equal(LoginOrder.LocalFirst, ldap.Order);
        Assert.Equal(TimeSpan.FromSeconds(5), ldap.Timeout);
    }

    [Theory]
    [InlineData("LDAP_URL", "http://ldap.example.org", "LDAP_URL")]
    [InlineData("LDAP_USER_DN", "", "LDAP_URL")]
    [InlineData("LDAP_GROUP_BASE", "", "LDAP_GROUP_BASE")]
    [InlineData("LDAP_ADMIN_GROUPS", "", "LDAP_ADMIN_GROUPS")]
    [InlineData("LDAP_ORDER", "directory-first", "LDAP_ORDER")]
    [InlineData("LDAP_STARTTLS", "yes", "LDAP_STARTTLS")]
    [InlineData("LDAP_TIMEOUT_SECONDS", "0", "LDAP_TIMEOUT_SECONDS")]
    public void A_bad_LDAP_setting_stops_the_node_with_the_setting_named(string key, string value, string named)
    {
        var values = Ldap.Where(v => v.Item1 != key).Append((key, value)).Where(v => v.Item2.Length > 0).ToArray();
        if (key == "LDAP_ADMIN_GROUPS")
            values = values.Where(v => v.Item1 != "LDAP_VIEWER_GROUPS").ToArray();
        var error = Assert.Throws<FormatException>(() => NodeSettings.From(Configuration(values)));
        Assert.Contains("HOMER_" + named, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Metrics_bounds_have_defaults_and_refuse_nonsense()
    {
        var defaults = NodeSettings.From(Configuration());
        Assert.Equal(SipCodeLabels.Exact, defaults.SipTraffic.Codes);
        Assert.Equal(50, defaults.SipTraffic.MaxNodes);
        Assert.Equal(TimeSpan.FromMinutes(5), defaults.KpiWindow);
        Assert.Equal(SipCodeLabels.Class, NodeSettings.From(Configuration(("METRICS_SIP_CODES", "class"))).SipTraffic.Codes);
        Assert.Contains("HOMER_METRICS_SIP_CODES", Assert.Throws<FormatException>(() => NodeSettings.From(Configuration(("METRICS_SIP_CODES", "all")))).Message);
        Assert.Contains("HOMER_METRICS_MAX_NODES", Assert.Throws<FormatException>(() => NodeSettings.From(Configuration(("METRICS_MAX_NODES", "0")))).Message);
    }
}
