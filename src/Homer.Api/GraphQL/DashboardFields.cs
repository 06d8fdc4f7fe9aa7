using System.Globalization;
using System.Text.Json;
using GraphQL;
using GraphQL.Types;
using Homer.Api.Auth;
using Homer.Storage.Auth;
using Homer.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace Homer.Api.GraphQL;

/// <summary>Saved dashboards: <c>dashboards</c>, <c>dashboard(id)</c>; merged into <c>Query</c> by <see cref="HomerApiSchema"/>.</summary>
public sealed class DashboardQueryFields : ObjectGraphType
{
    public DashboardQueryFields()
    {
        Name = "DashboardQueryFields";

        Field<NonNullGraphType<ListGraphType<NonNullGraphType<DashboardType>>>>("dashboards")
            .Description("The caller's own dashboards first, then those other users shared (read-only for the caller).")
            .ResolveAsync(async c =>
            {
                var caller = c.Caller();
                return await Store(c).ListAsync(caller.Username, all: false, c.CancellationToken);
            });

        Field<DashboardType>("dashboard")
            .Description("One dashboard the caller owns or that is shared; null otherwise.")
            .Argument<NonNullGraphType<IdGraphType>>("id")
            .ResolveAsync(async c =>
            {
                var caller = c.Caller();
                return await Store(c).GetAsync(AliasMutationFields.Id(c), caller.Username, caller.Role == HomerRole.Admin, c.CancellationToken);
            });
    }

    internal static DashboardStore Store(IResolveFieldContext c) => ActivatorUtilities.GetServiceOrCreateInstance<DashboardStore>(c.RequestServices!);
}

/// <summary>Dashboard mutations: anyone (but a viewer) creates; the owner or an admin changes and deletes.</summary>
public sealed class DashboardMutationFields : ObjectGraphType
{
    /// <summary>The structures one row of a dashboard can have (column spans on a 12-column grid).</summary>
    public static readonly IReadOnlySet<string> Layouts = new HashSet<string>(StringComparer.Ordinal) { "12", "6-6", "4-4-4", "4-8", "8-4", "3-3-3-3" };

    public const int MaxLayoutRows = 6;

    /// <summary>
    /// A layout is one row structure or several separated by '/', top to bottom, as the HOMER 5 seed writes them
    /// ("12/4-4-4", "12/6-6/12"); widgets name their cell by its index counted row by row.
    /// </summary>
    public static bool IsLayout(string layout)
    {
        var rows = layout.Split('/');
        return rows.Length <= MaxLayoutRows && rows.All(Layouts.Contains);
    }
    public const int MaxWidgetsBytes = 256 * 1024;
    public const int MaxTitleLength = 200;

    public DashboardMutationFields()
    {
        Name = "DashboardMutationFields";

        Field<NonNullGraphType<DashboardType>>("createDashboard")
            .Description("Saves a new dashboard owned by the caller (role user or admin).")
            .Argument<NonNullGraphType<DashboardInputType>>("input")
            .RequireRole(HomerRole.User)
            .ResolveAsync(async c =>
            {
                var caller = c.Caller();
                return await DashboardQueryFields.Store(c).CreateAsync(caller.Kind == Caller.AuthOffKind ? null : caller.UserId, caller.Username, Values(c), c.CancellationToken);
            });

        Field<NonNullGraphType<DashboardType>>("updateDashboard")
            .Description("Replaces a dashboard's title, layout and widgets (owner or admin); promoted/shared keep their value when null.")
            .Argument<NonNullGraphType<IdGraphType>>("id")
            .Argument<NonNullGraphType<DashboardInputType>>("input")
            .RequireRole(HomerRole.User)
            .ResolveAsync(async c =>
            {
                var caller = c.Caller();
                var id = AliasMutationFields.Id(c);
                return await DashboardQueryFields.Store(c).UpdateAsync(id, caller.Username, caller.Role == HomerRole.Admin, Values(c), c.CancellationToken)
                    ?? throw await NotYoursAsync(c, id, caller);
            });

        Field<NonNullGraphType<BooleanGraphType>>("deleteDashboard")
            .Description("Deletes a dashboard (owner or admin).")
            .Argument<NonNullGraphType<IdGraphType>>("id")
            .RequireRole(HomerRole.User)
            .ResolveAsync(async c =>
            {
                var caller = c.Caller();
                var id = AliasMutationFields.Id(c);
                return await DashboardQueryFields.Store(c).DeleteAsync(id, caller.Username, caller.Role == HomerRole.Admin, c.CancellationToken)
                    ? true
                    : throw await NotYoursAsync(c, id, caller);
            });
    }

