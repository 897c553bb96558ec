using FarMemory.Backends;
using FarMemory.Collections;
using FarMemory.Diagnostics;
using FarMemory.Scopes;
using FarMemory.Server;
using Xunit.Abstractions;

namespace FarMemory.IntegrationTests;

/// <summary>
/// One runtime over a real TCP server holding four kinds of collection at once, under a budget of a
/// few 4 KiB segments, while eight threads hammer them with random operations. Every read is checked
/// against a BCL twin as soon as it returns, and the whole state is checked at the end.
/// </summary>
public class MixedCollectionsStressTests(ITestOutputHelper output)
{
    private const int Seed = 20260511;
    private const int Threads = 8;
    private const int OpsPerThread = 60_000;
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(15);
    private static readonly TimeSpan HangLimit = TimeSpan.FromSeconds(90);

    // RemArray<long>: thread t owns the elements i with i % Threads == t, so every object holds
    // elements of all threads. A written value carries its index in the high half.
    private const int ArrayElementsPerObject = 8;
    private const int ArrayLength = Threads * 512;

    // RemVector<long>: only thread 0 touches it.
    private const int VectorElementsPerObject = 16;
    private const int VectorMaxCount = 1024;

    // RemHashTable<long, long>: thread t owns keys [t * KeysPerThread, (t + 1) * KeysPerThread). A
    // value carries its key in the high bits.
    private const int KeysPerThread = 64;
    private const int Stripes = 16;

    // RemQueue<long>: every thread enqueues (producer << 32 | sequence) and dequeues.
    private const int QueueElementsPerObject = 8;
    private const int QueueSoftCap = 512;

    [Fact]
    public async Task FourCollectionsShareOneTinyRuntimeOverTcpUnderEightThreads()
    {
        await using FarMemoryServer server = await Servers.StartAsync();
        await using TcpFarMemoryBackend backend = await TcpFarMemoryBackend.ConnectAsync(
            server.EndPoint, new TcpFarMemoryBackendOptions { Connections = 2 });

        var runtime = new FarMemoryRuntime(new FarMemoryOptions
        {
            LocalBudgetBytes = Budget(),
            SegmentSize = 4096,
            Backend = backend,
            OwnsBackend = false,
            BackgroundEvacuation = true,
        });
        bool hung = false;
        try
        {
            var state = new State(runtime);
            Task work = Task.Factory.StartNew(
                () => ConcurrentRunner.Run(Threads, state.Worker),
                CancellationToken.None,
                TaskCreationOptions.LongRunning,
                TaskScheduler.Default);
            try
            {
                await work.WaitAsync(HangLimit);
            }
            catch (TimeoutException)
            {
                hung = true;
                Assert.Fail(
                    $"seed {Seed}: the workers did not finish within {HangLimit.TotalSeconds} s (deadlock or livelock); " +
                    $"ops done per thread: [{string.Join(", ", state.OpsDone)}]; stats: {runtime.GetStats()}");
            }

            state.CheckFinalState();

            FarMemoryStats stats = runtime.GetStats();
            output.WriteLine(
                $"seed {Seed}: ops per thread [{string.Join(", ", state.OpsDone)}]; evictions {stats.Evictions}, misses {stats.Misses}, " +
                $"write-backs {stats.WriteBacks}, bytes to far {stats.BytesToFar}, bytes from far {stats.BytesFromFar}, " +
                $"segments evacuated {stats.SegmentsEvacuated}, stalls {stats.MutatorStalls} (max {stats.MaxStallMicros:F0} us), " +
                $"peak {stats.LocalBytesPeak} of {stats.BudgetBytes} bytes");
            Assert.True(stats.Evictions > 0, $"seed {Seed}: the evacuator must have evicted something; stats: {stats}");
            Assert.True(stats.BytesToFar > 0, $"seed {Seed}: objects must have been written to the server; stats: {stats}");
            Assert.True(stats.Misses > 0 && stats.BytesFromFar > 0, $"seed {Seed}: objects must have been fetched back; stats: {stats}");
            Assert.True(stats.LocalBytesPeak <= stats.BudgetBytes, $"seed {Seed}: peak {stats.LocalBytesPeak} above budget {stats.BudgetBytes}");
            Assert.True(runtime.LocalBytesInUse <= runtime.BudgetBytes, $"seed {Seed}: {runtime.LocalBytesInUse} bytes in use, budget {runtime.BudgetBytes}");

            state.Dispose();
            Assert.Equal(0, server.StoredBytes);
        }
        finally
        {
            // A hung worker may still be inside the runtime; disposing it then would hang the test too.
            if (!hung)
            {
                runtime.Dispose();
            }
        }
    }

