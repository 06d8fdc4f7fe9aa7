using System.Text;

namespace Homer.Sip;

/// <summary>A header whose value ties call legs together; with <see cref="Parameter"/> only that parameter's value.</summary>
public sealed record SipCorrelationHeader(string Name, string? Parameter = null);

/// <summary>
/// Per-deployment parser settings, passed in explicitly (never read from global state inside the parser).
/// </summary>
public sealed class SipParserOptions
{
    public static SipParserOptions Default { get; } = new([new SipCorrelationHeader("X-CID")]);

    private readonly byte[][] _names;
    private readonly byte[]?[] _parameters;

    public SipParserOptions(IReadOnlyList<SipCorrelationHeader> correlationHeaders)
    {
        ArgumentNullException.ThrowIfNull(correlationHeaders);
        CorrelationHeaders = correlationHeaders;
        _names = new byte[correlationHeaders.Count][];
        _parameters = new byte[]?[correlationHeaders.Count];
        for (var i = 0; i < correlationHeaders.Count; i++)
        {
            _names[i] = Encoding.ASCII.GetBytes(correlationHeaders[i].Name.Trim());
            _parameters[i] = correlationHeaders[i].Parameter is { } p ? Encoding.ASCII.GetBytes(p.Trim()) : null;
        }
    }

    /// <summary>In priority order: the first one present wins.</summary>
    public IReadOnlyList<SipCorrelationHeader> CorrelationHeaders { get; }

    internal int Count => _names.Length;

    internal ReadOnlySpan<byte> Name(int i) => _names[i];

    internal ReadOnlySpan<byte> Parameter(int i) => _parameters[i];

    internal bool HasParameter(int i) => _parameters[i] is not null;
}
