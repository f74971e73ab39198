namespace GanService.Inference;

/// <summary>Dynamic batching of one graph's runs (as Triton's dynamic batcher): runs that arrive within
/// <paramref name="MaxDelay"/> of the first waiting one are joined along the batch dimension, up to
/// <paramref name="MaxBatch"/> rows, and run as one ONNX Runtime call.</summary>
public sealed record BatchingSettings(int MaxBatch, TimeSpan MaxDelay)
{
    public bool Enabled => MaxBatch > 1;
}

/// <summary>Told the batch size (rows) of each ONNX Runtime call the batcher made (the API feeds gan_batch_size).</summary>
public delegate void BatchObserver(string model, string graphRole, int rows);

/// <summary>
/// Collects concurrent <see cref="OnnxGraph.Run"/> calls of one graph and runs them as one. Only calls whose every input
/// has a free batch dimension in the manifest (and every output too) are joined, so a graph exported with a fixed batch
/// of 1 is never batched, and inputs shared by the whole batch (ψ of shape (1,)) keep their meaning. The graphs served
/// here normalise per sample (InstanceNorm, eval-mode BatchNorm, per-sample modulation), so each row's result does not
/// depend on its companions; each caller gets its own rows back.
/// A caller that is cancelled leaves at once: before its batch runs it is taken out of it, after that its rows are
/// dropped; the call itself is stopped only when every caller in it has been cancelled.
/// </summary>
internal sealed class RunBatcher(OnnxGraph graph, BatchingSettings settings, Action<int>? observeRows)
{
    private readonly object _lock = new();
    /// <summary>The open (not yet running) batch per input signature: names, types and shapes after the batch dim.</summary>
    private readonly Dictionary<string, PendingBatch> _open = new(StringComparer.Ordinal);

    /// <summary>Whether these inputs can be joined with others: every input and output batch-first and free in the manifest,
    /// all inputs with the same number of rows, fewer rows than a full batch.</summary>
    public bool CanJoin(IReadOnlyList<NamedTensor> inputs)
    {
        if (inputs.Count == 0 || graph.Spec.Outputs.Any(o => o.Shape.Length == 0 || o.Shape[0] >= 0)) return false;
        long rows = inputs[0].Shape.Length > 0 ? inputs[0].Shape[0] : 0;
        if (rows < 1 || rows >= settings.MaxBatch) return false;
        foreach (var t in inputs)
        {
            var spec = graph.Spec.Inputs.FirstOrDefault(s => s.Name == t.Name);
            if (spec is null || spec.Shape.Length == 0 || spec.Shape[0] >= 0 || t.Shape.Length == 0 || t.Shape[0] != rows) return false;
        }
        return true;
    }

    public IReadOnlyDictionary<string, NamedTensor> Run(IReadOnlyList<NamedTensor> inputs, CancellationToken cancellation)
    {
        cancellation.ThrowIfCancellationRequested();
        var member = new Member(inputs, (int)inputs[0].Shape[0]);
        var key = Signature(inputs);
        PendingBatch batch;
        bool leader = false;
        lock (_lock)
        {
            if (_open.TryGetValue(key, out var open) && open.Rows + member.Rows > settings.MaxBatch)
            {
                // This caller would overfill the open batch: send that one off as it is and start a new one.
                Close(open);
                open = null;
            }
            if (open is null)
            {
                open = new PendingBatch(key, DateTime.UtcNow + settings.MaxDelay);
                _open[key] = open;
                leader = true;
            }
            open.Members.Add(member);
            member.Batch = batch = open;
            open.Rows += member.Rows;
            if (open.Rows >= settings.MaxBatch) Close(open);
        }

        using (cancellation.Register(() => Leave(key, member)))
        {
            // The first caller keeps the window: it sends the batch off when the window ends, when the batch fills (Close
            // wakes it) or when it is itself cancelled (the others then run at once rather than wait for nobody).
            if (leader)
                lock (_lock)
                {
                    while (!batch.Started && !cancellation.IsCancellationRequested)
                    {
                        var left = batch.Deadline - DateTime.UtcNow;
                        if (left <= TimeSpan.Zero) break;
                        Monitor.Wait(_lock, left);
                    }
                    if (!batch.Started) Close(batch);
                }
            try { return member.Result.Task.GetAwaiter().GetResult(); }
            catch (OperationCanceledException) when (cancellation.IsCancellationRequested) { throw new OperationCanceledException(cancellation); }
        }
    }