    /// <summary>Six heap segments next to every collection's words (in 64-word chunks, one spare each) and the buckets of 16 stripes.</summary>
    private static long Budget()
    {
        static long Words(long objects) => ((objects + 63) / 64 * 64) + 64;

        long words = (ArrayLength / ArrayElementsPerObject)
            + Words(VectorMaxCount / VectorElementsPerObject)
            + Words(Threads * KeysPerThread)
            + Words(((QueueSoftCap + Threads) / QueueElementsPerObject) + 2);
        return (words * sizeof(ulong)) + (16 << 10) + (6 * 4096);
    }

    private enum Op
    {
        ArrayWrite,
        ArrayRead,
        ArrayRef,
        ArrayPeek,
        ArrayCopy,
        TablePut,
        TableGet,
        TableRemove,
        TableContains,
        TablePeek,
        Enqueue,
        Dequeue,
        QueuePeek,
        Mixed,
        Vector,
    }

    private sealed class State : IDisposable
    {
        private static readonly Op[] Menu =
        [
            Op.ArrayWrite, Op.ArrayWrite, Op.ArrayRead, Op.ArrayRead, Op.ArrayRef, Op.ArrayPeek, Op.ArrayCopy,
            Op.TablePut, Op.TablePut, Op.TableGet, Op.TableGet, Op.TableRemove, Op.TableContains, Op.TablePeek,
            Op.Enqueue, Op.Enqueue, Op.Dequeue, Op.Dequeue, Op.QueuePeek,
            Op.Mixed,
        ];

        private readonly FarMemoryRuntime _runtime;
        private readonly RemArray<long> _array;
        private readonly RemVector<long> _vector;
        private readonly RemHashTable<long, long> _table;
        private readonly RemQueue<long> _queue;

        private readonly long[] _arrayTwin = new long[ArrayLength];
        private readonly List<long> _vectorTwin = [];
        private readonly Dictionary<long, long>[] _tableTwins = new Dictionary<long, long>[Threads];
        private readonly long[] _enqueued = new long[Threads];
        private readonly List<long>[] _dequeued = new List<long>[Threads];
        private volatile bool _failed;

        public State(FarMemoryRuntime runtime)
        {
            _runtime = runtime;
            _array = runtime.CreateArray<long>(ArrayLength, ArrayElementsPerObject);
            _vector = runtime.CreateVector<long>(VectorElementsPerObject);
            _table = runtime.CreateHashTable<long, long>(Stripes);
            _queue = runtime.CreateQueue<long>(QueueElementsPerObject);
            for (int t = 0; t < Threads; t++)
            {
                _tableTwins[t] = [];
                _dequeued[t] = [];
            }
        }

        public long[] OpsDone { get; } = new long[Threads];

        public void Worker(int t)
        {
            try
            {
                Run(t);
            }
            catch
            {
                _failed = true;
                throw;
            }
        }

