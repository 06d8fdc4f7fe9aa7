using System.Globalization;
using System.Net;
using GraphQL;
using GraphQL.Types;
using Homer.Api.Auth;
using Homer.Storage.Auth;
using Homer.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace Homer.Api.GraphQL;

/// <summary><c>aliases</c> and <c>nodes</c>; merged into <c>Query</c> by <see cref="HomerApiSchema"/>.</summary>
public sealed class AliasQueryFields : ObjectGraphType
{
    public AliasQueryFields()
    {
        Name = "AliasQueryFields";

        Field<NonNullGraphType<ListGraphType<NonNullGraphType<AliasType>>>>("aliases")
            .Description("Names for addresses (ip:port, or every port of an ip), shown in call flows.")
            .ResolveAsync(async c => await ActivatorUtilities.GetServiceOrCreateInstance<AliasStore>(c.RequestServices!).ListAsync(c.CancellationToken));

        Field<NonNullGraphType<ListGraphType<NonNullGraphType<CaptureNodeType>>>>("nodes")
            .Description("Capture agents (HEP node name and capture id) that sent messages in the last 24 hours, with when they last did and how many. Refreshed at most every 30 s.")
            .ResolveAsync(async c => await c.RequestServices!.GetRequiredService<CaptureNodeCache>().GetAsync(c.CancellationToken));
    }
}

/// <summary>Alias mutations (admin); merged into <c>Mutation</c> by <see cref="HomerApiSchema"/>.</summary>
public sealed class AliasMutationFields : ObjectGraphType
{
    public AliasMutationFields()
    {
        Name = "AliasMutationFields";

        Field<NonNullGraphType<AliasType>>("createAlias")
            .Description("Names an address (admin). Port 0 or null: every port of the ip.")
            .Argument<NonNullGraphType<AliasInputType>>("input")
            .RequireRole(HomerRole.Admin)
            .ResolveAsync(async c =>
            {
                var (ip, port, name, captureId) = Values(c);
                return await Store(c).CreateAsync(ip, port, name, captureId, c.CancellationToken)
                    ?? throw new ExecutionError($"{ip}:{port} has an alias already; update that one.") { Code = "CONFLICT" };
            });

        Field<NonNullGraphType<AliasType>>("updateAlias")
            .Description("Changes an alias (admin).")
            .Argument<NonNullGraphType<IdGraphType>>("id")
            .Argument<NonNullGraphType<AliasInputType>>("input")
            .RequireRole(HomerRole.Admin)
            .ResolveAsync(async c =>
            {
                var id = Id(c);
                var (ip, port, name, captureId) = Values(c);
                try
                {
                    return await Store(c).UpdateAsync(id, ip, port, name, captureId, c.CancellationToken)
                        ?? throw new ExecutionError($"There is no alias {id}.") { Code = "NOT_FOUND" };
                }
                catch (AliasConflictException e)
                {
                    throw new ExecutionError(e.Message) { Code = "CONFLICT" };
                }
            });

        Field<NonNullGraphType<BooleanGraphType>>("deleteAlias")
            .Description("Deletes an alias (admin); false when there was none.")
            .Argument<NonNullGraphType<IdGraphType>>("id")
            .RequireRole(HomerRole.Admin)
            .ResolveAsync(async c => await Store(c).DeleteAsync(Id(c), c.CancellationToken));
    }

    private static AliasStore Store(IResolveFieldContext c) => ActivatorUtilities.GetServiceOrCreateInstance<AliasStore>(c.RequestServices!);

    internal static long Id(IResolveFieldContext c) =>
        long.TryParse(c.GetArgument<string>("id"), NumberStyles.None, CultureInfo.InvariantCulture, out var id)
            ? id
            : throw new ExecutionError("id is not an id this API gave out.") { Code = "BAD_ARGUMENT" };