    /// <summary>Someone else's shared dashboard is read-only; one neither shared nor owned does not exist for the caller.</summary>
    private static async Task<ExecutionError> NotYoursAsync(IResolveFieldContext c, long id, Caller caller)
    {
        var visible = await DashboardQueryFields.Store(c).GetAsync(id, caller.Username, false, c.CancellationToken);
        return visible is null
            ? new ExecutionError($"There is no dashboard {id.ToString(CultureInfo.InvariantCulture)}.") { Code = "NOT_FOUND" }
            : new ExecutionError($"Dashboard {id.ToString(CultureInfo.InvariantCulture)} belongs to {visible.Owner}; only the owner or an admin may change it.") { Code = "FORBIDDEN" };
    }

    private static DashboardValues Values(IResolveFieldContext c)
    {
        var input = c.GetArgument<IDictionary<string, object?>>("input");
        var title = (input["title"] as string ?? "").Trim();
        if (title.Length == 0 || title.Length > MaxTitleLength)
            throw new ExecutionError($"title must have 1 to {MaxTitleLength} characters.") { Code = "BAD_ARGUMENT" };
        var layout = input["layout"] as string ?? "";
        if (!IsLayout(layout))
            throw new ExecutionError($"layout must be one of {string.Join(", ", Layouts.Select(l => '"' + l + '"'))}, or up to {MaxLayoutRows} of them " +
                                     $"separated by '/' for rows (\"12/4-4-4\"); was \"{layout}\".") { Code = "BAD_ARGUMENT" };
        var widgets = input["widgets"] as string ?? "";
        if (System.Text.Encoding.UTF8.GetByteCount(widgets) > MaxWidgetsBytes)
            throw new ExecutionError($"widgets is larger than {MaxWidgetsBytes} bytes.") { Code = "BAD_ARGUMENT" };
        try
        {
            using var document = JsonDocument.Parse(widgets);
            if (document.RootElement.ValueKind != JsonValueKind.Array)
                throw new ExecutionError("widgets must be a JSON array.") { Code = "BAD_ARGUMENT" };
        }
        catch (JsonException e)
        {
            throw new ExecutionError($"widgets is not JSON: {e.Message}") { Code = "BAD_ARGUMENT" };
        }
        bool? Flag(string name) => input.TryGetValue(name, out var v) && v is bool b ? b : null;
        return new DashboardValues(title, layout, widgets, Flag("promoted"), Flag("shared"));
    }
}

public sealed class DashboardType : ObjectGraphType<DashboardRow>
{
    public DashboardType()
    {
        Name = "Dashboard";
        Field<NonNullGraphType<IdGraphType>>("id").Resolve(c => c.Source.Id.ToString(CultureInfo.InvariantCulture));
        Field(x => x.Title);
        Field(x => x.Owner).Description("User name of the owner.");
        Field(x => x.Shared).Description("Visible, read-only, to every user.");
        Field(x => x.Promoted).Description("Shown in the menu.");
        Field(x => x.Layout).Description("Rows top to bottom separated by '/', each \"12\", \"6-6\", \"4-4-4\", \"4-8\", \"8-4\" or \"3-3-3-3\" " +
                                         "(e.g. \"12/4-4-4\", \"12/6-6/12\"); a widget's column is its cell counted row by row.");
        Field(x => x.Widgets).Description("JSON array, kept as the dashboard sent it.");
        Field<NonNullGraphType<DateTimeScalar>>("updatedAt").Resolve(c => c.Source.UpdatedAt);
    }
}

public sealed class DashboardInputType : InputObjectGraphType
{
    public DashboardInputType()
    {
        Name = "DashboardInput";
        Field<NonNullGraphType<StringGraphType>>("title");
        Field<NonNullGraphType<StringGraphType>>("layout");
        Field<NonNullGraphType<StringGraphType>>("widgets").Description("JSON array of the widgets.");
        Field<BooleanGraphType>("promoted");
        Field<BooleanGraphType>("shared");
    }
}
