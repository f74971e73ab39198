using GanService.Contracts;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace GanService.Inference;

/// <summary>What <see cref="ModelWarmup.Run"/> ran: per graph the batch sizes, the first (coldest) run and all runs.</summary>
/// <param name="Stopped">Why warming stopped before the largest batch (e.g. out of GPU memory), or null.</param>
public sealed record WarmedGraph(string Role, int[] BatchSizes, double FirstRunMilliseconds, double TotalMilliseconds, string? Stopped = null);

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
    /// The batch sizes a graph is run with by the pipelines: translation runs one image at a time, or up to the graph's
    /// <see cref="OnnxGraph.MaxJoinedBatch"/> when dynamic batching joins requests; a generator graph with a free batch runs
    /// every count 1…<paramref name="maxBatch"/> (generate count, interpolation steps, style-mix rows and columns are all
    /// bounded by <see cref="InferenceLimits"/>); a fixed-batch graph only 1. Empty for 0 (no warm-up).
    /// </summary>
    public static IReadOnlyList<int> BatchSizes(OnnxModel model, OnnxGraph graph, int maxBatch) =>
        maxBatch <= 0 ? []
        : !graph.HasFreeBatch ? [1]
        : model.Manifest.Task == ModelTasks.Generate ? Enumerable.Range(1, maxBatch).ToArray()
        : Enumerable.Range(1, Math.Min(maxBatch, graph.MaxJoinedBatch)).ToArray();

    /// <summary>Every graph once per batch size on zeros, then the model's pipeline once (PNG at
    /// <paramref name="pngCompressionLevel"/>). Null when <paramref name="maxBatch"/> is 0. Throws what ONNX Runtime
    /// throws when a graph cannot run batch 1.</summary>
    public static WarmupReport? Run(OnnxModel model, int maxBatch, int pngCompressionLevel = ImageGrid.DefaultPngCompressionLevel,
        CancellationToken cancellation = default)
    {
        if (maxBatch <= 0) return null;
        var total = System.Diagnostics.Stopwatch.StartNew();
        var graphs = new List<WarmedGraph>();
        foreach (var (role, graph) in model.Graphs.OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            var ran = new List<(int Batch, double Milliseconds)>();
            string? stopped = null;
            foreach (var batch in BatchSizes(model, graph, maxBatch))
            {
                try { ran.Add((batch, graph.RunZeros(batch, cancellation, model.Manifest.Image).TotalMilliseconds)); }
                // Batch 1 must run (a model that cannot is not served); a larger batch that does not fit (a 1024² StyleGAN2
                // at 64 images needs GBs) only ends the warm-up: requests that large would fail alike, smaller ones serve.
                catch (Microsoft.ML.OnnxRuntime.OnnxRuntimeException e) when (batch > 1)
                {
                    stopped = $"batch {batch} failed: {e.Message}";
                    break;
                }
            }
            graphs.Add(new WarmedGraph(role, [.. ran.Select(r => r.Batch)], Math.Round(ran[0].Milliseconds, 3), Math.Round(ran.Sum(r => r.Milliseconds), 3), stopped));
        }
        var pipeline = System.Diagnostics.Stopwatch.StartNew();
        // Two seeds only where every graph ran a batch of two: a model whose larger batches fail must still load.
        RunPipelineOnce(model, graphs.All(g => g.BatchSizes.Contains(2)) ? 2 : 1, pngCompressionLevel, cancellation);
        return new WarmupReport([.. graphs], Math.Round(pipeline.Elapsed.TotalMilliseconds, 3), Math.Round(total.Elapsed.TotalSeconds, 4));
    }

    /// <summary>Translation: a grey image twice the model's size, resized to it (a model that takes any size warms up at
    /// the size it was trained at) in the first target domain; generation:
    /// <paramref name="seeds"/> seeds from 0 with the model's defaults (two make a grid). The bytes are thrown away.</summary>
    private static void RunPipelineOnce(OnnxModel model, int seeds, int pngCompressionLevel, CancellationToken cancellation)
    {
        var spec = model.Manifest.Image;
        List<Image<Rgb24>> images;
        if (model.Manifest.Task == ModelTasks.Translate)
        {
            using var input = new Image<Rgb24>(spec.Width * 2, spec.Height * 2, new Rgb24(128, 128, 128));
            int? target = model.Main.Input(TensorRoles.LabelVector) is null ? null : 0;
            images = [GanPipelines.Translate(model, input, ResizePolicy.Fit, target, cancellation, size: SizeMode.Model)];
        }
        else images = GanPipelines.Generate(model, [.. Enumerable.Range(0, seeds).Select(s => (uint)s)],
            // A text-to-image model needs a text: its first word is as good as any for warming up.
            new GenerateSettings(Text: model.TakesText ? model.Manifest.Text!.Words[0] : null), cancellation);
        ImageGrid.Encode(images, images.Count, OutputFormat.Png, pngCompressionLevel);
    }
}
