namespace FarMemory.Scopes;

/// <summary>Receives the metadata words a parked thread holds refs to.</summary>
internal unsafe interface IPinVisitor
{
    void Visit(ulong* word);
}
