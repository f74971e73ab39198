using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using GanService.Contracts;
using GanService.Training.Export;
using GanService.Training.Families.CycleGan;
using GanService.Training.Families.Dcgan;
using GanService.Training.Families.Pix2Pix;
using GanService.Training.Families.StyleGan2;
using GanService.Training.Layers;
using GanService.Training.Onnx;
using Microsoft.ML.OnnxRuntime;
using Onnx;
using TorchSharp;
using static TorchSharp.torch;

namespace GanService.Bench;

/// <summary>
/// `GanService.Bench results`: the whole of bench/RESULTS.md from one run — SGEMM peak, ORT vs TorchSharp on the
/// reference generators and the shipped models (batch 1 and 8) with GFLOP/s, the service under load and its RSS over
/// many requests, and issue 16's targets. Runs in a fixed order so the figures share one machine state.
/// </summary>
public static class ResultsRun
{
    public const string Command = "scripts/bench-results.sh";

    /// <summary>A model both runtimes can run: its graph, inputs for a batch, and TorchSharp's forward over them.</summary>
    private sealed record Case(string Name, bool Reference, string Input, ModelProto Model, string TorchPath,
        Func<int, Dictionary<string, Tensor>> Inputs, Func<Dictionary<string, Tensor>, Tensor>? Torch, string? TorchNote, Action Dispose);

