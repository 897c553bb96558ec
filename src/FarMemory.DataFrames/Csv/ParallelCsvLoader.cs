using System.Collections.Concurrent;
using FarMemory.DataFrames.Columns;
using nietras.SeparatedValues;

namespace FarMemory.DataFrames.Csv;

/// <summary>
/// The body of a CSV load with cells parsed on several threads, once the column types are fixed.
/// </summary>
/// <remarks>
/// <para>Protocol: the calling thread reads rows with Sep and copies a batch of them (their cells'
/// text) into a <see cref="Batch"/>, which it queues for the parsing threads; it then appends the
/// oldest batches whose parse is done, in file order, so the columns get their rows in order.
/// A batch is parsed exactly once, by whichever thread wins its state from Queued to Parsing: a
/// parsing thread, or the calling thread itself when the oldest batch is still queued (so it never
/// idles while there is parsing to do). Completion is published by <see cref="Batch.Done"/>.</para>
/// <para>A batch is parsed for the column types current when it was read. If one of its numeric
/// cells does not parse as its column's type, or a type widened (long to double, anything to
/// string) since it was read, the calling thread appends that batch cell by cell instead, through
/// <see cref="CsvColumn.Add"/>, which widens or reports the malformed row exactly as a sequential
/// load does. String cells are always appended by the calling thread (the dictionary is not
/// shared). Batches in flight are bounded, so memory stays at a few batches whatever the file.</para>
/// </remarks>
internal sealed class ParallelCsvLoader : IDisposable
{
    private const int BatchRows = 4096;
    private const int ProgressRows = 1 << 16;

    private const int Queued = 0;
    private const int Parsing = 1;
    private const int Parsed = 2;

    private readonly CsvColumn[] _columns;
    private readonly FarCsvOptions _options;
    private readonly string _name;
    private readonly Stream _stream;
    private readonly long _total;
    private readonly BlockingCollection<Batch> _toParse;
    private readonly Task[] _workers;
    private readonly Queue<Batch> _inFlight = new();
    private readonly Stack<Batch> _free = new();
    private readonly int _maxInFlight;
    private long _rows;

