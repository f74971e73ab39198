using GanService.Contracts;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace GanService.Inference;

/// <summary>What <see cref="ModelWarmup.Run"/> ran: per graph the batch sizes, the first (coldest) run and all runs.</summary>
public sealed record WarmedGraph(string Role, int[] BatchSizes, double FirstRunMilliseconds, double TotalMilliseconds);

/// <param name="PipelineMilliseconds">One pass of the model's own pipeline (image in or seed in, PNG out).</param>
public sealed record WarmupReport(WarmedGraph[] Graphs, double PipelineMilliseconds, double Seconds);

/// <summary>
/// Runs a freshly loaded model before anyone waits for it, so the first request of each shape does not pay first-run
/// costs: ONNX Runtime's memory planning and arena growth (CPU and CUDA), cuDNN's per-shape algorithm search (CUDA), and
/// the JIT of the image code (resize, normalise, PNG encode). The API runs it before a model is served, so /readyz only
/// says ready after it; the CLI, which runs once, does not.
/// </summary>
public static class ModelWarmup
{
    /// <summary>
    /// The batch sizes a graph is run with by the pipelines: translation runs one image at a time; a generator graph with
    /// a free batch runs every count 1…<paramref name="maxBatch"/> (generate count, interpolation steps, style-mix rows
    /// and columns are all bounded by <see cref="InferenceLimits"/>); a fixed-batch graph only 1. Empty for 0 (no warm-up).
    /// </summary>
    public static IReadOnlyList<int> BatchSizes(OnnxModel model, OnnxGraph graph, int maxBatch) =>
        maxBatch <= 0 ? []
        : model.Manifest.Task == ModelTasks.Generate && graph.HasFreeBatch ? Enumerable.Range(1, maxBatch).ToArray()
        : [1];

    /// <summary>Every graph once per batch size on zeros, then the model's pipeline once (batch 1, PNG at
    /// <paramref name="pngCompressionLevel"/>). Null when <paramref name="maxBatch"/> is 0.</summary>
    public static WarmupReport? Run(OnnxModel model, int maxBatch, int pngCompressionLevel = ImageGrid.DefaultPngCompressionLevel,
        CancellationToken cancellation = default)
    {
        if (maxBatch <= 0) return null;
        var total = System.Diagnostics.Stopwatch.StartNew();
        var graphs = new List<WarmedGraph>();
        foreach (var (role, graph) in model.Graphs.OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            var sizes = BatchSizes(model, graph, maxBatch);
            var times = sizes.Select(b => graph.RunZeros(b, cancellation).TotalMilliseconds).ToArray();
            graphs.Add(new WarmedGraph(role, [.. sizes], Math.Round(times[0], 3), Math.Round(times.Sum(), 3)));
        }
        var pipeline = System.Diagnostics.Stopwatch.StartNew();
        RunPipelineOnce(model, pngCompressionLevel, cancellation);
        return new WarmupReport([.. graphs], Math.Round(pipeline.Elapsed.TotalMilliseconds, 3), Math.Round(total.Elapsed.TotalSeconds, 4));
    }

    /// <summary>Translation: a grey image twice the model's size (so it is resized) in the first target domain; generation:
    /// seeds 0 and 1 with the model's defaults, as a grid (the tiling code is warmed too). The bytes are thrown away.</summary>
    private static void RunPipelineOnce(OnnxModel model, int pngCompressionLevel, CancellationToken cancellation)
    {
        var spec = model.Manifest.Image;
        List<Image<Rgb24>> images;
        if (model.Manifest.Task == ModelTasks.Translate)
        {
            using var input = new Image<Rgb24>(spec.Width * 2, spec.Height * 2, new Rgb24(128, 128, 128));
            int? target = model.Main.Input(TensorRoles.LabelVector) is null ? null : 0;
            images = [GanPipelines.Translate(model, input, ResizePolicy.Fit, target, cancellation)];
        }
        else images = GanPipelines.Generate(model, [0, 1], new GenerateSettings(), cancellation);
        ImageGrid.Encode(images, images.Count, OutputFormat.Png, pngCompressionLevel);
    }
}