    private static (IPAddress Ip, int Port, string Name, long? CaptureId) Values(IResolveFieldContext c)
    {
        var input = c.GetArgument<IDictionary<string, object?>>("input");
        var ipText = (input["ip"] as string ?? "").Trim();
        if (!IPAddress.TryParse(ipText, out var ip))
            throw new ExecutionError($"ip: '{ipText}' is not an IP address.") { Code = "BAD_ARGUMENT" };
        if (ip.IsIPv4MappedToIPv6)
            ip = ip.MapToIPv4();
        var port = input.TryGetValue("port", out var p) && p is not null ? Convert.ToInt32(p, CultureInfo.InvariantCulture) : 0;
        if (port is < 0 or > 65535)
            throw new ExecutionError($"port must be between 0 (any) and 65535, was {port}.") { Code = "BAD_ARGUMENT" };
        var name = (input["name"] as string ?? "").Trim();
        if (name.Length == 0)
            throw new ExecutionError("name must not be empty.") { Code = "BAD_ARGUMENT" };
        long? captureId = input.TryGetValue("captureId", out var cap) && cap is not null ? Convert.ToInt64(cap, CultureInfo.InvariantCulture) : null;
        return (ip, port, name, captureId);
    }
}

public sealed class AliasType : ObjectGraphType<AliasRow>
{
    public AliasType()
    {
        Name = "Alias";
        Field<NonNullGraphType<IdGraphType>>("id").Resolve(c => c.Source.Id.ToString(CultureInfo.InvariantCulture));
        Field<NonNullGraphType<StringGraphType>>("ip").Resolve(c => c.Source.Ip.ToString());
        Field(x => x.Port).Description("0: every port of the ip.");
        Field(x => x.Name);
        Field<IntGraphType>("captureId").Resolve(c => c.Source.CaptureId is { } id ? (int?)Math.Clamp(id, int.MinValue, int.MaxValue) : null)
            .Description("When set, the alias names the address only as this capture agent saw it.");
        Field<NonNullGraphType<DateTimeScalar>>("createdAt").Resolve(c => c.Source.CreatedAt);
    }
}

public sealed class AliasInputType : InputObjectGraphType
{
    public AliasInputType()
    {
        Name = "AliasInput";
        Field<NonNullGraphType<StringGraphType>>("ip");
        Field<IntGraphType>("port").Description("0 or null: every port.");
        Field<NonNullGraphType<StringGraphType>>("name");
        Field<IntGraphType>("captureId");
    }
}

public sealed class CaptureNodeType : ObjectGraphType<CaptureNodeRow>
{
    public CaptureNodeType()
    {
        Name = "CaptureNode";
        Field(x => x.Node, nullable: true).Description("HEP node name; null when the agent sends none.");
        Field<NonNullGraphType<IntGraphType>>("captureId").Resolve(c => (int)Math.Clamp(c.Source.CaptureId, int.MinValue, int.MaxValue));
        Field<NonNullGraphType<DateTimeScalar>>("lastSeen").Resolve(c => c.Source.LastSeen);
        Field<NonNullGraphType<IntGraphType>>("messages24h").Resolve(c => (int)Math.Min(c.Source.Messages24h, int.MaxValue));
    }
}

/// <summary>The <c>nodes</c> list costs a pass over a day of messages: computed at most every <see cref="MaxAge"/>, one at a time.</summary>
public sealed class CaptureNodeCache(IServiceProvider services, TimeProvider clock)
{
    public static readonly TimeSpan MaxAge = TimeSpan.FromSeconds(30);
    private readonly SemaphoreSlim _refresh = new(1, 1);
    private (DateTimeOffset At, IReadOnlyList<CaptureNodeRow> Rows)? _last;

    public async Task<IReadOnlyList<CaptureNodeRow>> GetAsync(CancellationToken ct)
    {
        if (_last is { } fresh && clock.GetUtcNow() - fresh.At < MaxAge)
            return fresh.Rows;
        await _refresh.WaitAsync(ct);
        try
        {
            if (_last is { } again && clock.GetUtcNow() - again.At < MaxAge)
                return again.Rows;
            var now = clock.GetUtcNow();
            var rows = await ActivatorUtilities.GetServiceOrCreateInstance<CaptureNodeQueries>(services).ListAsync(now, ct);
            _last = (now, rows);
            return rows;
        }
        finally
        {
            _refresh.Release();
        }
    }

    /// <summary>Forget the cached list (tests, and after a node is added by hand).</summary>
    public void Invalidate() => _last = null;
}