        public void CheckFinalState()
        {
            var all = new long[ArrayLength];
            _array.CopyTo(0, all);
            for (int i = 0; i < ArrayLength; i++)
            {
                Assert.True(_arrayTwin[i] == all[i], $"seed {Seed}: array[{i}] is {all[i]:x} at the end, expected {_arrayTwin[i]:x}");
            }

            Assert.Equal(_vectorTwin.Count, _vector.Count);
            var vector = new long[_vectorTwin.Count];
            _vector.CopyTo(vector);
            for (int i = 0; i < vector.Length; i++)
            {
                Assert.True(_vectorTwin[i] == vector[i], $"seed {Seed}: vector[{i}] is {vector[i]:x} at the end, expected {_vectorTwin[i]:x}");
            }

            long pairs = 0;
            for (int t = 0; t < Threads; t++)
            {
                pairs += _tableTwins[t].Count;
                for (long key = t * KeysPerThread; key < (t + 1) * KeysPerThread; key++)
                {
                    using DerefScope scope = _runtime.EnterScope();
                    bool expectedFound = _tableTwins[t].TryGetValue(key, out long expected);
                    bool found = _table.TryGet(key, out long value, scope);
                    Assert.True(
                        expectedFound == found && expected == value,
                        $"seed {Seed}: table[{key}] is ({found}, {value:x}) at the end, expected ({expectedFound}, {expected:x})");
                }
            }

            Assert.Equal(pairs, _table.Count);

            // Every value enqueued was dequeued exactly once or is still in the queue, behind
            // everything dequeued from its producer and in its producer's order.
            long[] left = _queue.ToArray();
            Assert.Equal(left.Length, _queue.Count);
            var seen = new HashSet<long>();
            var lastDequeued = new long[Threads];
            Array.Fill(lastDequeued, -1);
            foreach (List<long> consumed in _dequeued)
            {
                foreach (long v in consumed)
                {
                    Assert.True(seen.Add(v), $"seed {Seed}: {Describe(v)} was dequeued twice");
                    lastDequeued[Producer(v)] = Math.Max(lastDequeued[Producer(v)], Sequence(v));
                }
            }

            var lastLeft = (long[])lastDequeued.Clone();
            foreach (long v in left)
            {
                Assert.True(seen.Add(v), $"seed {Seed}: {Describe(v)} is still in the queue but was dequeued (or is there twice)");
                Assert.True(
                    Sequence(v) > lastLeft[Producer(v)],
                    $"seed {Seed}: {Describe(v)} is in the queue behind a later element of its producer (sequence {lastLeft[Producer(v)]})");
                lastLeft[Producer(v)] = Sequence(v);
            }

            for (int p = 0; p < Threads; p++)
            {
                for (long s = 0; s < _enqueued[p]; s++)
                {
                    Assert.True(seen.Contains(Value(p, s)), $"seed {Seed}: {Describe(Value(p, s))} was enqueued but is neither dequeued nor in the queue");
                }
            }

            Assert.True(_enqueued.Sum() == seen.Count, $"seed {Seed}: {_enqueued.Sum()} elements enqueued, but {seen.Count} distinct ones dequeued or left");
        }

        public void Dispose()
        {
            _array.Dispose();
            _vector.Dispose();
            _table.Dispose();
            _queue.Dispose();
        }

        private static long Value(int producer, long sequence) => ((long)producer << 32) | sequence;

        private static int Producer(long value) => (int)(value >> 32);

        private static long Sequence(long value) => value & 0xFFFF_FFFFL;

        private static string Describe(long value) => $"queue element {value:x} (producer {Producer(value)}, sequence {Sequence(value)})";

        private static long ArrayValue(long index, Random random) => (index << 32) | (uint)random.Next();

        private static long TableValue(long key, Random random) => (key << 24) | (uint)random.Next(1 << 24);

        private void Run(int t)
        {
            var me = new Mine(t, _tableTwins[t], _dequeued[t]);
            long deadline = Environment.TickCount64 + (long)Deadline.TotalMilliseconds;
            for (int k = 0; k < OpsPerThread && !_failed && Environment.TickCount64 < deadline; k++)
            {
                Op op = t == 0 && me.Random.Next(3) == 0 ? Op.Vector : Menu[me.Random.Next(Menu.Length)];
                me.Where = $"seed {Seed}, thread {t}, op {k} ({op})";
                switch (op)
                {
                    case Op.ArrayWrite:
                        ArrayWrite(me);
                        break;
                    case Op.ArrayRead:
                        ArrayRead(me);
                        break;
                    case Op.ArrayRef:
                        ArrayRef(me);
                        break;
                    case Op.ArrayPeek:
                        ArrayPeek(me);
                        break;
                    case Op.ArrayCopy:
                        ArrayCopy(me);
                        break;
                    case Op.TablePut:
                        TablePut(me);
                        break;
                    case Op.TableGet:
                        TableGet(me);
                        break;
                    case Op.TableRemove:
                        TableRemove(me);
                        break;
                    case Op.TableContains:
                        TableContains(me);
                        break;
                    case Op.TablePeek:
                        TablePeek(me);
                        break;
                    case Op.Enqueue:
                        if (_queue.Count < QueueSoftCap)
                        {
                            Enqueue(me);
                        }
                        else
                        {
                            Dequeue(me);
                        }

                        break;
                    case Op.Dequeue:
                        if (_queue.Count > 0)
                        {
                            Dequeue(me);
                        }
                        else
                        {
                            Enqueue(me);
                        }

                        break;
                    case Op.QueuePeek:
                        QueuePeek(me);
                        break;
                    case Op.Mixed:
                        Mixed(me);
                        break;
                    case Op.Vector:
                        VectorOp(me);
                        break;
                }

                long inUse = _runtime.LocalBytesInUse;
                Assert.True(inUse <= _runtime.BudgetBytes, $"{me.Where}: {inUse} bytes in use, budget {_runtime.BudgetBytes}");
                OpsDone[t] = k + 1;
            }
        }