    public ParallelCsvLoader(CsvColumn[] columns, FarCsvOptions options, string name, Stream stream, long total, int workers)
    {
        _columns = columns;
        _options = options;
        _name = name;
        _stream = stream;
        _total = total;
        _maxInFlight = (2 * workers) + 2;
        _toParse = new BlockingCollection<Batch>(_maxInFlight);
        _workers = new Task[workers];
        for (int i = 0; i < workers; i++)
        {
            _workers[i] = Task.Factory.StartNew(Work, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        }
    }

    /// <summary>Reads, parses and appends every remaining row; returns the rows appended.</summary>
    public long Run(SepReader reader, ref long skipped)
    {
        int columns = _columns.Length;
        Batch batch = Rent();
        while (reader.MoveNext())
        {
            SepReader.Row row = reader.Current;
            if (row.ColCount != columns)
            {
                FarDataFrame.Malformed(_name, row.LineNumberFrom, Math.Min(row.ColCount, columns) + 1, $"expected {columns} fields, found {row.ColCount}", _options, ref skipped);
                continue;
            }

            batch.Add(row, columns);
            if (batch.Rows == BatchRows)
            {
                Submit(batch, ref skipped);
                batch = Rent();
            }
        }

        if (batch.Rows > 0)
        {
            Submit(batch, ref skipped);
        }

        while (_inFlight.Count > 0)
        {
            AppendOldest(ref skipped);
        }

        return _rows;
    }

    public void Dispose()
    {
        _toParse.CompleteAdding();
        Task.WaitAll(_workers);
        _toParse.Dispose();
        foreach (Batch b in _inFlight.Concat(_free))
        {
            b.Done.Dispose();
        }
    }

    private Batch Rent()
    {
        Batch batch = _free.Count > 0 ? _free.Pop() : new Batch(_columns.Length);
        batch.Reset(_columns);
        return batch;
    }

    private void Submit(Batch batch, ref long skipped)
    {
        while (_inFlight.Count >= _maxInFlight || (_inFlight.Count > 0 && _inFlight.Peek().State == Parsed))
        {
            AppendOldest(ref skipped);
        }

        _inFlight.Enqueue(batch);
        _toParse.Add(batch);
    }

    private void AppendOldest(ref long skipped)
    {
        Batch batch = _inFlight.Dequeue();
        if (Interlocked.CompareExchange(ref batch.State, Parsing, Queued) == Queued)
        {
            batch.Parse();
        }

        batch.Done.Wait();
        Append(batch, ref skipped);
        _free.Push(batch);
    }

    private void Work()
    {
        foreach (Batch batch in _toParse.GetConsumingEnumerable())
        {
            if (Interlocked.CompareExchange(ref batch.State, Parsing, Queued) == Queued)
            {
                batch.Parse();
            }
        }
    }

    private void Append(Batch batch, ref long skipped)
    {
        bool typed = !batch.Failed;
        for (int c = 0; c < _columns.Length && typed; c++)
        {
            typed = batch.Kinds[c] == _columns[c].Kind;
        }

        if (typed)
        {
            // Column by column: one type switch per column, then a tight loop over the rows.
            for (int c = 0; c < _columns.Length; c++)
            {
                if (batch.Kinds[c] == ColumnKind.String)
                {
                    for (int r = 0; r < batch.Rows; r++)
                    {
                        _columns[c].Add(batch.Cell(r, c));
                    }
                }
                else
                {
                    _columns[c].AppendParsed(batch.Values[c].AsSpan(0, batch.Rows), batch.Valid[c].AsSpan(0, batch.Rows));
                }
            }

            Counted(batch.Rows);
            return;
        }

        for (int r = 0; r < batch.Rows; r++)
        {
            if (AppendCells(batch, r, ref skipped))
            {
                Counted(1);
            }
        }
    }

    private void Counted(int rows)
    {
        long before = _rows;
        _rows += rows;
        if (before / ProgressRows != _rows / ProgressRows)
        {
            _options.Progress?.Report(new FarLoadProgress(_stream.CanSeek ? _stream.Position : 0, _rows, _total));
        }
    }

    /// <summary>One row cell by cell, as a sequential load appends it: false when the row was malformed (and skipped).</summary>
    private bool AppendCells(Batch batch, int r, ref long skipped)
    {
        for (int c = 0; c < _columns.Length; c++)
        {
            if (!_columns[c].Add(batch.Cell(r, c)))
            {
                for (int back = 0; back < c; back++)
                {
                    _columns[back].Unappend();
                }

                FarDataFrame.Malformed(_name, batch.Lines[r], c + 1, $"'{batch.Cell(r, c).ToString()}' is not a {ColumnKinds.TypeOf(_columns[c].Kind).Name}", _options, ref skipped);
                return false;
            }
        }

        return true;
    }

    /// <summary>The cells of up to <see cref="BatchRows"/> rows, and once parsed their values by column.</summary>
    private sealed class Batch
    {
        public readonly ColumnKind[] Kinds;
        public readonly long[][] Values;
        public readonly byte[][] Valid;
        public readonly long[] Lines = new long[BatchRows];
        public readonly ManualResetEventSlim Done = new(false);
        public int State;
        public int Rows;
        public bool Failed;

        private readonly int[] _ends;
        private char[] _text = new char[1 << 16];
        private int _length;

        public Batch(int columns)
        {
            Kinds = new ColumnKind[columns];
            Values = new long[columns][];
            Valid = new byte[columns][];
            for (int c = 0; c < columns; c++)
            {
                Values[c] = new long[BatchRows];
                Valid[c] = new byte[BatchRows];
            }

            _ends = new int[BatchRows * columns];
        }

        public void Reset(CsvColumn[] columns)
        {
            for (int c = 0; c < columns.Length; c++)
            {
                Kinds[c] = columns[c].Kind;
            }

            Done.Reset();
            State = Queued;
            Rows = 0;
            Failed = false;
            _length = 0;
        }

        public void Add(SepReader.Row row, int columns)
        {
            int at = Rows * columns;
            for (int c = 0; c < columns; c++)
            {
                ReadOnlySpan<char> cell = row[c].Span;
                if (_length + cell.Length > _text.Length)
                {
                    Array.Resize(ref _text, Math.Max(_text.Length * 2, _length + cell.Length));
                }

                cell.CopyTo(_text.AsSpan(_length));
                _length += cell.Length;
                _ends[at + c] = _length;
            }

            Lines[Rows] = row.LineNumberFrom;
            Rows++;
        }

        public ReadOnlySpan<char> Cell(int r, int c)
        {
            int i = (r * Kinds.Length) + c;
            int start = i == 0 ? 0 : _ends[i - 1];
            return _text.AsSpan(start, _ends[i] - start);
        }

        /// <summary>Parses every numeric, timestamp and bool cell; a cell that does not parse marks the batch failed.</summary>
        public void Parse()
        {
            try
            {
                for (int c = 0; c < Kinds.Length && !Failed; c++)
                {
                    ColumnKind kind = Kinds[c];
                    if (kind == ColumnKind.String)
                    {
                        continue;
                    }

                    long[] values = Values[c];
                    byte[] valid = Valid[c];
                    for (int r = 0; r < Rows; r++)
                    {
                        ReadOnlySpan<char> cell = Cell(r, c);
                        if (cell.IsEmpty)
                        {
                            valid[r] = 0;
                            continue;
                        }

                        if (!CsvColumn.TryParse(kind, cell, out values[r]))
                        {
                            Failed = true;
                            break;
                        }

                        valid[r] = 1;
                    }
                }
            }
            catch (Exception)
            {
                // Parsing only calls Try methods; whatever went wrong, the batch is appended cell by cell.
                Failed = true;
            }
            finally
            {
                Volatile.Write(ref State, Parsed);
                Done.Set();
            }
        }
    }
}