    /// <summary>A cancelled caller: out of its batch if that has not started, else its rows are dropped; the ORT call is
    /// stopped when nobody is left waiting for it.</summary>
    private void Leave(string key, Member member)
    {
        PendingBatch? stopped = null;
        lock (_lock)
        {
            var batch = member.Batch;
            if (batch is null) return;
            if (!batch.Started)
            {
                batch.Members.Remove(member);
                batch.Rows -= member.Rows;
                if (batch.Members.Count == 0 && _open.TryGetValue(key, out var open) && open == batch) _open.Remove(key);
                Monitor.PulseAll(_lock);
            }
            else if (batch.Members.All(m => m == member || m.Result.Task.IsCanceled)) stopped = batch;
        }
        member.Result.TrySetCanceled();
        stopped?.Stop.Cancel();
    }

    /// <summary>Under the lock: no more callers join; the batch runs on a thread of its own (not the thread pool, whose
    /// threads are the callers blocked waiting for it; and no caller's thread is tied to it, so a cancelled caller can
    /// leave while the others wait). Wakes the caller keeping the window.</summary>
    private void Close(PendingBatch batch)
    {
        if (batch.Started) return;
        batch.Started = true;
        if (_open.TryGetValue(batch.Key, out var open) && open == batch) _open.Remove(batch.Key);
        Monitor.PulseAll(_lock);
        if (batch.Members.Count == 0) return;
        var members = batch.Members.ToArray();
        Task.Factory.StartNew(() => Execute(batch, members), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
    }

    private void Execute(PendingBatch batch, Member[] members)
    {
        try
        {
            int rows = members.Sum(m => m.Rows);
            var joined = members[0].Inputs.Select(t => Concat(t.Name, members.Select(m => m.Inputs.First(i => i.Name == t.Name)).ToList(), rows)).ToList();
            var outputs = graph.RunNow(joined, batch.Stop.Token);
            observeRows?.Invoke(rows);
            int offset = 0;
            foreach (var m in members)
            {
                m.Result.TrySetResult(outputs.ToDictionary(kv => kv.Key, kv => Slice(kv.Value, offset, m.Rows), StringComparer.Ordinal));
                offset += m.Rows;
            }
        }
        catch (OperationCanceledException)
        {
            foreach (var m in members) m.Result.TrySetCanceled();
        }
        catch (Exception e)
        {
            foreach (var m in members) m.Result.TrySetException(e);
        }
    }

    private static string Signature(IReadOnlyList<NamedTensor> inputs) =>
        string.Join(';', inputs.OrderBy(t => t.Name, StringComparer.Ordinal).Select(t => $"{t.Name}:{t.DataType}:{string.Join(',', t.Shape.Skip(1))}"));

    /// <summary>Row blocks of the same tensor from each caller → one (rows, …) tensor.</summary>
    private static NamedTensor Concat(string name, List<NamedTensor> parts, int rows)
    {
        long[] shape = [rows, .. parts[0].Shape.Skip(1)];
        if (parts[0].Floats is not null) return NamedTensor.Of(name, parts.SelectMany(p => p.Floats!).ToArray(), shape);
        return NamedTensor.Of(name, parts.SelectMany(p => p.Longs!).ToArray(), shape);
    }

    /// <summary>Rows [offset, offset + count) of a batch-first output.</summary>
    private static NamedTensor Slice(NamedTensor t, int offset, int count)
    {
        long perRow = t.Shape.Skip(1).Aggregate(1L, (a, d) => a * d);
        long[] shape = [count, .. t.Shape.Skip(1)];
        var range = new Range((int)(offset * perRow), (int)((offset + count) * perRow));
        return t.Floats is not null ? NamedTensor.Of(t.Name, t.Floats[range], shape) : NamedTensor.Of(t.Name, t.Longs![range], shape);
    }

    private sealed class Member(IReadOnlyList<NamedTensor> inputs, int rows)
    {
        public IReadOnlyList<NamedTensor> Inputs { get; } = inputs;
        public int Rows { get; } = rows;
        public PendingBatch? Batch { get; set; }
        public TaskCompletionSource<IReadOnlyDictionary<string, NamedTensor>> Result { get; } = new();
    }

    private sealed class PendingBatch(string key, DateTime deadline)
    {
        public string Key { get; } = key;
        public DateTime Deadline { get; } = deadline;
        public List<Member> Members { get; } = [];
        public int Rows { get; set; }
        public bool Started { get; set; }
        public CancellationTokenSource Stop { get; } = new();
    }
}
