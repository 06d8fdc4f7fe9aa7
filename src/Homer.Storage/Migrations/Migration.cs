namespace Homer.Storage.Migrations;

/// <summary>One versioned schema step. Versions only ever grow; an applied migration is never edited.</summary>
public sealed record Migration(int Version, string Name, string Sql);
