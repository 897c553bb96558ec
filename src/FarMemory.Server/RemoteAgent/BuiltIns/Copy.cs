using FarMemory.Offload;

namespace FarMemory.Server.RemoteAgent.BuiltIns;

/// <summary>Copies a range of a vector of any numeric type, widened to long or double.</summary>
internal static class Copy
{
    public static void AsLong(FarCallContext context, int structure, long start, Span<long> destination)
    {
        switch (context.Structure(structure).ElementType)
        {
            case FarElementType.Int64:
                context.Read<long>(structure).CopyTo(start, destination);
                break;
            case FarElementType.Int32:
                Widen<int, long>(context.Read<int>(structure), start, destination, static v => v);
                break;
            case FarElementType.Byte:
                Widen<byte, long>(context.Read<byte>(structure), start, destination, static v => v);
                break;
            default:
                throw new FarOperationArgumentException($"Structure {structure} must be an integer vector.");
        }
    }

    public static void AsDouble(FarCallContext context, int structure, long start, Span<double> destination)
    {
        switch (context.Structure(structure).ElementType)
        {
            case FarElementType.Double:
                context.Read<double>(structure).CopyTo(start, destination);
                break;
            case FarElementType.Single:
                Widen<float, double>(context.Read<float>(structure), start, destination, static v => v);
                break;
            case FarElementType.Int64:
                Widen<long, double>(context.Read<long>(structure), start, destination, static v => v);
                break;
            case FarElementType.Int32:
                Widen<int, double>(context.Read<int>(structure), start, destination, static v => v);
                break;
            case FarElementType.Byte:
                Widen<byte, double>(context.Read<byte>(structure), start, destination, static v => v);
                break;
            default:
                throw new FarOperationArgumentException($"Structure {structure} must be a numeric vector.");
        }
    }

    private static void Widen<TFrom, TTo>(FarVectorReader<TFrom> reader, long start, Span<TTo> destination, Func<TFrom, TTo> widen)
        where TFrom : unmanaged
    {
        TFrom[] buffer = System.Buffers.ArrayPool<TFrom>.Shared.Rent(destination.Length);
        try
        {
            reader.CopyTo(start, buffer.AsSpan(0, destination.Length));
            for (int i = 0; i < destination.Length; i++)
            {
                destination[i] = widen(buffer[i]);
            }
        }
        finally
        {
            System.Buffers.ArrayPool<TFrom>.Shared.Return(buffer);
        }
    }
}
