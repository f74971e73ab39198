using System.Diagnostics;
using GanService.Contracts;
using Microsoft.ML.OnnxRuntime;
using SessionOptions = Microsoft.ML.OnnxRuntime.SessionOptions;

namespace GanService.Inference;

/// <summary>Told how long each successful graph run took (the API feeds its latency histogram from it).</summary>
public delegate void RunObserver(string model, string graphRole, TimeSpan elapsed);

/// <summary>
/// One ONNX graph of a model: the session is created once and shared by all requests (Run is thread-safe);
/// <see cref="OrtValue"/>s live and die inside one <see cref="Run"/>.
/// </summary>
public sealed class OnnxGraph : IDisposable
{
    private readonly InferenceSession _session;
    private readonly SessionOptions _options;
    private readonly string _modelName;
    private readonly RunObserver? _observer;
    private readonly RunBatcher? _batcher;

    /// <param name="batching">Join concurrent runs into one (the API's dynamic batching); null or a max batch of 1 runs
    /// each call on its own (the CLI).</param>
    public OnnxGraph(string modelName, GraphSpec spec, InferenceSession session, SessionOptions options, RunObserver? observer = null,
        BatchingSettings? batching = null, BatchObserver? batchObserver = null)
    {
        _modelName = modelName;
        Spec = spec;
        _session = session;
        _options = options;
        _observer = observer;
        if (batching is { Enabled: true })
        {
            _batcher = new RunBatcher(this, batching, batchObserver is null ? null : rows => batchObserver(modelName, spec.Role, rows));
            MaxJoinedBatch = batching.MaxBatch;
        }
    }

    public GraphSpec Spec { get; }

    /// <summary>Inputs the caller may leave out: initializers the graph lets callers override (e.g. const noise).</summary>
    public bool IsOptional(string inputName) => _session.OverridableInitializerMetadata.ContainsKey(inputName);

    public TensorSpec? Input(string role) => Spec.Inputs.FirstOrDefault(t => t.Role == role);
    public IEnumerable<TensorSpec> Inputs(string role) => Spec.Inputs.Where(t => t.Role == role);
    public TensorSpec? Output(string role) => Spec.Outputs.FirstOrDefault(t => t.Role == role);

    /// <summary>Problems between the manifest's tensor specs and what the ONNX file really declares (empty if none).</summary>
    public IReadOnlyList<string> CheckAgainstManifest()
    {
        var errors = new List<string>();
        foreach (var t in Spec.Inputs)
        {
            if (!_session.InputMetadata.TryGetValue(t.Name, out var meta) && !_session.OverridableInitializerMetadata.TryGetValue(t.Name, out meta))
                errors.Add($"graph '{Spec.Role}': input '{t.Name}' is not in the ONNX file");
            else errors.AddRange(Compare("input", t, meta));
        }
        foreach (var name in _session.InputMetadata.Keys.Where(n => Spec.Inputs.All(t => t.Name != n)))
            errors.Add($"graph '{Spec.Role}': ONNX input '{name}' is not described in the manifest");
        foreach (var t in Spec.Outputs)
        {
            if (!_session.OutputMetadata.TryGetValue(t.Name, out var meta))
                errors.Add($"graph '{Spec.Role}': output '{t.Name}' is not in the ONNX file");
            else errors.AddRange(Compare("output", t, meta));
        }
        return errors;
    }

    private IEnumerable<string> Compare(string kind, TensorSpec t, NodeMetadata meta)
    {
        var expected = t.DataType == "int64" ? typeof(long) : typeof(float);
        if (meta.ElementType != expected)
            yield return $"graph '{Spec.Role}': {kind} '{t.Name}' is {meta.ElementType.Name} in the ONNX file, manifest says {t.DataType}";
        var dims = meta.Dimensions;
        if (dims.Length != t.Shape.Length)
            yield return $"graph '{Spec.Role}': {kind} '{t.Name}' has rank {dims.Length} in the ONNX file, manifest says {t.Shape.Length}";
        else
            for (int i = 0; i < dims.Length; i++)
                if (dims[i] > 0 && t.Shape[i] > 0 && dims[i] != t.Shape[i])
                    yield return $"graph '{Spec.Role}': {kind} '{t.Name}' dim {i} is {dims[i]} in the ONNX file, manifest says {t.Shape[i]}";
    }

