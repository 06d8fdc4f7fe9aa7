namespace Homer.Agent.Capture;

/// <summary>pcap LINKTYPE_* values we decode (tcpdump.org/linktypes.html).</summary>
public static class LinkType
{
    public const int Null = 0;
    public const int Ethernet = 1;
    public const int Raw = 101;
    public const int Loop = 108;
    public const int LinuxSll = 113;
    public const int Ipv4 = 228;
    public const int Ipv6 = 229;
    public const int LinuxSll2 = 276;
}
