using System.Buffers.Binary;
using System.Text;
using FarMemory.Protocol;

namespace FarMemory.Server.Tests.Adversarial;

/// <summary>One frame as the server sent it.</summary>
internal readonly record struct RawFrame(FrameHeader Header, byte[] Payload)
{
    public FrameStatus Status => Header.Status;

    /// <summary>The UTF-8 reason an error frame carries.</summary>
    public string Reason => Encoding.UTF8.GetString(Payload);

    /// <summary>The objects of a ReadBatch answer: per key its bytes, or null when absent.</summary>
    public List<byte[]?> BatchObjects()
    {
        var objects = new List<byte[]?>();
        int at = 0;
        while (at < Payload.Length)
        {
            int length = BinaryPrimitives.ReadInt32LittleEndian(Payload.AsSpan(at));
            at += 4;
            objects.Add(length < 0 ? null : Payload.AsSpan(at, length).ToArray());
            at += Math.Max(0, length);
        }

        return objects;
    }

    /// <summary>A Stats answer: structures, objects, data bytes, quota, bytes charged.</summary>
    public (long Structures, long Objects, long Data, long Quota, long Used) Stats()
    {
        Assert.True(Status == FrameStatus.Ok && Payload.Length == 40, $"Stats answered {Status}: {Reason}");
        byte[] payload = Payload;
        long At(int i) => BinaryPrimitives.ReadInt64LittleEndian(payload.AsSpan(i * 8));
        return (At(0), At(1), At(2), At(3), At(4));
    }

    /// <summary>Fails unless this is an error frame of <paramref name="status"/> with a reason (containing <paramref name="says"/>, if given).</summary>
    public void AssertError(FrameStatus status, string? says = null)
    {
        Assert.True(Header.Flags.HasFlag(FrameFlags.Response), "an answer without the response flag");
        Assert.True(Status == status, $"expected {status}, got {Status}: {Reason}");
        Assert.False(string.IsNullOrWhiteSpace(Reason), $"{status} without a reason");
        if (says != null)
        {
            Assert.Contains(says, Reason, StringComparison.OrdinalIgnoreCase);
        }
    }
}
