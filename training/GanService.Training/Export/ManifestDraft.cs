using GanService.Contracts;
using GanService.Training.Checkpoints;
using GanService.Training.Training;

namespace GanService.Training.Export;

/// <summary>
/// The one place a <see cref="ModelManifest"/> is started — by every export, import and packaged foreign ONNX file.
/// What the graphs already say is read from them, never written a second time, so a manifest cannot disagree with its
/// graphs: the task (the main graph takes an image: translate; else generate), the image (the main graph's image
/// output (B, C, H, W), NCHW, in [-1, 1] unless told otherwise) and the latent size (the first latent input of any
/// graph). The caller adds what only it knows (labels, style, text, source, description) with <c>with</c>.
/// </summary>
/// <summary>What a graph exported with free height and width (<see cref="ImageSpec.AnySize"/>) cannot say itself: the size
/// it was trained at (warm-up, size=fit) and the sizes it takes (<see cref="ImageSpec.SizeMultiple"/>,
/// <see cref="ImageSpec.TileMargin"/>, <see cref="ImageSpec.OutputScale"/>).</summary>
public sealed record FreeSize(int Height, int Width, int Multiple, int? TileMargin = null, int? OutputScale = null);

public static class ManifestDraft
{
    /// <summary>The hash a graph has in a draft: <see cref="ModelPackage.Write"/> hashes each file once written.</summary>
    public static readonly string UnhashedSha256 = new('0', 64);

    /// <summary>The draft of a model whose graphs are described by <paramref name="graphs"/> (hashes included).</summary>
    /// <param name="freeSize">Required when the main graph's image output has free height and width (and refused
    /// otherwise): what the graph cannot say about its size.</param>
    public static ModelManifest Of(string name, string family, IReadOnlyList<GraphSpec> graphs, (float Min, float Max)? range = null,
        FreeSize? freeSize = null)
    {
        var main = ModelManifest.MainGraphOf(graphs);
        var image = main.Outputs.First(t => t.Role == TensorRoles.Image).Shape;
        var latent = graphs.SelectMany(g => g.Inputs).FirstOrDefault(t => t.Role == TensorRoles.Latent);
        var (min, max) = range ?? (-1f, 1f);
        bool free = image[2] < 0 || image[3] < 0;
        if (free != freeSize is not null)
            throw new ArgumentException(free ? $"graph '{main.Role}' has a free image height and width: the draft needs the size it was trained at"
                : $"graph '{main.Role}' has a fixed {image[3]}×{image[2]} image: a free size does not apply");
        return new ModelManifest
        {
            Name = name, Family = family, Graphs = [.. graphs],
            Task = main.Inputs.Any(t => t.Role == TensorRoles.Image) ? ModelTasks.Translate : ModelTasks.Generate,
            Image = freeSize is { } f
                ? new ImageSpec((int)image[1], f.Height, f.Width, min, max, SizeMultiple: f.Multiple, TileMargin: f.TileMargin, OutputScale: f.OutputScale)
                : new ImageSpec((int)image[1], (int)image[2], (int)image[3], min, max),
            Latent = latent is null ? null : new LatentSpec((int)latent.Shape[1]),
        };
    }

    /// <summary>The draft of a model about to be written by <see cref="ModelPackage.Write"/>, which fills in its graphs
    /// with their hashes.</summary>
    public static ModelManifest Of(string name, string family, IReadOnlyList<PackagedGraph> graphs, (float Min, float Max)? range = null,
        FreeSize? freeSize = null) =>
        Of(name, family, graphs.Select(g => g.Spec(UnhashedSha256)).ToArray(), range, freeSize) with { Graphs = [] };

    /// <summary>
    /// A model trained here, from a checkpoint, or randomly initialised (<paramref name="checkpoint"/> null) to check the
    /// export chain: the licence and the training record come from the run's options (<see cref="TrainingProvenance"/>,
    /// <paramref name="steps"/> saying the checkpoint's steps in the family's words); a random init says so in its
    /// description, a trained model gets <paramref name="description"/>.
    /// </summary>
    public static ModelManifest Trained(string name, string family, IReadOnlyList<PackagedGraph> graphs, RunOptions o, string? checkpoint,
        string what, Func<TrainingState, string>? steps = null, string? description = null, FreeSize? freeSize = null) =>
        Of(name, family, graphs, freeSize: freeSize) with
        {
            License = TrainingProvenance.License(o),
            Training = TrainingProvenance.Describe(o, checkpoint, steps),
            Description = checkpoint is null ? RandomInit(what) : description,
        };

    /// <summary>The description of a randomly initialised <paramref name="what"/> ("StyleGAN2", "pix2pix unet_64 …").</summary>
    public static string RandomInit(string what) => $"Randomly initialised {what} (for checking the export chain).";
}
