namespace GanService.Inference;

/// <summary>
/// What one inference call may ask for, the same for `gan generate|interpolate|style-mix|trunc-sweep` and for
/// GET /generate and /interpolate: the pipelines refuse anything beyond it, and the API states the same numbers in its
/// query validation and OpenAPI text. Every call runs its images as one batch, so the image caps bound a call's memory
/// (a 1024² StyleGAN2 batch of 64 is already several GB of activations).
/// </summary>
public sealed record InferenceLimits
{
    /// <summary>The limits the CLI and the API use.</summary>
    public static InferenceLimits Default { get; } = new();

    /// <summary>Images one generate call makes (and cells of a style-mix grid or truncation sweep).</summary>
    public int MaxCount { get; init; } = 64;

    /// <summary>An interpolation has both ends, so at least 2 images.</summary>
    public int MinInterpolationSteps { get; init; } = 2;

    /// <summary>Images one interpolation makes: as many as one generate call, so neither is the cheaper way to the same work.</summary>
    public int MaxInterpolationSteps { get; init; } = 64;

    /// <summary>Truncation ψ: 1 = none, 0 = the average w, negative = the "anti-face"; beyond 2 is only noise.</summary>
    public float MinPsi { get; init; } = -1f;
    public float MaxPsi { get; init; } = 2f;

    /// <summary>Largest output (width × height, before padding; an upscaler's is its input's times the scale²) a model
    /// that takes any size makes whole at the image's own size: a ResNet CycleGAN generator holds a few 256-channel maps
    /// of a quarter of it at once (≈1 GB at this size), an RRDBNet upscaler a few 32–64-channel maps of its output. A
    /// larger image runs tile by tile where the model declares a tile margin, else scaled down to fit
    /// (<see cref="NativeSize"/>).</summary>
    public long MaxNativePixels { get; init; } = 1024 * 1024;

    /// <summary>Largest output an image may make at its own size (width × height × scale²): tiling bounds the memory of
    /// the run, not of its result, so this bounds the 8-bit output image, its encoding and the time. 8192² by default: a
    /// 2048² upload to a ×4 upscaler (about 2 minutes on a CPU) passes; the largest upload the service accepts, 16 MP, would
    /// make 256 MP (768 MB before encoding) and is refused.</summary>
    public long MaxOutputPixels { get; init; } = 8192L * 8192;

    /// <summary>Why an image of <paramref name="width"/> × <paramref name="height"/> making <paramref name="outputWidth"/> ×
    /// <paramref name="outputHeight"/> is refused, or null.</summary>
    public string? OutputProblem(int width, int height, long outputWidth, long outputHeight) =>
        outputWidth * outputHeight <= MaxOutputPixels ? null
            : $"{width}×{height} would make a {outputWidth}×{outputHeight} output ({outputWidth * outputHeight:N0} pixels), over the cap of {MaxOutputPixels:N0} output pixels";

    public string? CountProblem(int count, string name = "count") =>
        count >= 1 && count <= MaxCount ? null : $"{name} must be 1…{MaxCount} images, got {count}";

    public string? StepsProblem(int steps, string name = "steps") =>
        steps >= MinInterpolationSteps && steps <= MaxInterpolationSteps ? null
            : $"{name} must be {MinInterpolationSteps}…{MaxInterpolationSteps}, got {steps}";

    public string? PsiProblem(float psi, string name = "psi") =>
        float.IsFinite(psi) && psi >= MinPsi && psi <= MaxPsi ? null
            : string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{name} must be a number in [{MinPsi}, {MaxPsi}], got {psi}");
}
