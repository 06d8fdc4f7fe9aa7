using System.Collections.Concurrent;
using GraphQL;
using GraphQL.Builders;
using GraphQL.Instrumentation;
using GraphQL.Types;
using GraphQL.Validation;
using GraphQLParser.AST;
using Homer.Api.Auth;

namespace Homer.Api.Transport;

/// <summary>
/// Fields that search PostgreSQL (messages, dialogs, callFlow, qos, stats): each use of one, each alias included,
/// is a unit of database work. A request may hold <see cref="ApiOptions.MaxDatabaseFields"/> of them (checked before
/// it runs, by <see cref="DatabaseWorkRule"/>); a user may run <see cref="ApiOptions.MaxConcurrentQueriesPerUser"/>
/// such requests at once (<see cref="DatabaseGate"/>), and one request runs <see cref="ParallelPerRequest"/> of its
/// database fields at a time.
/// </summary>
public static class DatabaseWork
{
    public const string HeavyKey = "homer.database-heavy";
    public const int ParallelPerRequest = 2;
    /// <summary>What a database field adds to graphql-dotnet's complexity estimate, so aliases count in it too.</summary>
    public const double ComplexityImpact = 100;
    public const string TooManyFieldsCode = "TOO_MUCH_DATABASE_WORK";
    public const string TooManyQueriesCode = "TOO_MANY_CONCURRENT_QUERIES";
    public const string QueryTimeoutCode = "QUERY_TIMEOUT";

    public static FieldBuilder<TSourceType, TReturnType> DatabaseHeavy<TSourceType, TReturnType>(this FieldBuilder<TSourceType, TReturnType> field) =>
        field.WithMetadata(HeavyKey, true).WithComplexityImpact(ComplexityImpact);

    public static bool IsDatabaseHeavy(this FieldType field) => field.GetMetadata(HeavyKey, false);
}

/// <summary>Refuses, before anything runs, a request with more database fields (aliases counted) than the limit.</summary>
public sealed class DatabaseWorkRule(int maxFields) : ValidationRuleBase
{
    public override ValueTask<INodeVisitor?> GetPreNodeVisitorAsync(ValidationContext context)
    {
        var count = 0;
        GraphQLField? first = null;
        return new(new NodeVisitors(
            new MatchingNodeVisitor<GraphQLField>((node, ctx) =>
            {
                if (ctx.TypeInfo.GetFieldDef() is { } field && field.IsDatabaseHeavy())
                {
                    count++;
                    first ??= node;
                }
            }),
            new MatchingNodeVisitor<GraphQLDocument>(leave: (_, ctx) =>
            {
                if (count > maxFields)
                {
                    ctx.ReportError(new ValidationError(ctx.Document.Source, DatabaseWork.TooManyFieldsCode,
                        $"The request asks for {count} database searches (messages, dialogs, callFlow, qos, stats; each alias counts); " +
                        $"at most {maxFields} per request: split it into several requests.", first!));
                }
            })));
    }
}

/// <summary>
/// One request's claim on the database: the first database field takes one of its user's slots (refused at once when
/// they are all taken) and holds it until the request ends; the request's fields then run a few at a time.
/// </summary>
public sealed class DatabaseGate(UserQuerySlots slots, string user, CancellationTokenSource abort) : IDisposable
{
    private readonly SemaphoreSlim _parallel = new(DatabaseWork.ParallelPerRequest);
    private readonly object _lock = new();
    private bool _holdsSlot;
    private bool _refused;
    private bool _disposed;

    public bool Refused => Volatile.Read(ref _refused);

    public string Message =>
        $"Too many concurrent queries: {user} already runs {slots.PerUser} requests that search the database; wait for one to finish.";

    public async Task<IDisposable> EnterAsync(CancellationToken ct)
    {
        lock (_lock)
        {
            if (!_holdsSlot && !_refused)
            {
                if (slots.TryTake(user))
                    _holdsSlot = true;
                else
                    _refused = true;
            }
        }
        if (Refused)
        {
            await abort.CancelAsync();
            throw new ExecutionError(Message) { Code = DatabaseWork.TooManyQueriesCode };
        }
        await _parallel.WaitAsync(ct);
        return new Release(_parallel);
    }

    public void Dispose()
    {
        lock (_lock)
        {
            if (_disposed)
                return;
            _disposed = true;
            if (_holdsSlot)
                slots.Return(user);
        }
    }

    private sealed class Release(SemaphoreSlim semaphore) : IDisposable
    {
        public void Dispose() => semaphore.Release();
    }
}

/// <summary>Requests that search the database, in flight per user on this node.</summary>
public sealed class UserQuerySlots(int perUser)
{
    private readonly ConcurrentDictionary<string, int> _inFlight = new(StringComparer.Ordinal);

    public int PerUser { get; } = perUser;

    public int InFlight(string user) => _inFlight.GetValueOrDefault(user);

    public bool TryTake(string user)
    {
        while (true)
        {
            var current = _inFlight.GetOrAdd(user, 0);
            if (current >= PerUser)
                return false;
            if (_inFlight.TryUpdate(user, current + 1, current))
                return true;
        }
    }

    public void Return(string user)
    {
        while (true)
        {
            var current = _inFlight[user];
            if (current == 1 ? _inFlight.TryRemove(new KeyValuePair<string, int>(user, 1)) : _inFlight.TryUpdate(user, current - 1, current))
                return;
        }
    }
}

/// <summary>Runs database fields through their request's <see cref="DatabaseGate"/>.</summary>
public sealed class DatabaseGateMiddleware : IFieldMiddleware
{
    public async ValueTask<object?> ResolveAsync(IResolveFieldContext context, FieldMiddlewareDelegate next)
    {
        if (!context.FieldDefinition.IsDatabaseHeavy() || (context.UserContext as ApiRequestContext)?.Database is not { } gate)
            return await next(context);
        using (await gate.EnterAsync(context.CancellationToken))
        {
            try
            {
                return await next(context);
            }
            catch (Npgsql.PostgresException e) when (e.SqlState == Npgsql.PostgresErrorCodes.QueryCanceled && !context.CancellationToken.IsCancellationRequested)
            {
                // Not cancelled by us (client gone, timeout of the request): PostgreSQL's statement_timeout ended it.
                throw new ExecutionError($"'{context.FieldDefinition.Name}' ran longer than the database allows a search " +
                    "(HOMER_SEARCH_STATEMENT_TIMEOUT_SECONDS): narrow it with a time range or more filters.") { Code = DatabaseWork.QueryTimeoutCode };
            }
        }
    }
}
