using System.Runtime.InteropServices;

namespace FarMemory.Scopes;

/// <summary>A block from <see cref="NativeMemory.Alloc(nuint)"/>, freed when disposed (for <see cref="RetiredMemory"/>).</summary>
internal sealed unsafe class NativeBlock : IDisposable
{
    private void* _block;

    public NativeBlock(void* block) => _block = block;

    public void Dispose()
    {
        NativeMemory.Free(_block);
        _block = null;
    }
}