    /// <summary>Whether the graph takes any batch size (its batch-carrying inputs have a free first dimension); a graph
    /// exported with a fixed batch of 1 (`gan package` of a torch.onnx.export without dynamic_axes) takes one at a time.</summary>
    public bool HasFreeBatch => Spec.Inputs.Any(t => t.Shape.Length > 0 && t.Shape[0] < 0 && !IsOptional(t.Name));

    /// <summary>Most rows one ONNX Runtime call of this graph carries when dynamic batching joins single requests (1 when off).</summary>
    public int MaxJoinedBatch { get; } = 1;

    /// <summary>
    /// Runs the graph once on zeros with batch <paramref name="batch"/>: every input this graph needs (overridable
    /// initializers left to their own values), a free first dimension set to the batch and free height and width of an
    /// image input (a model that takes any size) to <paramref name="image"/>'s. Returns how long it took.
    /// </summary>
    public TimeSpan RunZeros(int batch, CancellationToken cancellation, ImageSpec? image = null)
    {
        var inputs = new List<NamedTensor>();
        foreach (var t in Spec.Inputs.Where(t => !IsOptional(t.Name)))
        {
            var shape = t.Shape.Select((d, i) => d >= 0 ? d
                : i == 0 ? batch
                : i == 2 && image is not null ? image.Height
                : i == 3 && image is not null ? image.Width
                : throw new InvalidOperationException($"graph '{Spec.Role}': input '{t.Name}' has a free dimension {i} with no size to warm up at")).ToArray();
            long size = shape.Aggregate(1L, (a, d) => a * d);
            inputs.Add(t.DataType == "int64" ? NamedTensor.Of(t.Name, new long[size], shape) : NamedTensor.Of(t.Name, new float[size], shape));
        }
        var clock = Stopwatch.StartNew();
        Run(inputs, cancellation);
        return clock.Elapsed;
    }

    /// <summary>Runs the graph; returns every output named in the manifest. With batching on, a call whose inputs all
    /// carry a free batch dimension may run joined with concurrent calls (see <see cref="RunBatcher"/>); its outputs are
    /// its own rows either way.</summary>
    public IReadOnlyDictionary<string, NamedTensor> Run(IReadOnlyList<NamedTensor> inputs, CancellationToken cancellation) =>
        _batcher is not null && _batcher.CanJoin(inputs) ? _batcher.Run(inputs, cancellation) : RunNow(inputs, cancellation);

    /// <summary>One ONNX Runtime call with exactly these inputs.</summary>
    internal IReadOnlyDictionary<string, NamedTensor> RunNow(IReadOnlyList<NamedTensor> inputs, CancellationToken cancellation)
    {
        var values = new List<OrtValue>(inputs.Count);
        try
        {
            foreach (var t in inputs)
                values.Add(t.Floats is not null
                    ? OrtValue.CreateTensorValueFromMemory(t.Floats, t.Shape)
                    : OrtValue.CreateTensorValueFromMemory(t.Longs!, t.Shape));
            var outputNames = Spec.Outputs.Select(o => o.Name).ToArray();
            using var runOptions = new RunOptions();
            using var stop = cancellation.Register(() => runOptions.Terminate = true);
            var clock = Stopwatch.StartNew();
            IDisposableReadOnlyCollection<OrtValue> outputs;
            try { outputs = _session.Run(runOptions, inputs.Select(i => i.Name).ToArray(), values, outputNames); }
            catch (OnnxRuntimeException) when (cancellation.IsCancellationRequested) { throw new OperationCanceledException(cancellation); }
            _observer?.Invoke(_modelName, Spec.Role, clock.Elapsed);
            using (outputs)
            {
                var result = new Dictionary<string, NamedTensor>(StringComparer.Ordinal);
                for (int i = 0; i < outputNames.Length; i++)
                {
                    var info = outputs[i].GetTensorTypeAndShape();
                    result[outputNames[i]] = info.ElementDataType == Microsoft.ML.OnnxRuntime.Tensors.TensorElementType.Int64
                        ? NamedTensor.Of(outputNames[i], outputs[i].GetTensorDataAsSpan<long>().ToArray(), info.Shape)
                        : NamedTensor.Of(outputNames[i], outputs[i].GetTensorDataAsSpan<float>().ToArray(), info.Shape);
                }
                return result;
            }
        }
        finally
        {
            foreach (var v in values) v.Dispose();
        }
    }

    public void Dispose()
    {
        _session.Dispose();
        _options.Dispose();
    }
}
