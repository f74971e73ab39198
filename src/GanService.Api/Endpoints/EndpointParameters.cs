using System.Diagnostics.CodeAnalysis;
using GanService.Api.Inference;
using GanService.Contracts;
using GanService.Inference;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace GanService.Api.Endpoints;

/// <summary>What every inference handler needs from the host, bound once (<c>[AsParameters]</c>) instead of in each
/// handler's signature: the request, the models, the concurrency gate, the decode watchdog and the options.</summary>
public sealed record InferenceServices(
    HttpContext Context, ModelRepository Models, InferenceGate Gate, DecodeWatchdog Decoder, IOptions<GanOptions> Options, CancellationToken Cancellation);

/// <summary>What POST /translate/{model} does with an image, once its query is checked against the model.</summary>
public sealed record TranslateSettings(ResizePolicy Policy, OutputFormat Format, int? TargetIndex, SizeMode Size = SizeMode.Auto);

/// <summary>POST /translate/{model}'s parameters.</summary>
/// <param name="Model">A loaded model name (GET /models).</param>
/// <param name="Target">StarGAN target domain, by name or index (only for models with a label_vector input).</param>
/// <param name="Format">png (default), jpeg or webp; overrides Accept.</param>
/// <param name="Size">native (the image's own size: the default for models that take any size) | fit (letterbox to the
/// model's size: the default for the others) | crop (centre crop) | stretch.</param>
public sealed record TranslateRequest(
    [FromRoute(Name = "model")] string Model,
    [FromQuery(Name = "target")] string? Target,
    [FromQuery(Name = "format")] string? Format,
    [FromQuery(Name = "size")] string? Size)
{
    public bool TryParse(LoadedModel m, HttpRequest request, [NotNullWhen(true)] out TranslateSettings? settings, [NotNullWhen(false)] out ProblemHttpResult? problem)
    {
        settings = null;
        problem = null;
        if (m.Manifest.Task != ModelTasks.Translate) { problem = Problems.WrongTask(m, ModelTasks.Translate); return false; }
        var error = NativeSize.ParseSize(Size, m.Manifest.Image, ResizePolicy.Fit, out var policy, out var size);
        if (error is not null || !QueryValues.TryFormat(Format, request, out var format, out error))
        { problem = Problems.BadQuery(error!); return false; }
        int? targetIndex = null;
        if (m.Model.Main.Input(TensorRoles.LabelVector) is not null)
        {
            if (string.IsNullOrEmpty(Target))
            { problem = Problems.BadQuery($"model '{m.Name}' needs target=<domain>, one of: {string.Join(", ", m.Manifest.Labels)}"); return false; }
            if (!ModelLabels.TryParse(Target, m.Manifest.Labels, "target", out var index, out error)) { problem = Problems.BadQuery(error!); return false; }
            targetIndex = index;
        }
        else if (!string.IsNullOrEmpty(Target)) { problem = Problems.BadQuery($"model '{m.Name}' takes no target domain"); return false; }
        settings = new TranslateSettings(policy, format, targetIndex, size);
        return true;
    }
}

/// <summary>The conditioning values GET /generate and GET /interpolate share, as sent; checked against the model by
/// <see cref="TryParse"/>.</summary>
public sealed record Conditioning(string? Model, string? Psi, string? Label, string? MixSeed, string? MixCutoff, string? Noise, string? Format, string? Text, float? Trunc)
{
    /// <summary>The conditioning parsed for this model (what it can take is the inference library's check), and the
    /// output format; or the 400 that says what to change.</summary>
    public bool TryParse(LoadedModel m, HttpRequest request, [NotNullWhen(true)] out GenerateSettings? settings, out OutputFormat format,
        [NotNullWhen(false)] out ProblemHttpResult? problem)
    {
        format = OutputFormat.Png;
        problem = null;
        settings = null;
        if (m.Manifest.Task != ModelTasks.Generate) { problem = Problems.WrongTask(m, ModelTasks.Generate); return false; }
        if ((settings = Settings(m, request.Query, out var error)) is null || !QueryValues.TryFormat(Format, request, out format, out error))
        {
            settings = null;
            problem = Problems.BadQuery(error!);
            return false;
        }
        return true;
    }

