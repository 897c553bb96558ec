using System.Numerics;
using System.Runtime.CompilerServices;
using FarMemory.Offload;

namespace FarMemory.Server.RemoteAgent.BuiltIns;

/// <summary>
/// Base of the built-in vector operations: dispatches on the element type of structure 0 to a
/// generic body, and offers the range checks they share.
/// </summary>
/// <remarks>
/// The loops of every built-in are marked <see cref="MethodImplOptions.AggressiveOptimization"/>:
/// a call runs each once over millions of elements, so tiered compilation would run the first
/// calls of a server's life in unoptimized code (measured: a count over 8M doubles took 10x its
/// steady time and ran past its deadline).
/// </remarks>
internal abstract class VectorOperation : IFarOperation
{
    /// <summary>Elements between deadline checks.</summary>
    protected const int CheckEvery = 1 << 14;

    public abstract FarOperationDescriptor Descriptor { get; }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Execute(FarCallContext context)
    {
        switch (context.Structure(0).ElementType)
        {
            case FarElementType.Int32:
                Run<int>(context);
                break;
            case FarElementType.Int64:
                Run<long>(context);
                break;
            case FarElementType.Single:
                Run<float>(context);
                break;
            case FarElementType.Double:
                Run<double>(context);
                break;
            case FarElementType.Byte:
                Run<byte>(context);
                break;
            default:
                throw new FarOperationArgumentException($"{Descriptor} does not take {context.Structure(0).ElementType} vectors.");
        }
    }

    protected abstract void Run<T>(FarCallContext context)
        where T : unmanaged, INumber<T>, IMinMaxValue<T>;

    protected static FarOperationDescriptor Describe(string name, FarStructureParameter[] structures, params FarArgumentType[] arguments) =>
        new(name, 1, structures, arguments);

    /// <summary>Clamps nothing: a range outside the vector is the caller's mistake and says so.</summary>
    protected static (long Start, long End) Range(FarCallContext context, int startArgument, long length)
    {
        long start = context.GetInt64(startArgument);
        long end = context.GetInt64(startArgument + 1);
        if (start < 0 || end < start || end > length)
        {
            throw new FarOperationArgumentException($"The range [{start}, {end}) is not inside the vector of {length} elements.");
        }

        return (start, end);
    }

    /// <summary>
    /// Calls <paramref name="body"/> on each chunk of [start, end), checking the deadline between
    /// chunks: in place, or (<paramref name="copied"/>, for bodies that write or read another
    /// structure) from a copy taken with the object's lock released.
    /// </summary>
    protected static void ForEachChunk<T, TBody>(FarCallContext context, FarVectorReader<T> reader, long start, long end, ref TBody body, bool copied = false)
        where T : unmanaged
        where TBody : struct, IChunkBody<T>
    {
        if (start >= end)
        {
            return;
        }

        int per = reader.ElementsPerObject;
        long checkedAt = start;
        T[]? copy = copied ? new T[per] : null;
        for (long o = start / per; o * per < end; o++)
        {
            long first = o * per;
            int from = (int)Math.Max(0, start - first);
            int to = (int)Math.Min(per, end - first);
            if (copy != null)
            {
                reader.CopyTo(first + from, copy.AsSpan(0, to - from));
                body.Visit(copy.AsSpan(0, to - from), first + from);
            }
            else
            {
                using FarVectorChunk<T> chunk = reader.Chunk(o);
                body.Visit(chunk.Span[from..Math.Min(to, chunk.Span.Length)], first + from);
            }

            if (first - checkedAt >= CheckEvery)
            {
                context.ThrowIfCancellationRequested();
                checkedAt = first;
            }
        }
    }
}
