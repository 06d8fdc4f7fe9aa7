using GraphQL;
using GraphQL.Instrumentation;
using Homer.Api.Auth;

namespace Homer.Api.Transport;

/// <summary>
/// The bytes one query or mutation may put into its result, charged while the result is built: each resolved field
/// costs its name and, for text, its length as JSON (characters outside printable ASCII count as the six bytes of
/// their escape). Past the budget the request is cancelled at once, so its remaining fields, payloads and database
/// reads never run, and the transport answers RESULT_TOO_LARGE. Thread-safe: root fields resolve in parallel.
/// </summary>
public sealed class ResultBudget(long limit, CancellationTokenSource abort, ResultBudgetStats stats)
{
    public const string ErrorCode = "RESULT_TOO_LARGE";

    private long _used;
    private int _exceeded;

    public long Limit { get; } = limit;
    public long Used => Interlocked.Read(ref _used);
    public bool Exceeded => Volatile.Read(ref _exceeded) == 1;

    public string Message =>
        $"The result is over the {Limit / 1024} KiB limit: ask for fewer fields (payload, headers) or a smaller page (first).";

    public void Charge(long bytes)
    {
        stats.OnCharged(bytes);
        if (Interlocked.Add(ref _used, bytes) <= Limit)
            return;
        if (Interlocked.Exchange(ref _exceeded, 1) == 0)
        {
            stats.OnRefused();
            abort.Cancel();
        }
        throw new ExecutionError(Message) { Code = ErrorCode };
    }

    /// <summary>Bytes <paramref name="text"/> takes as a JSON string (System.Text.Json's default escaping).</summary>
    public static long JsonLength(string text)
    {
        long length = text.Length + 2;
        var rest = text.AsSpan();
        while (true)
        {
            var i = rest.IndexOfAnyExceptInRange(' ', '~');
            if (i < 0)
                return length;
            length += 5;
            rest = rest[(i + 1)..];
        }
    }
}

/// <summary>Totals over all requests of this node: bytes charged to result budgets, and results refused for size.</summary>
public sealed class ResultBudgetStats
{
    private long _charged;
    private long _refused;

    public long ChargedBytes => Interlocked.Read(ref _charged);
    public long Refused => Interlocked.Read(ref _refused);

    public void OnCharged(long bytes) => Interlocked.Add(ref _charged, bytes);
    public void OnRefused() => Interlocked.Increment(ref _refused);
}

/// <summary>Charges every resolved field of a query or mutation to the request's <see cref="ResultBudget"/>, if it has one.</summary>
public sealed class ResultBudgetMiddleware : IFieldMiddleware
{
    public async ValueTask<object?> ResolveAsync(IResolveFieldContext context, FieldMiddlewareDelegate next)
    {
        var budget = (context.UserContext as ApiRequestContext)?.Budget;
        if (budget is null)
            return await next(context);
        // A field of a request already over budget does not even run (its database read included).
        if (budget.Exceeded)
            throw new ExecutionError(budget.Message) { Code = ResultBudget.ErrorCode };
        var result = await next(context);
        var name = context.FieldAst.Alias?.Name.Value.Length ?? context.FieldAst.Name.Value.Length;
        budget.Charge(name + 4 + (result is string text ? ResultBudget.JsonLength(text) : 8));
        return result;
    }
}

/// <summary>A buffer for a serialized result that refuses to grow past the limit (the result is then replaced by an error).</summary>
public sealed class LimitedBufferStream(long limit) : MemoryStream
{
    public bool Overflowed { get; private set; }

    // MemoryStream's span overloads call the array one in a subclass, so every write arrives here.
    public override void Write(byte[] buffer, int offset, int count)
    {
        if (Length + count > limit)
        {
            Overflowed = true;
            throw new ResultTooLargeException();
        }
        base.Write(buffer, offset, count);
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        Write(buffer, offset, count);
        return Task.CompletedTask;
    }

    public override void WriteByte(byte value) => Write([value], 0, 1);
}

public sealed class ResultTooLargeException() : IOException("The serialized result is over the limit");