        /// <summary>One of this thread's array elements: i % Threads == thread.</summary>
        private static long MyIndex(Mine me) => (me.Random.Next(ArrayLength / Threads) * Threads) + me.Thread;

        /// <summary>One of this thread's keys.</summary>
        private static long MyKey(Mine me) => (me.Thread * KeysPerThread) + me.Random.Next(KeysPerThread);

        private void ArrayWrite(Mine me)
        {
            long i = MyIndex(me);
            long value = ArrayValue(i, me.Random);
            using (DerefScope scope = _runtime.EnterScope())
            {
                _array.Write(i, value, scope);
            }

            _arrayTwin[i] = value;
        }

        private void ArrayRead(Mine me)
        {
            long i = MyIndex(me);
            long got;
            using (DerefScope scope = _runtime.EnterScope())
            {
                got = _array.Read(i, scope);
            }

            Assert.True(_arrayTwin[i] == got, $"{me.Where}: array[{i}] read {got:x}, expected {_arrayTwin[i]:x}");
        }

        /// <summary>Read-modify-write through a pinned ref, then a read of it in the same scope.</summary>
        private void ArrayRef(Mine me)
        {
            long i = MyIndex(me);
            long value = ArrayValue(i, me.Random);
            long before;
            long after;
            using (DerefScope scope = _runtime.EnterScope())
            {
                ref long slot = ref _array.GetRef(i, scope);
                before = slot;
                slot = value;
                after = _array.Read(i, scope);
            }

            Assert.True(_arrayTwin[i] == before, $"{me.Where}: array[{i}] ref held {before:x}, expected {_arrayTwin[i]:x}");
            Assert.True(value == after, $"{me.Where}: array[{i}] read {after:x} right after writing {value:x} through a ref");
            _arrayTwin[i] = value;
        }

        /// <summary>Any thread's element: its value is unknown here, but it is zero or carries its own index.</summary>
        private void ArrayPeek(Mine me)
        {
            long i = me.Random.Next(ArrayLength);
            long got;
            using (DerefScope scope = _runtime.EnterScope())
            {
                got = _array.Read(i, scope);
            }

            Assert.True(got == 0 || got >> 32 == i, $"{me.Where}: array[{i}] read {got:x}, which belongs to index {got >> 32}");
        }

        /// <summary>
        /// A run of objects copied out (the copy opens its own scope): this thread's elements match
        /// the twin, the others' are zero or carry their own index.
        /// </summary>
        private void ArrayCopy(Mine me)
        {
            long[] buffer = me.Buffer;
            long start = me.Random.Next((ArrayLength - buffer.Length) / ArrayElementsPerObject) * ArrayElementsPerObject;
            _array.CopyTo(start, buffer);
            for (int j = 0; j < buffer.Length; j++)
            {
                long i = start + j;
                if (i % Threads == me.Thread)
                {
                    Assert.True(_arrayTwin[i] == buffer[j], $"{me.Where}: array[{i}] copied out as {buffer[j]:x}, expected {_arrayTwin[i]:x}");
                }
                else
                {
                    Assert.True(buffer[j] == 0 || buffer[j] >> 32 == i, $"{me.Where}: array[{i}] copied out as {buffer[j]:x}, which belongs to index {buffer[j] >> 32}");
                }
            }
        }

        private void TablePut(Mine me)
        {
            long key = MyKey(me);
            long value = TableValue(key, me.Random);
            bool added;
            using (DerefScope scope = _runtime.EnterScope())
            {
                added = _table.Put(key, value, scope);
            }

            bool expected = !me.Table.ContainsKey(key);
            Assert.True(expected == added, $"{me.Where}: Put({key}) returned {added}, expected {expected}");
            me.Table[key] = value;
        }

        private void TableGet(Mine me)
        {
            long key = MyKey(me);
            bool found;
            long got;
            using (DerefScope scope = _runtime.EnterScope())
            {
                found = _table.TryGet(key, out got, scope);
            }

            CheckLookup(me, key, found, got);
        }

