namespace FarMemory.Collections;

public sealed partial class RemList<T>
{
    /// <summary>An element of the list, or the end: a node id and an offset among the node's elements.</summary>
    public readonly record struct Position(int Node, int Offset)
    {
        /// <summary>The position past the last element.</summary>
        public static Position End => new(-1, 0);

        public bool IsEnd => Node < 0;
    }
}