    public static async Task<int> MainAsync(string[] args)
    {
        // The last occurrence wins: scripts/bench-results.sh puts its defaults first, the caller's arguments after.
        string Opt(string name, string fallback) { int i = Array.LastIndexOf(args, name); return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback; }
        int Int(string name, int fallback) => int.Parse(Opt(name, fallback.ToString(CultureInfo.InvariantCulture)), CultureInfo.InvariantCulture);
        string output = Opt("--out", "bench/RESULTS.md");
        string models = Path.GetFullPath(Opt("--models", "models"));
        int threads = Int("--threads", Environment.ProcessorCount);
        double budget = Int("--case-seconds", 8);
        int rssRequests = Int("--rss-requests", 10_000);
        double loadScale = double.Parse(Opt("--load-scale", "1"), CultureInfo.InvariantCulture);
        string commit = Opt("--commit", "unknown");
        // A check of the harness itself, not for RESULTS.md: only the models whose name contains this text.
        string only = Opt("--only", "");

        var clock = Stopwatch.StartNew();
        string loadStart = LoadAverage();
        torch.set_num_threads(threads);
        Console.WriteLine($"results: {threads} threads, load average {loadStart}");

        // The peak is measured at the start and again at the end, so that background load during one of them does not
        // set the scale for every row.
        var peakRates = PeakRates(PeakN, PeakReps);
        Console.WriteLine($"peak: {peakRates.Max():F1} GFLOP/s");

        var rows = new List<InferenceRow>();
        var profiles = new List<OrtProfile>();
        foreach (var make in ReferenceCases().Concat(ShippedCases(models)))
        {
            var c = make();
            try
            {
                if (!c.Name.Contains(only, StringComparison.OrdinalIgnoreCase)) continue;
                double? batch1Ms = null;
                var flops = FlopsPerBatch(c);
                foreach (int batch in new[] { 1, 8 })
                {
                    // Batch 8 of a model whose batch 1 takes over HeavyMs: the batch-1 runs warmed the kernels, and one
                    // counted pair of runs costs more than the budget already.
                    bool heavy = batch1Ms > HeavyMs;
                    var row = Measure(c, batch, flops(batch), threads, TimeSpan.FromSeconds(budget), warmUp: !heavy, minReps: batch == 1 ? 3 : heavy ? 1 : 2);
                    batch1Ms ??= row.OrtMs;
                    rows.Add(row);
                    Console.WriteLine($"{row.Model} ×{batch}: torch {row.TorchMs:F1} ms, ORT {row.OrtMs:F1} ms, {row.Flops / 1e9:F2} GFLOP, reps {row.Reps}");
                    if (c.Name == ResultsMarkdown.ResNet9 && batch == 1) profiles.Add(Profile(c, batch, threads, row.Flops));
                }
            }
            finally { c.Dispose(); }
        }

        var (load, rss) = await ServiceLoad.RunAsync(models, loadScale, rssRequests);
        peakRates.AddRange(PeakRates(PeakN, PeakReps));
        var peak = new PeakResult(PeakN, peakRates.Count, peakRates.Max(), Timing.Median(peakRates));
        var machine = new MachineInfo(CpuModel(), Environment.ProcessorCount, System.Runtime.InteropServices.RuntimeInformation.OSDescription,
            $".NET {Environment.Version}, ONNX Runtime {OrtEnv.Instance().GetVersionString()}, TorchSharp {typeof(torch).Assembly.GetName().Version}",
            DateTimeOffset.UtcNow, commit, loadStart, LoadAverage(), threads, clock.Elapsed);
        string settings = string.Create(CultureInfo.InvariantCulture,
            $"`--case-seconds {budget}` (each model × batch: one uncounted warm-up run per runtime, then ≥ 3 alternating counted runs at batch 1 and ≥ 2 at batch 8, more while the {budget} s last, ≤ 20; batch 8 of a model whose batch-1 ORT run takes over {HeavyMs} ms: no warm-up, ≥ 1 counted run), `--load-scale {loadScale}`, `--rss-requests {rssRequests}`; ORT: CPU provider, all graph optimisations, {threads} intra-op threads.");
        var results = new BenchResults(machine, peak, rows, profiles, load, rss, Command, settings);
        var md = ResultsMarkdown.Write(results);
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(output))!);
        File.WriteAllText(output, md);
        Console.WriteLine(md);
        return 0;
    }

    private const int PeakN = 2048, PeakReps = 10;

    /// <summary>GFLOP/s of each of <paramref name="reps"/> n×n·n×n float32 matmuls (2n³ FLOPs), after one warm-up.</summary>
    public static List<double> PeakRates(int n, int reps)
    {
        using var scope = torch.NewDisposeScope();
        torch.manual_seed(0);
        var a = torch.randn(n, n);
        var b = torch.randn(n, n);
        a.matmul(b).Dispose();
        double flops = 2.0 * n * n * n;
        return Enumerable.Range(0, reps).Select(_ => flops / (Timing.Ms(() => a.matmul(b).Dispose()) * 1e6)).ToList();
    }

    /// <summary>ORT time per batch-1 run above which batch 8 gets no separate warm-up and one counted run at least.</summary>
    public const double HeavyMs = 300;

    /// <summary>
    /// FLOPs per batch size: counted at batch 1 and 2 (each a run of the unoptimised graph); where the count doubles, as
    /// for every per-sample convolution and matmul, larger batches are that multiple — a count at batch 8 would cost an
    /// unoptimised run eight times the size. Otherwise each batch is counted on its own.
    /// </summary>
    private static Func<int, long> FlopsPerBatch(Case c)
    {
        long one = CountFlops(c, 1), two = CountFlops(c, 2);
        return two == 2 * one ? batch => batch * one : batch => batch == 1 ? one : batch == 2 ? two : CountFlops(c, batch);
    }

    private static long CountFlops(Case c, int batch)
    {
        using var scope = torch.NewDisposeScope();
        var feeds = c.Inputs(batch).ToDictionary(kv => kv.Key, kv => ToOrt(kv.Value));
        try { return FlopCounter.Of(c.Model, feeds).Flops; }
        finally { foreach (var v in feeds.Values) v.Dispose(); }
    }

    private static InferenceRow Measure(Case c, int batch, long flops, int threads, TimeSpan budget, bool warmUp, int minReps)
    {
        using var scope = torch.NewDisposeScope();
        torch.manual_seed(batch);
        var inputs = c.Inputs(batch);
        using var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL, IntraOpNumThreads = threads };
        using var session = new InferenceSession(OnnxExporter.ToBytes(c.Model), options);
        var feeds = inputs.ToDictionary(kv => kv.Key, kv => ToOrt(kv.Value));
        string outputName = c.Model.Graph.Output[0].Name;
        try
        {
            float[] ortOut = [];
            void Ort()
            {
                using var runOptions = new RunOptions();
                using var results = session.Run(runOptions, feeds.Keys.ToArray(), feeds.Values.ToArray(), [outputName]);
                ortOut = results[0].GetTensorDataAsSpan<float>().ToArray();
            }
            if (c.Torch is null)
            {
                if (warmUp) Ort();
                var times = new List<double>();
                var sw = Stopwatch.StartNew();
                while (times.Count < minReps || (times.Count < 20 && sw.Elapsed < budget)) times.Add(Timing.Ms(Ort));
                return new InferenceRow(c.Name, c.Reference, c.Input, batch, flops, null, Timing.Median(times), times.Count, null, c.TorchPath, c.TorchNote);
            }
            float[] torchOut = [];
            void Torch()
            {
                using var inner = torch.NewDisposeScope();
                using var _ = torch.no_grad();
                torchOut = c.Torch(inputs).contiguous().data<float>().ToArray();
            }
            var (torchMs, ortMs, reps) = Timing.Alternating(Torch, Ort, minReps, 20, budget, warmUp);
            double diff = torchOut.Zip(ortOut, (x, y) => (double)Math.Abs(x - y)).DefaultIfEmpty(double.NaN).Max();
            return new InferenceRow(c.Name, c.Reference, c.Input, batch, flops, torchMs, ortMs, reps, diff, c.TorchPath);
        }
        finally
        {
            foreach (var v in feeds.Values) v.Dispose();
        }
    }

    /// <summary>One profiled ORT run (after a warm-up): the share of node time spent in counted operators (fused forms
    /// included, e.g. Conv+ReLU) and the GFLOP/s inside them.</summary>
    private static OrtProfile Profile(Case c, int batch, int threads, long flops)
    {
        using var scope = torch.NewDisposeScope();
        torch.manual_seed(batch);
        var inputs = c.Inputs(batch);
        var feeds = inputs.ToDictionary(kv => kv.Key, kv => ToOrt(kv.Value));
        string prefix = Path.Combine(Path.GetTempPath(), $"gan-bench-profile-{Environment.ProcessId}");
        using var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL, IntraOpNumThreads = threads, EnableProfiling = true, ProfileOutputPathPrefix = prefix };
        using var session = new InferenceSession(OnnxExporter.ToBytes(c.Model), options);
        using var runOptions = new RunOptions();
        for (int i = 0; i < 2; i++) session.Run(runOptions, feeds.Keys.ToArray(), feeds.Values.ToArray(), [c.Model.Graph.Output[0].Name]).Dispose();
        string file = session.EndProfiling();
        try
        {
            var (counted, total) = ProfileShares(File.ReadAllText(file));
            return new OrtProfile(c.Name, batch, counted / total, flops / (counted * 1e3));
        }
        finally
        {
            File.Delete(file);
            foreach (var v in feeds.Values) v.Dispose();
        }
    }

    /// <summary>Kernel time (µs) in counted operators and in all nodes, during the last model_run of an ORT profile.</summary>
    public static (double CountedMicroseconds, double TotalMicroseconds) ProfileShares(string profileJson)
    {
        using var doc = JsonDocument.Parse(profileJson);
        var events = doc.RootElement.EnumerateArray().ToList();
        var run = events.Last(e => e.GetProperty("name").GetString() == "model_run");
        long start = run.GetProperty("ts").GetInt64(), end = start + run.GetProperty("dur").GetInt64();
        double counted = 0, total = 0;
        foreach (var e in events)
        {
            if (e.GetProperty("cat").GetString() != "Node" || !e.GetProperty("name").GetString()!.EndsWith("_kernel_time", StringComparison.Ordinal)) continue;
            long ts = e.GetProperty("ts").GetInt64();
            if (ts < start || ts > end) continue;
            double dur = e.GetProperty("dur").GetInt64();
            total += dur;
            string op = e.GetProperty("args").TryGetProperty("op_name", out var o) ? o.GetString() ?? "" : "";
            if (op.Contains("Conv", StringComparison.Ordinal) || op.Contains("Gemm", StringComparison.Ordinal) || op.Contains("MatMul", StringComparison.Ordinal)) counted += dur;
        }
        return (counted, total);
    }

    private static OrtValue ToOrt(Tensor t) => t.dtype == ScalarType.Int64
        ? OrtValue.CreateTensorValueFromMemory(t.contiguous().data<long>().ToArray(), t.shape)
        : OrtValue.CreateTensorValueFromMemory(t.contiguous().data<float>().ToArray(), t.shape);

    /// <summary>Issue 16's reference-size generators, randomly initialised (seed 0), in eval mode.</summary>
    private static IEnumerable<Func<Case>> ReferenceCases()
    {
        yield return () => ImageModule(ResultsMarkdown.ResNet9, new ResnetGenerator(3, 3, 64, NormKind.Instance, blocks: 9), 256, "ngf 64, InstanceNorm");
        yield return () => ImageModule("U-Net-256", new UnetGenerator(3, 3, 8, 64), 256, "ngf 64, BatchNorm");
        yield return () => Synthesis(64);
        yield return () => Synthesis(256);
        yield return () =>
        {
            torch.manual_seed(0);
            var g = DcganNetworks.Generator(100, 64, 3, 64);
            g.eval();
            var model = OnnxExporter.Export(g, [new OnnxIo("z", [-1, 100])], [new OnnxIo("image", [-1, 3, 64, 64])]);
            return new Case("DCGAN-64", true, "z 100 → 3×64² (ngf 64)", model, "module",
                b => new() { ["z"] = torch.randn(b, 100) }, i => g.forward(i["z"]), null, g.Dispose);
        };
    }

    private static Case ImageModule(string name, Layer g, int size, string what)
    {
        torch.manual_seed(0);
        g.eval();
        var model = OnnxExporter.Export(g, [new OnnxIo("image", [-1, 3, size, size])], [new OnnxIo("output", [-1, 3, size, size])]);
        return new Case(name, true, $"3×{size}² ({what})", model, "module",
            b => new() { ["image"] = torch.rand(b, 3, size, size) * 2 - 1 }, i => g.forward(i["image"]), null, g.Dispose);
    }

    /// <summary>StyleGAN2 synthesis at NVlabs' 256² paper configuration (w 512, channel base 16384, max 512), const noise.</summary>
    private static Case Synthesis(int resolution)
    {
        torch.manual_seed(0);
        var g = new StyleGan2Generator(new StyleGan2Architecture { Resolution = resolution, ZDim = 512, WDim = 512, ChannelBase = 16384, ChannelMax = 512 });
        g.eval();
        var (synIn, synOut) = StyleGan2ExportFamily.SynthesisIo(g, noiseInputs: false);
        var model = OnnxExporter.Export(g, synIn, synOut, (b, ins) => [g.synthesis.EmitGraph(b, ins[0], null)], graphName: "stylegan2_synthesis");
        int numWs = g.NumWs;
        return new Case($"StyleGAN2 synthesis {resolution}²", true, $"ws {numWs}×512 → 3×{resolution}² (channels {string.Join('/', g.Arch.ChannelTable())})", model, "module",
            b => new() { ["ws"] = torch.randn(b, numWs, 512) }, i => g.synthesis.Forward(i["ws"], NoiseMode.Const), null, g.Dispose);
    }

    /// <summary>Every model folder under <paramref name="models"/>: its "model" graph, or a StyleGAN2's "synthesis".</summary>
    private static IEnumerable<Func<Case>> ShippedCases(string models)
    {
        foreach (var dir in Directory.GetDirectories(models).Order(StringComparer.Ordinal))
        {
            string manifest = Path.Combine(dir, ModelPackage.ManifestFile);
            if (!File.Exists(manifest)) continue;
            using var doc = JsonDocument.Parse(File.ReadAllText(manifest));
            var graph = doc.RootElement.GetProperty("graphs").EnumerateArray()
                .FirstOrDefault(g => g.GetProperty("role").GetString() is "model" or "synthesis");
            if (graph.ValueKind != JsonValueKind.Object) continue;
            string name = Path.GetFileName(dir), file = graph.GetProperty("file").GetString()!;
            yield return () => Shipped(name, Path.Combine(dir, file));
        }
    }

    private static Case Shipped(string name, string path)
    {
        var model = ModelProto.Parser.ParseFrom(File.ReadAllBytes(path));
        var inputs = model.Graph.Input.Where(i => model.Graph.Initializer.All(t => t.Name != i.Name)).ToList();
        string Describe(ValueInfoProto v) => v.Type.TensorType.ElemType == (int)TensorProto.Types.DataType.Int64
            ? $"{v.Name} (int64, zeros)"
            : $"{v.Name} {string.Join('×', v.Type.TensorType.Shape.Dim.Skip(1).Select(d => d.DimValue))}";
        Dictionary<string, Tensor> Make(int batch) => inputs.ToDictionary(v => v.Name, v =>
        {
            var shape = v.Type.TensorType.Shape.Dim.Select((d, i) => i == 0 || d.DimValue <= 0 ? (i == 0 ? batch : 1) : d.DimValue).ToArray();
            return v.Type.TensorType.ElemType == (int)TensorProto.Types.DataType.Int64
                ? torch.zeros(shape, ScalarType.Int64)
                : torch.rand(shape) * 2 - 1;
        });
        OnnxEager? eager = null;
        string? note = null;
        try { eager = new OnnxEager(model); }
        catch (NotSupportedException e) { note = e.Message; }
        return new Case($"{name} ({Path.GetFileName(path)})", false, string.Join(", ", inputs.Select(Describe)), model, "graph",
            Make, eager is null ? null : i => eager.Run(i)[0], note, () => eager?.Dispose());
    }

    private static string LoadAverage()
    {
        try { return string.Join(" / ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3)); }
        catch (IOException) { return "unknown"; }
    }

    private static string CpuModel()
    {
        try
        {
            var line = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal));
            return line?.Split(':', 2)[1].Trim() ?? System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture.ToString();
        }
        catch (IOException) { return System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture.ToString(); }
    }
}
