using GanService.Api.Inference;
using GanService.Inference;
using GanService.Contracts;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace GanService.Api.Endpoints;

/// <summary>GET /generate and GET /interpolate: seed(s) → image(s). Deterministic, so cacheable by ETag.</summary>
public static class GenerateEndpoints
{
    public static IEndpointRouteBuilder MapGenerate(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("").WithTags("Generate");
        group.MapGet("/generate", Generate)
            .WithName("Generate")
            .WithSummary("Generate images from seeds")
            .WithDescription("seed → latent with the shared SeedLatent algorithm, so the CLI and the API give identical pixels. " +
                             "count > 1 returns a grid PNG of seeds seed … seed+count−1. Same query ⇒ same bytes: strong ETag computed without inference, " +
                             "If-None-Match (weak comparison) → 304 without running the model; Vary: Accept. " +
                             "Models with manifest-declared controls (InfoGAN's categorical `code` and continuous `c1`, `c2`, …) take each as a query " +
                             "parameter of that name; GET /models/{name} lists a model's controls with their ranges, and a value outside one is a 400.")
            .AddEndpointFilter(new RequestMetricsFilter("generate"))
            .Produces(StatusCodes.Status200OK, contentType: "image/png", additionalContentTypes: ["image/jpeg", "image/webp"])
            .Produces(StatusCodes.Status304NotModified)
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status429TooManyRequests);
        group.MapGet("/interpolate", Interpolate)
            .WithName("Interpolate")
            .WithSummary("Interpolate between two seeds")
            .WithDescription("A strip of `steps` images: linear in z for plain generators, linear in W for StyleGAN models. " +
                             "A model's declared controls (e.g. code, c1) are held at the query's values along the strip.")
            .AddEndpointFilter(new RequestMetricsFilter("interpolate"))
            .Produces(StatusCodes.Status200OK, contentType: "image/png")
            .Produces(StatusCodes.Status304NotModified)
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status429TooManyRequests);
        return app;
    }

    /// <param name="model">A loaded generate model.</param>
    /// <param name="seed">0 … 4294967295 (default 0).</param>
    /// <param name="psi">Truncation ψ in [−1, 2] (models with a psi input; default: the manifest's).</param>
    /// <param name="label">Class name or index (conditional models; default index 0).</param>
    /// <param name="count">1 … 64 (InferenceLimits.MaxCount); more than 1 returns a grid.</param>
    /// <param name="mixSeed">StyleGAN: seed whose w drives layers ≥ mix_cutoff.</param>
    /// <param name="mixCutoff">StyleGAN: first layer taken from mix_seed (default num_ws / 2).</param>
    /// <param name="noise">StyleGAN: const (default, the trained noise buffers), random (seeded by seed) or none (zero noise).</param>
    /// <param name="format">png (default), jpeg, webp.</param>
    /// <param name="class">Alias of label.</param>
    /// <param name="text">Text-to-image models (StackGAN): what to draw, e.g. `a smiling cat`. Lower-cased and split on
    /// non-letters; words outside the model's vocabulary (GET /models/{name}: text.words) are ignored; 400 when none is known,
    /// when it has more known words than text.maxTokens, or over 512 characters. Same text words + seed ⇒ same image.</param>
    /// <param name="trunc">Truncation trick on z (BigGAN and other z → image models): every latent value with |v| &gt; trunc is
    /// resampled, deterministically per seed; a number in [0.04, 4], default none. StyleGAN models take psi instead.</param>
    public static Task<Results<FileContentHttpResult, StatusCodeHttpResult, ProblemHttpResult>> Generate(
        [FromQuery] string? model, [FromQuery] string? seed, [FromQuery] string? psi, [FromQuery] string? label, [FromQuery] string? count,
        [FromQuery(Name = "mix_seed")] string? mixSeed, [FromQuery(Name = "mix_cutoff")] string? mixCutoff, [FromQuery] string? noise,
        [FromQuery] string? format, [FromQuery(Name = "class")] string? @class, HttpContext context, ModelRepository models, InferenceGate gate,
        IOptions<GanOptions> options, CancellationToken cancellation, [FromQuery] string? text = null, [FromQuery] string? trunc = null)
    {
        if (!QueryValues.TryTrunc(trunc, out var truncation, out var truncError))
            return Task.FromResult<Results<FileContentHttpResult, StatusCodeHttpResult, ProblemHttpResult>>(Problems.BadQuery(truncError!));
        label ??= @class;
        if (!QueryValues.TrySeed(seed, "seed", 0, out var first, out var error) ||
            !QueryValues.TryInt(count, "count", 1, InferenceLimits.Default.MaxCount, 1, out var n, out error))
            return Task.FromResult<Results<FileContentHttpResult, StatusCodeHttpResult, ProblemHttpResult>>(Problems.BadQuery(error!));
        if ((ulong)first + (ulong)n - 1 > SeedLatent.MaxSeed)
            return Task.FromResult<Results<FileContentHttpResult, StatusCodeHttpResult, ProblemHttpResult>>(
                Problems.BadQuery($"seeds {first}…{(ulong)first + (ulong)n - 1} run past {SeedLatent.MaxSeed}"));
        var seeds = Enumerable.Range(0, n).Select(i => first + (uint)i).ToList();
        return RunAsync(model, psi, label, mixSeed, mixCutoff, noise, format, context, models, gate, options.Value, columns: ImageGrid.DefaultColumns(n),
            $"generate seed={first} count={n}", (m, settings, timings, ct) => GanPipelines.Generate(m.Model, seeds, settings, ct, timings), cancellation, text, truncation);
    }

    /// <param name="model">A loaded generate model.</param>
    /// <param name="from">Start seed.</param>
    /// <param name="to">End seed.</param>
    /// <param name="steps">2 … 64 images (InferenceLimits.MaxInterpolationSteps; default 8).</param>
    /// <param name="text">Text-to-image models: the text every image of the strip is drawn for (as in /generate).</param>
    public static Task<Results<FileContentHttpResult, StatusCodeHttpResult, ProblemHttpResult>> Interpolate(
        [FromQuery] string? model, [FromQuery] string? from, [FromQuery] string? to, [FromQuery] string? steps,
        [FromQuery] string? psi, [FromQuery] string? label, [FromQuery] string? noise,
        HttpContext context, ModelRepository models, InferenceGate gate, IOptions<GanOptions> options, CancellationToken cancellation,
        [FromQuery] string? text = null)
    {
        if (!QueryValues.TrySeed(from, "from", 0, out var a, out var error) ||
            !QueryValues.TrySeed(to, "to", 1, out var b, out error) ||
            !QueryValues.TryInt(steps, "steps", InferenceLimits.Default.MinInterpolationSteps, InferenceLimits.Default.MaxInterpolationSteps, 8, out var n, out error))
            return Task.FromResult<Results<FileContentHttpResult, StatusCodeHttpResult, ProblemHttpResult>>(Problems.BadQuery(error!));
        return RunAsync(model, psi, label, null, null, noise, "png", context, models, gate, options.Value, columns: n,
            $"interpolate from={a} to={b} steps={n}", (m, settings, timings, ct) => GanPipelines.Interpolate(m.Model, a, b, n, settings, ct, timings), cancellation, text);
    }

    private static async Task<Results<FileContentHttpResult, StatusCodeHttpResult, ProblemHttpResult>> RunAsync(
        string? model, string? psiText, string? labelText, string? mixSeedText, string? mixCutoffText, string? noiseText, string? formatText,
        HttpContext context, ModelRepository models, InferenceGate gate, GanOptions options, int columns, string request,
        Func<LoadedModel, GenerateSettings, StageTimings, CancellationToken, List<SixLabors.ImageSharp.Image<SixLabors.ImageSharp.PixelFormats.Rgb24>>> run,
        CancellationToken cancellation, string? textText = null, float? trunc = null)
    {
        if (string.IsNullOrEmpty(model)) return Problems.BadQuery($"model is required; available: {string.Join(", ", models.Names)}");
        if (!models.TryAcquire(model, out var lease)) return Problems.UnknownModel(model, models);
        using (lease)
        {
            var m = lease.Model;
            if (m.Manifest.Task != ModelTasks.Generate) return Problems.WrongTask(m, ModelTasks.Generate);
            if (Settings(m, psiText, labelText, mixSeedText, mixCutoffText, noiseText, textText, trunc, context.Request.Query, out var error) is not { } settings) return Problems.BadQuery(error!);
            if (!QueryValues.TryFormat(formatText, context.Request, out var format, out error)) return Problems.BadQuery(error!);

            // Every value the bytes depend on, resolved (defaults included), so equal images share one tag.
            var encoding = format == OutputFormat.Png ? $"png-level={options.PngCompressionLevel}" : "";
            var normalised = FormattableString.Invariant(
                $"{request} psi={settings.Psi?.ToString("R") ?? "default"} label={settings.Label} mix={settings.MixSeed}/{settings.MixCutoff} noise={settings.Noise} trunc={settings.Trunc?.ToString("R") ?? "none"} controls={settings.ControlsKey} format={format} columns={columns} {encoding}{TextTag(m, settings.Text)}");
            if (ImageResults.NotModified(context, ImageResults.ETag(m, normalised), variesByAccept: formatText is null))
                return ImageResults.NotModifiedResult();

            using var slot = await gate.EnterAsync(cancellation);
            if (!slot.Acquired) return Problems.Busy(context, gate.RetryAfterSeconds);
            var timings = new StageTimings();
            var bytes = ImageGrid.Encode(run(m, settings, timings, cancellation), columns, format, options.PngCompressionLevel, timings);
            ServerTiming.Write(context, m.Name, timings);
            return TypedResults.File(bytes, ImageCodec.ContentType(format));
        }
    }

    /// <summary>The words a text model reads from the text (equal words ⇒ equal image ⇒ one ETag); empty for other models.</summary>
    private static string TextTag(LoadedModel m, string? text) =>
        m.Manifest.Text is { } spec && text is not null ? " text=" + new TextTokenizer(spec).Read(text).Normalised : "";

    /// <summary>Parses the conditioning query values; what this model can take is the inference library's check.</summary>
    private static GenerateSettings? Settings(LoadedModel m, string? psiText, string? labelText, string? mixSeedText, string? mixCutoffText, string? noiseText,
        string? text, float? trunc, IQueryCollection query, out string? error)
    {
        if (!QueryValues.TryPsi(psiText, out var psi, out error)) return null;

        long? label = null;
        if (!string.IsNullOrEmpty(labelText))
        {
            // A name needs the model's labels to parse; a model without a label input has none, so say that instead.
            if (!m.Model.TakesLabel) label = 0;
            else if (!ModelLabels.TryParse(labelText, m.Manifest.Labels, "label", out var index, out error)) return null;
            else label = index;
        }

        uint? mixSeed = null;
        int? mixCutoff = null;
        if (!string.IsNullOrEmpty(mixSeedText))
        {
            if (!QueryValues.TrySeed(mixSeedText, "mix_seed", 0, out var ms, out error)) return null;
            mixSeed = ms;
        }
        if (!string.IsNullOrEmpty(mixCutoffText))
        {
            if (string.IsNullOrEmpty(mixSeedText)) { error = "mix_cutoff needs mix_seed"; return null; }
            int numWs = m.Manifest.Style?.NumWs ?? 0;
            // Its range is the model's layers; a model without layers to mix is refused below, by the library's check.
            if (!m.Model.IsStyleBased) mixCutoff = 0;
            else if (!QueryValues.TryInt(mixCutoffText, "mix_cutoff", 0, numWs, numWs / 2, out var cutoff, out error)) return null;
            else mixCutoff = cutoff;
        }

        NoiseMode noise;
        switch (noiseText?.ToLowerInvariant())
        {
            case null or "" or "const": noise = NoiseMode.Const; break;
            case "random": noise = NoiseMode.Random; break;
            case "none": noise = NoiseMode.None; break;
            default: error = $"noise must be const, random or none, got '{Problems.Shorten(noiseText)}'"; return null;
        }
        if (!QueryValues.TryControls(m.Manifest, query, out var controls, out error)) return null;
        var settings = new GenerateSettings(psi, label, mixSeed, mixCutoff, noise, text, trunc, controls);
        error = GanPipelines.Problem(m.Model, settings);
        return error is null ? settings : null;
    }
}
