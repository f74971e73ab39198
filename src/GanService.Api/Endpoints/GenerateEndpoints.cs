using GanService.Api.Inference;
using GanService.Contracts;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

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
                             "If-None-Match (weak comparison) → 304 without running the model; Vary: Accept.")
            .AddEndpointFilter(new RequestMetricsFilter("generate"))
            .Produces(StatusCodes.Status200OK, contentType: "image/png", additionalContentTypes: ["image/jpeg", "image/webp"])
            .Produces(StatusCodes.Status304NotModified)
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status429TooManyRequests);
        group.MapGet("/interpolate", Interpolate)
            .WithName("Interpolate")
            .WithSummary("Interpolate between two seeds")
            .WithDescription("A strip of `steps` images: linear in z for plain generators, linear in W for StyleGAN models.")
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
    /// <param name="count">1 … 64; more than 1 returns a grid.</param>
    /// <param name="mixSeed">StyleGAN: seed whose w drives layers ≥ mix_cutoff.</param>
    /// <param name="mixCutoff">StyleGAN: first layer taken from mix_seed (default num_ws / 2).</param>
    /// <param name="noise">StyleGAN: const (default, the trained noise buffers), random (seeded by seed) or none (zero noise).</param>
    /// <param name="format">png (default), jpeg, webp.</param>
    /// <param name="class">Alias of label.</param>
    public static Task<Results<FileContentHttpResult, StatusCodeHttpResult, ProblemHttpResult>> Generate(
        [FromQuery] string? model, [FromQuery] string? seed, [FromQuery] string? psi, [FromQuery] string? label, [FromQuery] string? count,
        [FromQuery(Name = "mix_seed")] string? mixSeed, [FromQuery(Name = "mix_cutoff")] string? mixCutoff, [FromQuery] string? noise,
        [FromQuery] string? format, [FromQuery(Name = "class")] string? @class, HttpContext context, ModelRepository models, InferenceGate gate, CancellationToken cancellation)
    {
        label ??= @class;
        if (!QueryValues.TrySeed(seed, "seed", 0, out var first, out var error) ||
            !QueryValues.TryInt(count, "count", 1, QueryValues.MaxCount, 1, out var n, out error))
            return Task.FromResult<Results<FileContentHttpResult, StatusCodeHttpResult, ProblemHttpResult>>(Problems.BadQuery(error!));
        if ((ulong)first + (ulong)n - 1 > SeedLatent.MaxSeed)
            return Task.FromResult<Results<FileContentHttpResult, StatusCodeHttpResult, ProblemHttpResult>>(
                Problems.BadQuery($"seeds {first}…{(ulong)first + (ulong)n - 1} run past {SeedLatent.MaxSeed}"));
        var seeds = Enumerable.Range(0, n).Select(i => first + (uint)i).ToList();
        return RunAsync(model, psi, label, mixSeed, mixCutoff, noise, format, context, models, gate, columns: (int)Math.Ceiling(Math.Sqrt(n)),
            $"generate seed={first} count={n}", (m, settings, ct) => GanPipelines.Generate(m, seeds, settings, ct), cancellation);
    }

    /// <param name="model">A loaded generate model.</param>
    /// <param name="from">Start seed.</param>
    /// <param name="to">End seed.</param>
    /// <param name="steps">2 … 32 images (default 8).</param>
    public static Task<Results<FileContentHttpResult, StatusCodeHttpResult, ProblemHttpResult>> Interpolate(
        [FromQuery] string? model, [FromQuery] string? from, [FromQuery] string? to, [FromQuery] string? steps,
        [FromQuery] string? psi, [FromQuery] string? label, [FromQuery] string? noise,
        HttpContext context, ModelRepository models, InferenceGate gate, CancellationToken cancellation)
    {
        if (!QueryValues.TrySeed(from, "from", 0, out var a, out var error) ||
            !QueryValues.TrySeed(to, "to", 1, out var b, out error) ||
            !QueryValues.TryInt(steps, "steps", 2, QueryValues.MaxSteps, 8, out var n, out error))
            return Task.FromResult<Results<FileContentHttpResult, StatusCodeHttpResult, ProblemHttpResult>>(Problems.BadQuery(error!));
        return RunAsync(model, psi, label, null, null, noise, "png", context, models, gate, columns: n,
            $"interpolate from={a} to={b} steps={n}", (m, settings, ct) => GanPipelines.Interpolate(m, a, b, n, settings, ct), cancellation);
    }

    private static async Task<Results<FileContentHttpResult, StatusCodeHttpResult, ProblemHttpResult>> RunAsync(
        string? model, string? psiText, string? labelText, string? mixSeedText, string? mixCutoffText, string? noiseText, string? formatText,
        HttpContext context, ModelRepository models, InferenceGate gate, int columns, string request,
        Func<LoadedModel, GenerateSettings, CancellationToken, List<SixLabors.ImageSharp.Image<SixLabors.ImageSharp.PixelFormats.Rgb24>>> run,
        CancellationToken cancellation)
    {
        if (string.IsNullOrEmpty(model)) return Problems.BadQuery($"model is required; available: {string.Join(", ", models.Names)}");
        if (!models.TryAcquire(model, out var lease)) return Problems.UnknownModel(model, models);
        using (lease)
        {
            var m = lease.Model;
            if (m.Manifest.Task != ModelTasks.Generate) return Problems.WrongTask(m, ModelTasks.Generate);
            if (Settings(m, psiText, labelText, mixSeedText, mixCutoffText, noiseText, out var error) is not { } settings) return Problems.BadQuery(error!);
            if (!QueryValues.TryFormat(formatText, context.Request, out var format, out error)) return Problems.BadQuery(error!);

            // Every value the bytes depend on, resolved (defaults included), so equal images share one tag.
            var normalised = FormattableString.Invariant(
                $"{request} psi={settings.Psi?.ToString("R") ?? "default"} label={settings.Label} mix={settings.MixSeed}/{settings.MixCutoff} noise={settings.Noise} format={format} columns={columns}");
            if (ImageResults.NotModified(context, ImageResults.ETag(m, normalised), variesByAccept: formatText is null))
                return ImageResults.NotModifiedResult();

            using var slot = await gate.EnterAsync(cancellation);
            if (!slot.Acquired) return Problems.Busy(context, gate.RetryAfterSeconds);
            var bytes = ImageResults.Encode(run(m, settings, cancellation), format, columns);
            return TypedResults.File(bytes, ImageCodec.ContentType(format));
        }
    }

    /// <summary>Validates the conditioning query values against what this model can take.</summary>
    private static GenerateSettings? Settings(LoadedModel m, string? psiText, string? labelText, string? mixSeedText, string? mixCutoffText, string? noiseText, out string? error)
    {
        if (!QueryValues.TryPsi(psiText, out var psi, out error)) return null;
        bool takesPsi = (m.Mapping ?? m.Main).Input(TensorRoles.Psi) is not null;
        if (psi is not null && !takesPsi) { error = $"model '{m.Name}' has no truncation (psi) input"; return null; }

        long? label = null;
        if (!string.IsNullOrEmpty(labelText))
        {
            if ((m.Mapping ?? m.Main).Input(TensorRoles.Label) is null) { error = $"model '{m.Name}' is not conditional; it takes no label"; return null; }
            if (!QueryValues.TryLabel(labelText, m.Manifest.Labels, "label", out var index, out error)) return null;
            label = index;
        }

        uint? mixSeed = null;
        int? mixCutoff = null;
        if (!string.IsNullOrEmpty(mixSeedText) || !string.IsNullOrEmpty(mixCutoffText))
        {
            if (!m.IsStyleBased) { error = $"model '{m.Name}' is not style-based; mix_seed and mix_cutoff do not apply"; return null; }
            if (!QueryValues.TrySeed(mixSeedText, "mix_seed", 0, out var ms, out error)) return null;
            if (string.IsNullOrEmpty(mixSeedText)) { error = "mix_cutoff needs mix_seed"; return null; }
            int numWs = m.Manifest.Style!.NumWs;
            if (!QueryValues.TryInt(mixCutoffText, "mix_cutoff", 0, numWs, numWs / 2, out var cutoff, out error)) return null;
            (mixSeed, mixCutoff) = (ms, cutoff);
        }

        var noise = NoiseMode.Const;
        switch (noiseText?.ToLowerInvariant())
        {
            case null or "" or "const": break;
            case "random" when m.SupportsNoiseModes: noise = NoiseMode.Random; break;
            case "none" when m.SupportsNoiseModes: noise = NoiseMode.None; break;
            case "random" or "none": error = $"model '{m.Name}' has no noise inputs; noise={noiseText!.ToLowerInvariant()} does not apply"; return null;
            default: error = $"noise must be const, random or none, got '{Problems.Shorten(noiseText)}'"; return null;
        }
        return new GenerateSettings(psi, label, mixSeed, mixCutoff, noise);
    }
}