    private GenerateSettings? Settings(LoadedModel m, IQueryCollection query, out string? error)
    {
        if (!QueryValues.TryPsi(Psi, out var psi, out error)) return null;

        long? label = null;
        if (!string.IsNullOrEmpty(Label))
        {
            // A name needs the model's labels to parse; a model without a label input has none, so say that instead.
            if (!m.Model.TakesLabel) label = 0;
            else if (!ModelLabels.TryParse(Label, m.Manifest.Labels, "label", out var index, out error)) return null;
            else label = index;
        }

        uint? mixSeed = null;
        int? mixCutoff = null;
        if (!string.IsNullOrEmpty(MixSeed))
        {
            if (!QueryValues.TrySeed(MixSeed, "mix_seed", 0, out var ms, out error)) return null;
            mixSeed = ms;
        }
        if (!string.IsNullOrEmpty(MixCutoff))
        {
            if (string.IsNullOrEmpty(MixSeed)) { error = "mix_cutoff needs mix_seed"; return null; }
            int numWs = m.Manifest.Style?.NumWs ?? 0;
            // Its range is the model's layers; a model without layers to mix is refused below, by the library's check.
            if (!m.Model.IsStyleBased) mixCutoff = 0;
            else if (!QueryValues.TryInt(MixCutoff, "mix_cutoff", 0, numWs, numWs / 2, out var cutoff, out error)) return null;
            else mixCutoff = cutoff;
        }

        NoiseMode noise;
        switch (Noise?.ToLowerInvariant())
        {
            case null or "" or "const": noise = NoiseMode.Const; break;
            case "random": noise = NoiseMode.Random; break;
            case "none": noise = NoiseMode.None; break;
            default: error = $"noise must be const, random or none, got '{Problems.Shorten(Noise)}'"; return null;
        }
        if (!QueryValues.TryControls(m.Manifest, query, out var controls, out error)) return null;
        var settings = new GenerateSettings(psi, label, mixSeed, mixCutoff, noise, Text, Trunc, controls);
        error = GanPipelines.Problem(m.Model, settings);
        return error is null ? settings : null;
    }
}

/// <summary>What a generate-family request runs once its model-independent values are checked: the images (as a
/// function of the model and the conditioning), the grid's columns and the request's normalised form (for the ETag).</summary>
public sealed record GenerateJob(Conditioning Conditioning, int Columns, string Request,
    Func<LoadedModel, GenerateSettings, StageTimings, CancellationToken, List<SixLabors.ImageSharp.Image<SixLabors.ImageSharp.PixelFormats.Rgb24>>> Run);

/// <summary>GET /generate's parameters.</summary>
/// <param name="Model">A loaded generate model.</param>
/// <param name="Seed">0 … 4294967295 (default 0).</param>
/// <param name="Psi">Truncation ψ in [−1, 2] (models with a psi input; default: the manifest's).</param>
/// <param name="Label">Class name or index (conditional models; default index 0).</param>
/// <param name="Count">1 … 64 (InferenceLimits.MaxCount); more than 1 returns a grid.</param>
/// <param name="MixSeed">StyleGAN: seed whose w drives layers ≥ mix_cutoff.</param>
/// <param name="MixCutoff">StyleGAN: first layer taken from mix_seed (default num_ws / 2).</param>
/// <param name="Noise">StyleGAN: const (default, the trained noise buffers), random (seeded by seed) or none (zero noise).</param>
/// <param name="Format">png (default), jpeg, webp.</param>
/// <param name="Class">Alias of label.</param>
/// <param name="Text">Text-to-image models (StackGAN): what to draw, e.g. `a smiling cat`. Lower-cased and split on
/// non-letters; words outside the model's vocabulary (GET /models/{name}: text.words) are ignored; 400 when none is known,
/// when it has more known words than text.maxTokens, or over 512 characters. Same text words + seed ⇒ same image.</param>
/// <param name="Trunc">Truncation trick on z (BigGAN and other z → image models): every latent value with |v| &gt; trunc is
/// resampled, deterministically per seed; a number in [0.04, 4], default none. StyleGAN models take psi instead.</param>
public sealed record GenerateRequest(
    [FromQuery(Name = "model")] string? Model,
    [FromQuery(Name = "seed")] string? Seed,
    [FromQuery(Name = "psi")] string? Psi,
    [FromQuery(Name = "label")] string? Label,
    [FromQuery(Name = "count")] string? Count,
    [FromQuery(Name = "mix_seed")] string? MixSeed,
    [FromQuery(Name = "mix_cutoff")] string? MixCutoff,
    [FromQuery(Name = "noise")] string? Noise,
    [FromQuery(Name = "format")] string? Format,
    [FromQuery(Name = "class")] string? Class,
    [FromQuery(Name = "text")] string? Text,
    [FromQuery(Name = "trunc")] string? Trunc)
{
    public bool TryParse([NotNullWhen(true)] out GenerateJob? job, [NotNullWhen(false)] out ProblemHttpResult? problem)
    {
        job = null;
        problem = null;
        if (!QueryValues.TryTrunc(Trunc, out var truncation, out var error)
            || !QueryValues.TrySeed(Seed, "seed", 0, out var first, out error)
            || !QueryValues.TryInt(Count, "count", 1, InferenceLimits.Default.MaxCount, 1, out var n, out error))
        { problem = Problems.BadQuery(error!); return false; }
        if ((ulong)first + (ulong)n - 1 > SeedLatent.MaxSeed)
        { problem = Problems.BadQuery($"seeds {first}…{(ulong)first + (ulong)n - 1} run past {SeedLatent.MaxSeed}"); return false; }
        var seeds = Enumerable.Range(0, n).Select(i => first + (uint)i).ToList();
        job = new GenerateJob(new Conditioning(Model, Psi, Label ?? Class, MixSeed, MixCutoff, Noise, Format, Text, truncation),
            ImageGrid.DefaultColumns(n), $"generate seed={first} count={n}",
            (m, settings, timings, ct) => GanPipelines.Generate(m.Model, seeds, settings, ct, timings));
        return true;
    }
}

