namespace Homer.Hep;

public enum HepVersion : byte
{
    V1 = 1,
    V2 = 2,
    V3 = 3,
}
