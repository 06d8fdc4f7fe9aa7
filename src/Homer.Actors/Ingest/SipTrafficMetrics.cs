using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using Homer.Hep;
using Homer.Storage;
using Prometheus;

namespace Homer.Actors.Ingest;

/// <summary>How response codes are labelled: each code (100–699) or its class (1xx … 6xx).</summary>
public enum SipCodeLabels
{
    Exact,
    Class,
}

public sealed record SipTrafficOptions
{
    public SipCodeLabels Codes { get; init; } = SipCodeLabels.Exact;
    /// <summary>Distinct capture nodes that get their own series; later ones are counted as node "other".</summary>
    public int MaxNodes { get; init; } = 50;
    /// <summary>IP aliases that get their own series; beyond, aliased traffic is not counted per alias.</summary>
    public int MaxAliases { get; init; } = 100;
    public TimeSpan AliasRefresh { get; init; } = TimeSpan.FromSeconds(30);
}

/// <summary>
/// SIP messages by method, response code and capture node (heplify-server's <c>heplify_method_response</c>), and by
/// IP alias, for Prometheus. The label sets are bounded (docs/operations.md, "SIP traffic metrics"): 14 methods and
/// OTHER; a request, a code of 100–699 (or its class) or "other"; at most <see cref="SipTrafficOptions.MaxNodes"/>
/// nodes and <see cref="SipTrafficOptions.MaxAliases"/> aliases.
/// The decode workers count a whole batch into a per-thread table, then add each distinct (node, method, response) to
/// shared arrays once: no allocation and no shared write per message. A scrape copies the arrays into the registry.
/// </summary>
public sealed class SipTrafficMetrics
{
    public static readonly string[] Methods =
        ["INVITE", "ACK", "BYE", "CANCEL", "REGISTER", "OPTIONS", "PRACK", "SUBSCRIBE", "NOTIFY", "PUBLISH", "INFO", "REFER", "MESSAGE", "UPDATE", "OTHER"];

    private const int Other = 14;
    // Response slots: 0 a request, 1..600 the codes 100..699, 601 anything else a reply may carry.
    private const int Slots = 602;
    private const int RequestSlot = 0;
    private const int OtherSlot = 601;
    // Per alias: request, 1xx..6xx, other; and two directions (the alias is the source or the destination).
    private const int AliasSlots = 8;
    // One alias's counters: directions × methods × slots.
    private static readonly int AliasBlock = 2 * Methods.Length * AliasSlots;

    private static readonly Counter MethodResponse = Metrics.CreateCounter("homer_sip_method_response_total",
        "SIP messages captured, by CSeq method (OTHER for the rest), response (request, the code or its class, other) and capture node.",
        "method", "response", "node");
    private static readonly Counter AliasMethodResponse = Metrics.CreateCounter("homer_sip_alias_method_response_total",
        "SIP messages from (direction=src) or to (direction=dst) an address with an IP alias, by CSeq method and response class.",
        "alias", "direction", "method", "response");

    private readonly SipTrafficOptions _options;
    private readonly string[] _slotLabels;
    private readonly ConcurrentDictionary<string, int> _nodes = new(StringComparer.Ordinal);
    // Index 0 is node "other"; a node's row is made when the node is first seen.
    private readonly long[]?[] _counts;
    private readonly string[] _nodeNames;
    private int _nodeCount = 1;
    private readonly object _newNode = new();
    private volatile AliasIndex _aliases = AliasIndex.Empty;
    // Counters of aliases a reload removed, by name, in case one comes back (SetAliases only).
    private readonly Dictionary<string, long[]> _retiredAliases = new(StringComparer.Ordinal);

    [ThreadStatic] private static BatchTable? t_table;

    public SipTrafficMetrics(SipTrafficOptions options)
    {
        _options = options;
        _counts = new long[]?[options.MaxNodes + 1];
        _nodeNames = new string[options.MaxNodes + 1];
        _nodeNames[0] = "other";
        _slotLabels = new string[Slots];
        _slotLabels[RequestSlot] = "request";
        _slotLabels[OtherSlot] = "other";
        for (var code = 100; code < 700; code++)
            _slotLabels[code - 99] = options.Codes == SipCodeLabels.Exact ? code.ToString(CultureInfo.InvariantCulture) : $"{code / 100}xx";
        Metrics.DefaultRegistry.AddBeforeCollectCallback(Publish);
    }

    public SipTrafficOptions Options => _options;