        private void TableRemove(Mine me)
        {
            long key = MyKey(me);
            bool removed;
            using (DerefScope scope = _runtime.EnterScope())
            {
                removed = _table.Remove(key, scope);
            }

            bool expected = me.Table.Remove(key);
            Assert.True(expected == removed, $"{me.Where}: Remove({key}) returned {removed}, expected {expected}");
        }

        private void TableContains(Mine me)
        {
            long key = MyKey(me);
            bool found;
            using (DerefScope scope = _runtime.EnterScope())
            {
                found = _table.ContainsKey(key, scope);
            }

            bool expected = me.Table.ContainsKey(key);
            Assert.True(expected == found, $"{me.Where}: ContainsKey({key}) returned {found}, expected {expected}");
        }

        /// <summary>Any thread's key: present or not, a value found must be one written for that key.</summary>
        private void TablePeek(Mine me)
        {
            long key = me.Random.Next(Threads * KeysPerThread);
            bool found;
            long got;
            using (DerefScope scope = _runtime.EnterScope())
            {
                found = _table.TryGet(key, out got, scope);
            }

            Assert.True(found ? got >> 24 == key : got == 0, $"{me.Where}: TryGet({key}) returned ({found}, {got:x}), not a value written for that key");
        }

        private void CheckLookup(Mine me, long key, bool found, long got)
        {
            bool expectedFound = me.Table.TryGetValue(key, out long expected);
            Assert.True(
                expectedFound == found && expected == got,
                $"{me.Where}: TryGet({key}) returned ({found}, {got:x}), expected ({expectedFound}, {expected:x})");
        }

        /// <summary>
        /// Counts the element before it goes in, so a consumer that gets it finds it counted: the
        /// count always covers what is in the queue.
        /// </summary>
        private long NextSequence(Mine me)
        {
            long sequence = _enqueued[me.Thread];
            Volatile.Write(ref _enqueued[me.Thread], sequence + 1);
            return sequence;
        }

        private void Enqueue(Mine me)
        {
            long sequence = NextSequence(me);
            using (DerefScope scope = _runtime.EnterScope())
            {
                _queue.Enqueue(Value(me.Thread, sequence), scope);
            }
        }

        private void Dequeue(Mine me)
        {
            bool found;
            long got;
            using (DerefScope scope = _runtime.EnterScope())
            {
                found = _queue.TryDequeue(out got, scope);
            }

            if (found)
            {
                CheckHead(me, got, "dequeued");
                me.LastSeen[Producer(got)] = Sequence(got);
                me.Dequeued.Add(got);
            }
        }

        private void QueuePeek(Mine me)
        {
            bool found;
            long got;
            using (DerefScope scope = _runtime.EnterScope())
            {
                found = _queue.TryPeek(out got, scope);
            }

            if (found)
            {
                CheckHead(me, got, "peeked");
            }
        }

        /// <summary>
        /// An element taken from the head was enqueued already, and comes after everything of its
        /// producer this thread dequeued before: a linearizable FIFO queue never hands one consumer a
        /// producer's elements out of order, nor one that is gone.
        /// </summary>
        private void CheckHead(Mine me, long got, string what)
        {
            int p = Producer(got);
            Assert.True(p is >= 0 and < Threads, $"{me.Where}: {what} {Describe(got)}, which no thread enqueued");
            long enqueued = Volatile.Read(ref _enqueued[p]);
            Assert.True(Sequence(got) < enqueued, $"{me.Where}: {what} {Describe(got)}, but producer {p} has enqueued only {enqueued}");
            Assert.True(
                Sequence(got) > me.LastSeen[p],
                $"{me.Where}: {what} {Describe(got)} after this thread dequeued sequence {me.LastSeen[p]} of the same producer (FIFO order broken)");
        }