/// <summary>GET /interpolate's parameters.</summary>
/// <param name="Model">A loaded generate model.</param>
/// <param name="From">Start seed.</param>
/// <param name="To">End seed.</param>
/// <param name="Steps">2 … 64 images (InferenceLimits.MaxInterpolationSteps; default 8).</param>
/// <param name="Psi">Truncation ψ in [−1, 2] (models with a psi input; default: the manifest's).</param>
/// <param name="Label">Class name or index (conditional models; default index 0).</param>
/// <param name="Noise">StyleGAN: const (default), random or none.</param>
/// <param name="Text">Text-to-image models: the text every image of the strip is drawn for (as in /generate).</param>
public sealed record InterpolateRequest(
    [FromQuery(Name = "model")] string? Model,
    [FromQuery(Name = "from")] string? From,
    [FromQuery(Name = "to")] string? To,
    [FromQuery(Name = "steps")] string? Steps,
    [FromQuery(Name = "psi")] string? Psi,
    [FromQuery(Name = "label")] string? Label,
    [FromQuery(Name = "noise")] string? Noise,
    [FromQuery(Name = "text")] string? Text)
{
    public bool TryParse([NotNullWhen(true)] out GenerateJob? job, [NotNullWhen(false)] out ProblemHttpResult? problem)
    {
        job = null;
        problem = null;
        if (!QueryValues.TrySeed(From, "from", 0, out var a, out var error)
            || !QueryValues.TrySeed(To, "to", 1, out var b, out error)
            || !QueryValues.TryInt(Steps, "steps", InferenceLimits.Default.MinInterpolationSteps, InferenceLimits.Default.MaxInterpolationSteps, 8, out var n, out error))
        { problem = Problems.BadQuery(error!); return false; }
        job = new GenerateJob(new Conditioning(Model, Psi, Label, null, null, Noise, "png", Text, null), n, $"interpolate from={a} to={b} steps={n}",
            (m, settings, timings, ct) => GanPipelines.Interpolate(m.Model, a, b, n, settings, ct, timings));
        return true;
    }
}

/// <summary>POST /encode/{model} and POST /reconstruct/{model}'s parameters.</summary>
/// <param name="Model">A loaded model with an encoder graph.</param>
/// <param name="Size">fit (letterbox, default) | crop (centre crop) | stretch: how the upload meets the model's size.</param>
public sealed record EncodeRequest(
    [FromRoute(Name = "model")] string Model,
    [FromQuery(Name = "size")] string? Size)
{
    /// <summary>How the upload is resized for this model, or the 400 for a model without an encoder graph or a bad size.</summary>
    public bool TryParse(LoadedModel m, out ResizePolicy policy, [NotNullWhen(false)] out ProblemHttpResult? problem) =>
        EncodeQuery.TryParse(m, Size, out policy, out problem);
}

/// <summary>POST /interpolate/{model}'s parameters.</summary>
/// <param name="Model">A loaded model with an encoder graph.</param>
/// <param name="Steps">2 … 64 images (default 8).</param>
/// <param name="Size">native (the image's own size: the default for models that take any size) | fit (letterbox to the
/// model's size: the default for the others) | crop (centre crop) | stretch.</param>
public sealed record InterpolateImagesRequest(
    [FromRoute(Name = "model")] string Model,
    [FromQuery(Name = "steps")] string? Steps,
    [FromQuery(Name = "size")] string? Size)
{
    /// <summary>The strip's length, checked before the model is looked up.</summary>
    public bool TrySteps(out int steps, [NotNullWhen(false)] out ProblemHttpResult? problem)
    {
        var limits = InferenceLimits.Default;
        problem = QueryValues.TryInt(Steps, "steps", limits.MinInterpolationSteps, limits.MaxInterpolationSteps, 8, out steps, out var error) ? null : Problems.BadQuery(error!);
        return problem is null;
    }

    public bool TryParse(LoadedModel m, out ResizePolicy policy, [NotNullWhen(false)] out ProblemHttpResult? problem) =>
        EncodeQuery.TryParse(m, Size, out policy, out problem);
}

internal static class EncodeQuery
{
    public static bool TryParse(LoadedModel m, string? size, out ResizePolicy policy, [NotNullWhen(false)] out ProblemHttpResult? problem)
    {
        policy = ResizePolicy.Fit;
        problem = null;
        if (EncoderPipelines.Problem(m.Model) is { } refusal) problem = Problems.BadQuery(refusal);
        else if (!QueryValues.TryResize(size, out policy, out var error)) problem = Problems.BadQuery(error!);
        return problem is null;
    }
}