    /// <summary>Counts the SIP messages of one decode batch (called on the decode worker that made it).</summary>
    public void Count(List<CapturedMessage> batch)
    {
        var table = t_table ??= new BatchTable();
        var aliases = _aliases;
        string? lastNode = null;
        var lastIndex = 0;
        foreach (var m in batch)
        {
            if (m.ProtocolType != HepProtocolType.Sip || m.ParseError is not null)
                continue;
            var isRequest = m.StatusCode is null;
            var method = MethodIndex(isRequest ? m.Method : m.CSeqMethod ?? m.Method);
            var slot = isRequest ? RequestSlot : m.StatusCode is >= 100 and < 700 ? m.StatusCode.Value - 99 : OtherSlot;
            var node = m.NodeName ?? "";
            if (!ReferenceEquals(node, lastNode) && node != lastNode)
            {
                lastNode = node;
                lastIndex = NodeIndex(node);
            }
            table.Add((lastIndex * Methods.Length + method) * Slots + slot);
            if (aliases.Count > 0)
            {
                var aliasSlot = slot switch { RequestSlot => 0, OtherSlot => 7, _ => (slot + 99) / 100 };
                if (aliases.Find(m.SourceIp, m.SourcePort) is var src and >= 0)
                    table.Add(AliasKey(src, 0, method, aliasSlot));
                if (aliases.Find(m.DestinationIp, m.DestinationPort) is var dst and >= 0)
                    table.Add(AliasKey(dst, 1, method, aliasSlot));
            }
        }
        table.FlushInto(this, aliases);
    }

    // Alias keys live above every node key, so one table holds both.
    private int AliasBase => (_options.MaxNodes + 1) * Methods.Length * Slots;

    private int AliasKey(int alias, int direction, int method, int slot) =>
        AliasBase + ((alias * 2 + direction) * Methods.Length + method) * AliasSlots + slot;

    private void Add(int key, int count, AliasIndex aliases)
    {
        if (key < AliasBase)
        {
            var node = key / (Methods.Length * Slots);
            Interlocked.Add(ref _counts[node]![key % (Methods.Length * Slots)], count);
        }
        else
        {
            var k = key - AliasBase;
            Interlocked.Add(ref aliases.Blocks[k / AliasBlock][k % AliasBlock], count);
        }
    }

    private int NodeIndex(string node)
    {
        if (_nodes.TryGetValue(node, out var index))
            return index;
        lock (_newNode)
        {
            if (_nodes.TryGetValue(node, out index))
                return index;
            // Node names come from the senders: past the bound a new name is folded into "other" and not remembered.
            if (_nodeCount > _options.MaxNodes)
            {
                _counts[0] ??= new long[Methods.Length * Slots];
                return 0;
            }
            index = _nodeCount;
            _counts[index] = new long[Methods.Length * Slots];
            _nodeNames[index] = node.Length == 0 ? "unknown" : node;
            _nodeCount = index + 1;
            _nodes[node] = index;
            return index;
        }
    }

    private static int MethodIndex(string? method) => method switch
    {
        "INVITE" => 0,
        "ACK" => 1,
        "BYE" => 2,
        "CANCEL" => 3,
        "REGISTER" => 4,
        "OPTIONS" => 5,
        "PRACK" => 6,
        "SUBSCRIBE" => 7,
        "NOTIFY" => 8,
        "PUBLISH" => 9,
        "INFO" => 10,
        "REFER" => 11,
        "MESSAGE" => 12,
        "UPDATE" => 13,
        _ => Other,
    };

    /// <summary>Copies the counts into the Prometheus counters (at scrape time, off the ingest path).</summary>
    private void Publish()
    {
        for (var n = 0; n < _counts.Length; n++)
        {
            if (_counts[n] is not { } row)
                continue;
            var node = _nodeNames[n];
            for (var i = 0; i < row.Length; i++)
            {
                var value = Interlocked.Read(ref row[i]);
                if (value == 0)
                    continue;
                MethodResponse.WithLabels(Methods[i / Slots], _slotLabels[i % Slots], node).IncTo(value);
            }
        }
        var aliases = _aliases;
        for (var a = 0; a < aliases.Blocks.Length; a++)
        {
            var block = aliases.Blocks[a];
            for (var i = 0; i < block.Length; i++)
            {
                var value = Interlocked.Read(ref block[i]);
                if (value == 0)
                    continue;
                var slot = i % AliasSlots;
                var method = i / AliasSlots % Methods.Length;
                var direction = i / AliasSlots / Methods.Length;
                AliasMethodResponse.WithLabels(aliases.Names[a], direction == 0 ? "src" : "dst", Methods[method], AliasClassLabels[slot])
                    .IncTo(value);
            }
        }
    }

    private static readonly string[] AliasClassLabels = ["request", "1xx", "2xx", "3xx", "4xx", "5xx", "6xx", "other"];

