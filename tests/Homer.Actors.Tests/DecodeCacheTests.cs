using System.Net;
using System.Text;
using Homer.Actors.Ingest;
using Homer.Hep;
using Homer.Storage;

namespace Homer.Actors.Tests;

public sealed class DecodeCacheTests
{
    [Fact]
    public void Repeated_values_come_back_as_one_instance_and_every_value_as_the_store_rule_makes_it()
    {
        var domain = "pbx.example.com"u8.ToArray();
        Assert.Same(DecodeCache.Text(domain), DecodeCache.Text(domain.ToArray()));
        Assert.Null(DecodeCache.Text([]));
        byte[] odd = [(byte)'a', 0, (byte)'b', 0xFF];
        Assert.Equal(StorableText.FromUtf8(odd), DecodeCache.Text(odd));
        Assert.Equal(StorableText.FromUtf8(odd), DecodeCache.Text(odd));
        var longValue = Encoding.UTF8.GetBytes(new string('u', 500));
        Assert.Equal(new string('u', 500), DecodeCache.Text(longValue));

        // Many more distinct values than slots: colliding values replace each other, never answer for each other.
        for (var round = 0; round < 2; round++)
            for (var i = 0; i < 5_000; i++)
                Assert.Equal($"host{i}.example.net", DecodeCache.Text(Encoding.UTF8.GetBytes($"host{i}.example.net")));
    }

    [Fact]
    public void Addresses_are_shared_per_address_and_never_confused()
    {
        var proxy = HepAddress.From(IPAddress.Parse("198.51.100.1"));
        Assert.Same(DecodeCache.Address(proxy), DecodeCache.Address(HepAddress.From(IPAddress.Parse("198.51.100.1"))));
        for (var i = 0; i < 5_000; i++)
        {
            var v4 = IPAddress.Parse($"10.0.{i >> 8}.{i & 255}");
            var v6 = IPAddress.Parse($"2001:db8::{i:x}");
            Assert.Equal(v4, DecodeCache.Address(HepAddress.From(v4)));
            Assert.Equal(v6, DecodeCache.Address(HepAddress.From(v6)));
        }
        Assert.Equal(IPAddress.Any, DecodeCache.Address(default));
    }
}
