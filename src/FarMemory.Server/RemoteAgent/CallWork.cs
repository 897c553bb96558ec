using System.Buffers;
using FarMemory.Protocol;
using FarMemory.Server.ObjectStore;

namespace FarMemory.Server.RemoteAgent;

/// <summary>One call on its way through the agent: what to run, on whose data, and (once done) the answer.</summary>
internal sealed class CallWork
{
    public CallWork(ulong requestId, CallRequest request, FarOperationRegistry.Entry operation, ClientNamespace store, StoredStructure[] structures, int deadlineMs, Action<CallWork> completed)
    {
        RequestId = requestId;
        Request = request;
        Operation = operation;
        Store = store;
        Structures = structures;
        DeadlineMs = deadlineMs;
        Deadline = Environment.TickCount64 + deadlineMs;
        Completed = completed;
    }

    public ulong RequestId { get; }

    public CallRequest Request { get; }

    public FarOperationRegistry.Entry Operation { get; }

    public ClientNamespace Store { get; }

    public StoredStructure[] Structures { get; }

    /// <summary>The call's deadline, after the server's default and cap.</summary>
    public int DeadlineMs { get; }

    /// <summary>Environment.TickCount64 at which the call times out.</summary>
    public long Deadline { get; }

    public Action<CallWork> Completed { get; }

    public FrameStatus Status { get; set; }

    /// <summary>The answer payload (Ok) or the UTF-8 reason (an error), pooled.</summary>
    public byte[] Answer { get; private set; } = [];

    public int AnswerLength { get; private set; }

    public void SetAnswer(FrameStatus status, ReadOnlySpan<byte> head, ReadOnlySpan<byte> body)
    {
        Status = status;
        AnswerLength = head.Length + body.Length;
        Answer = ArrayPool<byte>.Shared.Rent(Math.Max(1, AnswerLength));
        head.CopyTo(Answer);
        body.CopyTo(Answer.AsSpan(head.Length));
    }

    public void SetError(FrameStatus status, string reason)
    {
        byte[] text = System.Text.Encoding.UTF8.GetBytes(reason.Length > 300 ? reason[..300] : reason);
        SetAnswer(status, default, text);
    }

    public void Release()
    {
        Request.Release();
        if (Answer.Length != 0)
        {
            ArrayPool<byte>.Shared.Return(Answer);
            Answer = [];
        }
    }
}