    /// <summary>
    /// Reloads the aliases (every <see cref="SipTrafficOptions.AliasRefresh"/>, from the aliases table). An alias that
    /// keeps its name keeps its counters, the same arrays: a batch still counting with the previous index when it is
    /// replaced adds to them all the same, so a reload loses no count and the ingest path takes no lock for it. A
    /// Prometheus counter never goes down, so a renamed alias starts a new series; one removed and added back goes on
    /// from its old counts.
    /// </summary>
    public void SetAliases(IReadOnlyList<AliasRow> rows)
    {
        lock (_retiredAliases)
        {
            var old = _aliases;
            var names = rows.Select(r => r.Name).Distinct(StringComparer.Ordinal).Take(_options.MaxAliases).ToArray();
            var byName = names.Select((name, i) => (name, i)).ToDictionary(p => p.name, p => p.i, StringComparer.Ordinal);
            var map = rows.Where(r => byName.ContainsKey(r.Name)).GroupBy(r => r.Ip)
                .ToDictionary(g => g.Key, g => g.Select(r => (r.Port, byName[r.Name])).ToArray());
            var kept = old.Names.Select((name, i) => (name, i)).ToDictionary(p => p.name, p => old.Blocks[p.i], StringComparer.Ordinal);
            var blocks = names.Select(name =>
                kept.Remove(name, out var block) || _retiredAliases.Remove(name, out block) ? block : new long[AliasBlock]).ToArray();
            // What is left of the old names was removed: remembered, within the bound of the aliases' own.
            foreach (var (name, block) in kept)
            {
                if (_retiredAliases.Count >= _options.MaxAliases)
                    _retiredAliases.Clear();
                _retiredAliases[name] = block;
            }
            _aliases = new AliasIndex(map, names, blocks);
        }
    }

    public async Task RefreshAliasesEvery(AliasStore store, Microsoft.Extensions.Logging.ILogger logger, CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            try
            {
                SetAliases(await store.ListAsync(ct));
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                Microsoft.Extensions.Logging.LoggerExtensions.LogWarning(logger, e, "Reading IP aliases for the SIP metrics failed; keeping the previous ones");
            }
            try
            {
                await Task.Delay(_options.AliasRefresh, ct);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>Alias lookup: address and port, then the address with port 0 (any port), as the aliases table means it.</summary>
    private sealed class AliasIndex(Dictionary<IPAddress, (int Port, int Index)[]> map, string[] names, long[][] blocks)
    {
        public static readonly AliasIndex Empty = new([], [], []);
        public int Count => map.Count;
        public string[] Names => names;
        /// <summary>Each alias's counters (<see cref="AliasBlock"/> of them), shared with the index before it when the name is the same.</summary>
        public long[][] Blocks => blocks;

        /// <summary>One hash lookup by address (most traffic has no alias), then the few ports aliased on it.</summary>
        public int Find(IPAddress ip, int port)
        {
            if (!map.TryGetValue(ip, out var entries))
                return -1;
            var any = -1;
            foreach (var (p, index) in entries)
            {
                if (p == port)
                    return index;
                if (p == 0)
                    any = index;
            }
            return any;
        }
    }

    /// <summary>One decode worker's counts for the batch in hand: open addressing over int keys, reused batch after batch.</summary>
    private sealed class BatchTable
    {
        private const int Size = 2048; // a power of two, far above a batch's distinct keys (256 messages, three keys each)
        private readonly int[] _keys = new int[Size];
        private readonly int[] _values = new int[Size];
        private readonly int[] _used = new int[Size];
        private int _usedCount;

        public void Add(int key)
        {
            var i = (key * -1640531535) & (Size - 1);
            while (true)
            {
                if (_values[i] == 0)
                {
                    if (_usedCount == Size - 1)
                        return; // cannot happen with batches of 256; a guard, not a path
                    _keys[i] = key;
                    _values[i] = 1;
                    _used[_usedCount++] = i;
                    return;
                }
                if (_keys[i] == key)
                {
                    _values[i]++;
                    return;
                }
                i = (i + 1) & (Size - 1);
            }
        }

        public void FlushInto(SipTrafficMetrics metrics, AliasIndex aliases)
        {
            for (var u = 0; u < _usedCount; u++)
            {
                var i = _used[u];
                metrics.Add(_keys[i], _values[i], aliases);
                _values[i] = 0;
            }
            _usedCount = 0;
        }
    }
}

/// <summary>Keeps the IP aliases of <see cref="SipTrafficMetrics"/> in step with the aliases table (ingest nodes).</summary>
public sealed class SipTrafficAliasRefresher(SipTrafficMetrics metrics, Npgsql.NpgsqlDataSource dataSource,
    Microsoft.Extensions.Logging.ILogger<SipTrafficAliasRefresher> logger) : Microsoft.Extensions.Hosting.BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        metrics.RefreshAliasesEvery(new AliasStore(dataSource), logger, stoppingToken);
}