        /// <summary>
        /// One scope dereferencing all the shared collections: a ref into the array stays pinned
        /// while the table and the queue miss and evict around it.
        /// </summary>
        private void Mixed(Mine me)
        {
            long i = MyIndex(me);
            long key = MyKey(me);
            long value = ArrayValue(i, me.Random);
            long tableValue = TableValue(key, me.Random);
            long sequence = NextSequence(me);
            long before;
            bool found;
            long got;
            bool added;
            using (DerefScope scope = _runtime.EnterScope())
            {
                ref long slot = ref _array.GetRef(i, scope);
                before = slot;
                found = _table.TryGet(key, out got, scope);
                added = _table.Put(key, tableValue, scope);
                _queue.Enqueue(Value(me.Thread, sequence), scope);
                slot = value;
            }

            Assert.True(_arrayTwin[i] == before, $"{me.Where}: array[{i}] ref held {before:x}, expected {_arrayTwin[i]:x}");
            CheckLookup(me, key, found, got);
            Assert.True(added == !found, $"{me.Where}: Put({key}) returned {added} after TryGet found {found}");
            _arrayTwin[i] = value;
            me.Table[key] = tableValue;
        }

        /// <summary>Thread 0 only: the vector's one writer of Count and its only reader.</summary>
        private void VectorOp(Mine me)
        {
            Random random = me.Random;
            string where = me.Where;
            int count = _vectorTwin.Count;
            int choice = random.Next(10);
            if (count == 0 || (choice < 3 && count < VectorMaxCount))
            {
                long value = random.NextInt64();
                using (DerefScope scope = _runtime.EnterScope())
                {
                    _vector.Add(value, scope);
                }

                _vectorTwin.Add(value);
            }
            else if (choice == 3)
            {
                long got;
                using (DerefScope scope = _runtime.EnterScope())
                {
                    got = _vector.RemoveLast(scope);
                }

                Assert.True(_vectorTwin[^1] == got, $"{where}: vector RemoveLast returned {got:x}, expected {_vectorTwin[^1]:x}");
                _vectorTwin.RemoveAt(count - 1);
            }
            else if (choice == 4)
            {
                long got;
                using (DerefScope scope = _runtime.EnterScope())
                {
                    got = _vector.ReadLast(scope);
                }

                Assert.True(_vectorTwin[^1] == got, $"{where}: vector ReadLast returned {got:x}, expected {_vectorTwin[^1]:x}");
            }
            else if (choice == 5)
            {
                int index = random.Next(count);
                long value = random.NextInt64();
                using (DerefScope scope = _runtime.EnterScope())
                {
                    _vector.Write(index, value, scope);
                }

                _vectorTwin[index] = value;
            }
            else if (choice == 6)
            {
                // A span appended a whole object at a time (AddRange opens its own scope).
                int n = Math.Min(random.Next(1, 2 * VectorElementsPerObject), VectorMaxCount - count);
                var values = new long[n];
                for (int j = 0; j < n; j++)
                {
                    values[j] = random.NextInt64();
                }

                _vector.AddRange(values);
                _vectorTwin.AddRange(values);
            }
            else if (choice == 7)
            {
                int start = random.Next(count);
                var copy = new long[Math.Min(count - start, 3 * VectorElementsPerObject)];
                _vector.CopyTo(start, copy);
                for (int j = 0; j < copy.Length; j++)
                {
                    Assert.True(_vectorTwin[start + j] == copy[j], $"{where}: vector[{start + j}] copied out as {copy[j]:x}, expected {_vectorTwin[start + j]:x}");
                }
            }
            else
            {
                int index = random.Next(count);
                long got;
                using (DerefScope scope = _runtime.EnterScope())
                {
                    got = _vector.Read(index, scope);
                }

                Assert.True(_vectorTwin[index] == got, $"{where}: vector[{index}] read {got:x}, expected {_vectorTwin[index]:x}");
            }

            Assert.True(_vectorTwin.Count == _vector.Count, $"{where}: vector Count {_vector.Count}, expected {_vectorTwin.Count}");
        }

        /// <summary>A worker thread's own things: its random stream, its twin of its keys, and what it dequeued.</summary>
        private sealed class Mine(int thread, Dictionary<long, long> table, List<long> dequeued)
        {
            public int Thread { get; } = thread;

            public Random Random { get; } = new(Seed + thread);

            public Dictionary<long, long> Table { get; } = table;

            public List<long> Dequeued { get; } = dequeued;

            /// <summary>Per producer, the highest sequence this thread has dequeued (-1 for none).</summary>
            public long[] LastSeen { get; } = Enumerable.Repeat(-1L, Threads).ToArray();

            public long[] Buffer { get; } = new long[3 * ArrayElementsPerObject];

            /// <summary>The operation under way, for failure messages.</summary>
            public string Where { get; set; } = string.Empty;
        }
    }
}
