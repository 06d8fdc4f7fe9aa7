using System.Globalization;
using GraphQL.Types;
using Homer.Api.Auth;
using Homer.Storage.Auth;

namespace Homer.Api.GraphQL;

public sealed class RoleEnumType : EnumerationGraphType<HomerRole>
{
    public RoleEnumType()
    {
        Name = "Role";
        Description = "ADMIN may do everything; USER may search, export, share and subscribe; VIEWER may search and subscribe.";
    }
}

public sealed class UserType : ObjectGraphType<UserRow>
{
    public UserType()
    {
        Name = "User";
        Field<NonNullGraphType<IdGraphType>>("id").Resolve(c => c.Source.Id.ToString(CultureInfo.InvariantCulture));
        Field(x => x.Username);
        Field<NonNullGraphType<RoleEnumType>>("role").Resolve(c => c.Source.Role);
        Field(x => x.Disabled);
        Field<NonNullGraphType<DateTimeScalar>>("createdAt").Resolve(c => c.Source.CreatedAt);
        Field<NonNullGraphType<UserSourceEnumType>>("source")
            .Description("Where the password is checked; an LDAP user's role comes from the directory's groups at each login.")
            .Resolve(c => c.Source.Source);
    }
}

public sealed class UserSourceEnumType : EnumerationGraphType
{
    public UserSourceEnumType()
    {
        Name = "UserSource";
        Add("LOCAL", UserRow.LocalSource, "A local account: its password hash is kept in PostgreSQL.");
        Add("LDAP", UserRow.LdapSource, "Made by a login against the LDAP directory (HOMER_LDAP_URL).");
    }
}

public sealed class ApiTokenType : ObjectGraphType<ApiTokenRow>
{
    public ApiTokenType()
    {
        Name = "ApiToken";
        Description = "A long-lived token for tools; its secret is shown only once, when it is created.";
        Field<NonNullGraphType<IdGraphType>>("id").Resolve(c => c.Source.Id.ToString(CultureInfo.InvariantCulture));
        Field(x => x.Name);
        Field("owner", x => x.Username);
        Field<NonNullGraphType<RoleEnumType>>("role").Resolve(c => c.Source.Role);
        Field<NonNullGraphType<DateTimeScalar>>("createdAt").Resolve(c => c.Source.CreatedAt);
        Field<DateTimeScalar>("expiresAt").Resolve(c => c.Source.ExpiresAt);
        Field<DateTimeScalar>("revokedAt").Resolve(c => c.Source.RevokedAt);
    }
}

public sealed record LoginResult(string Token, DateTimeOffset ExpiresAt, UserRow User);

public sealed class LoginResultType : ObjectGraphType<LoginResult>
{
    public LoginResultType()
    {
        Name = "LoginResult";
        Field(x => x.Token).Description("Send as 'Authorization: Bearer <token>' (or in connection_init's payload over WebSocket).");
        Field<NonNullGraphType<DateTimeScalar>>("expiresAt").Resolve(c => c.Source.ExpiresAt);
        Field<NonNullGraphType<UserType>>("user").Resolve(c => c.Source.User);
    }
}

public sealed record CreatedApiToken(string Token, ApiTokenRow ApiToken);

public sealed class CreatedApiTokenType : ObjectGraphType<CreatedApiToken>
{
    public CreatedApiTokenType()
    {
        Name = "CreatedApiToken";
        Field(x => x.Token).Description("The secret: shown this once, stored only as a hash.");
        Field<NonNullGraphType<ApiTokenType>>("apiToken").Resolve(c => c.Source.ApiToken);
    }
}

/// <summary>The signed-in caller; with auth off, an anonymous admin.</summary>
public sealed class MeType : ObjectGraphType<Caller>
{
    public MeType()
    {
        Name = "Me";
        Field(x => x.Username);
        Field<NonNullGraphType<RoleEnumType>>("role").Resolve(c => c.Source.Role);
        Field("tokenKind", x => x.Kind).Description("session, api-token or auth-off.");
        Field<DateTimeScalar>("expiresAt").Resolve(c => c.Source.ExpiresAt);
    }
}

public sealed record ShareLink(long Id, string Path, DateTimeOffset ExpiresAt);

public sealed class ShareLinkType : ObjectGraphType<ShareLink>
{
    public ShareLinkType()
    {
        Name = "ShareLink";
        Field<NonNullGraphType<IdGraphType>>("id").Resolve(c => c.Source.Id.ToString(System.Globalization.CultureInfo.InvariantCulture))
            .Description("Give it to revokeShareLink to end the link early.");
        Field(x => x.Path).Description("Relative to this API's address; anyone holding it sees the call, payloads included, until it expires or is revoked.");
        Field<NonNullGraphType<DateTimeScalar>>("expiresAt").Resolve(c => c.Source.ExpiresAt);
    }
}

/// <summary>A share link as listed: who made it for which calls, and whether it still works (the path itself is shown only once).</summary>
public sealed class ShareLinkEntryType : ObjectGraphType<ShareLinkRow>
{
    public ShareLinkEntryType()
    {
        Name = "ShareLinkEntry";
        Field<NonNullGraphType<IdGraphType>>("id").Resolve(c => c.Source.Id.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Field("owner", x => x.CreatedBy).Description("The user who made it.");
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<StringGraphType>>>>("callIds").Resolve(c => c.Source.CallIds);
        Field<NonNullGraphType<DateTimeScalar>>("createdAt").Resolve(c => c.Source.CreatedAt);
        Field<NonNullGraphType<DateTimeScalar>>("expiresAt").Resolve(c => c.Source.ExpiresAt);
        Field<DateTimeScalar>("revokedAt").Resolve(c => c.Source.RevokedAt).Description("Set when it was revoked (or its maker disabled).");
    }
}
