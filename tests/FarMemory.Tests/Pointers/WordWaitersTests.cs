using System.Runtime.InteropServices;
using FarMemory.Pointers;

namespace FarMemory.Tests.Pointers;

/// <summary>Async and blocking waiters on metadata words: each wakes when its own word is published, and not before.</summary>
public class WordWaitersTests
{
    [Fact]
    public async Task AnAsyncWaiterCompletesWhenItsWordIsPublishedAndNotBefore()
    {
        var waiters = new WordWaiters();
        nint words = Allocate(128);
        try
        {
            // Words 0 and 64 share a stripe (the stripe is the address modulo 64 words).
            Set(words, 0, MetadataWord.Fetching);
            Set(words, 64, MetadataWord.Fetching);
            Task first = WaitAsync(waiters, words, 0);
            Task second = WaitAsync(waiters, words, 64);
            Assert.False(first.IsCompleted);
            Assert.NotEqual(0UL, Get(words, 0) & MetadataWord.Waiters);

            Publish(waiters, words, 64);
            await second.WaitAsync(TimeSpan.FromSeconds(10));
            Assert.False(first.IsCompleted, "publishing another word of the stripe must not wake this one");

            var blocked = new Thread(() => Wait(waiters, words, 0));
            blocked.Start();
            Assert.True(SpinWait.SpinUntil(() => blocked.ThreadState == ThreadState.WaitSleepJoin, TimeSpan.FromSeconds(10)));
            Publish(waiters, words, 0);
            await first.WaitAsync(TimeSpan.FromSeconds(10));
            Assert.True(blocked.Join(TimeSpan.FromSeconds(10)), "the blocking waiter on the same word must wake too");
            Assert.Equal(0UL, Get(words, 0) & MetadataWord.Waiters);
            Assert.True(WaitAsync(waiters, words, 0).IsCompletedSuccessfully, "a word not in the state needs no wait");
        }
        finally
        {
            Free(words);
        }
    }

    private static unsafe nint Allocate(int count) => (nint)NativeMemory.AllocZeroed((nuint)count, sizeof(ulong));

    private static unsafe void Free(nint words) => NativeMemory.Free((void*)words);

    private static unsafe void Set(nint words, int i, ulong value) => ((ulong*)words)[i] = value;

    private static unsafe ulong Get(nint words, int i) => Volatile.Read(ref ((ulong*)words)[i]);

    private static unsafe Task WaitAsync(WordWaiters waiters, nint words, int i) => waiters.WaitWhileAsync((ulong*)words + i, MetadataWord.Fetching);

    private static unsafe void Wait(WordWaiters waiters, nint words, int i) => waiters.WaitWhile((ulong*)words + i, MetadataWord.Fetching);

    private static unsafe void Publish(WordWaiters waiters, nint words, int i) => waiters.Publish((ulong*)words + i, MetadataWord.Present);
}
