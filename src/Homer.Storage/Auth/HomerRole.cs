namespace Homer.Storage.Auth;

/// <summary>Roles in rising order of power: each role may do everything the ones below it may.</summary>
public enum HomerRole
{
    Viewer = 1,
    User = 2,
    Admin = 3,
}

public static class HomerRoles
{
    public static string ToName(this HomerRole role) => role switch
    {
        HomerRole.Viewer => "viewer",
        HomerRole.User => "user",
        HomerRole.Admin => "admin",
        _ => throw new ArgumentOutOfRangeException(nameof(role), role, null),
    };

    public static bool TryParse(string? name, out HomerRole role)
    {
        switch (name?.Trim().ToLowerInvariant())
        {
            case "viewer": role = HomerRole.Viewer; return true;
            case "user": role = HomerRole.User; return true;
            case "admin": role = HomerRole.Admin; return true;
            default: role = default; return false;
        }
    }

    public static HomerRole Parse(string name) =>
        TryParse(name, out var role) ? role : throw new FormatException($"'{name}' is not a role: expected admin, user or viewer");
}
