namespace FarMemory.Collections;

/// <summary>The elements of one object as a start and an end reference: small enough to come back from a call in registers.</summary>
internal readonly ref struct ObjectElements<T>
{
    public readonly ref T First;
    public readonly ref T End;

    public ObjectElements(ref T first, ref T end)
    {
        First = ref first;
        End = ref end;
    }
}
