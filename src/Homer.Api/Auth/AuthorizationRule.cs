using GraphQL;
using GraphQL.Types;
using GraphQL.Validation;
using GraphQLParser.AST;
using Homer.Storage.Auth;

namespace Homer.Api.Auth;

/// <summary>Why a request was refused before it ran: no usable token (HTTP 401) or a role too low (HTTP 403).</summary>
public sealed class AuthValidationError : ValidationError
{
    public AuthValidationError(ValidationContext context, bool authenticated, string message, ASTNode node)
        : base(context.Document.Source, authenticated ? "FORBIDDEN" : "UNAUTHENTICATED", message, node)
    {
        Authenticated = authenticated;
        Code = authenticated ? "FORBIDDEN" : "UNAUTHENTICATED";
    }

    public bool Authenticated { get; }
}

/// <summary>
/// Every top-level field needs a caller (role viewer at least) unless it is marked anonymous (login); any field may
/// ask for a higher role with <see cref="RequireRole{TSourceType, TReturnType}"/>. Checked during validation, so a
/// refused request never runs any resolver.
/// </summary>
public sealed class AuthorizationRule : ValidationRuleBase
{
    public const string MinRoleKey = "homer.min-role";
    public const string AnonymousKey = "homer.anonymous";

    public static readonly AuthorizationRule Instance = new();

    public override ValueTask<INodeVisitor?> GetPreNodeVisitorAsync(ValidationContext context) =>
        new(new MatchingNodeVisitor<GraphQLField>((node, ctx) =>
        {
            var field = ctx.TypeInfo.GetFieldDef();
            if (field is null || field.GetMetadata(AnonymousKey, false))
                return;
            var parent = ctx.TypeInfo.GetParentType()?.GetNamedType();
            var isRoot = parent is not null && (parent == ctx.Schema.Query || parent == ctx.Schema.Mutation || parent == ctx.Schema.Subscription);
            HomerRole? required = field.HasMetadata(MinRoleKey) ? field.GetMetadata<HomerRole>(MinRoleKey) : isRoot ? HomerRole.Viewer : null;
            if (required is not { } role)
                return;
            var caller = Caller.From(ctx.User);
            if (caller is null)
                ctx.ReportError(new AuthValidationError(ctx, false,
                    $"'{field.Name}' needs a token: log in, then send it as 'Authorization: Bearer <token>'.", node));
            else if (caller.Role < role)
                ctx.ReportError(new AuthValidationError(ctx, true,
                    $"'{field.Name}' needs the {role.ToName()} role; this token has {caller.Role.ToName()}.", node));
        }));
}

public static class AuthorizationFieldExtensions
{
    public static global::GraphQL.Builders.FieldBuilder<TSourceType, TReturnType> RequireRole<TSourceType, TReturnType>(
        this global::GraphQL.Builders.FieldBuilder<TSourceType, TReturnType> field, HomerRole role) =>
        field.WithMetadata(AuthorizationRule.MinRoleKey, role);

    public static global::GraphQL.Builders.FieldBuilder<TSourceType, TReturnType> AllowAnonymous<TSourceType, TReturnType>(
        this global::GraphQL.Builders.FieldBuilder<TSourceType, TReturnType> field) =>
        field.WithMetadata(AuthorizationRule.AnonymousKey, true);

    /// <summary>The caller of a resolver; the rule above already refused requests without one where one is needed.</summary>
    public static Caller Caller(this IResolveFieldContext context) =>
        Auth.Caller.From(context.User) ?? throw new ExecutionError("This needs a token.") { Code = "UNAUTHENTICATED" };
}
