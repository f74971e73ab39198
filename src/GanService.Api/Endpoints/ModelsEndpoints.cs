using GanService.Api.Auth;
using GanService.Api.Inference;
using GanService.Contracts;
using GanService.Inference;
using Microsoft.AspNetCore.Http.HttpResults;

namespace GanService.Api.Endpoints;

/// <summary>What each capability flag means for the query parameters a client may send.</summary>
/// <param name="Text">The model draws what a text says (GET /generate text=; its words: the manifest's text.words).</param>
/// <param name="Encode">The model has an encoder graph: POST /encode, /reconstruct and /interpolate/{model} take uploads.</param>
/// <param name="Controls">The model's manifest-declared controls (query name, count or range, default), e.g. InfoGAN's code, c1.</param>
public sealed record ModelCapabilities(bool Psi, bool Label, bool Target, bool Noise, bool Mixing, bool Interpolate, bool Text = false, bool Encode = false, ControlSpec[]? Controls = null);

/// <param name="Aliases">other names that serve this model; <paramref name="Reason"/> says why a failed folder failed, or
/// (for a ready model) which of its manifest aliases conflict with other models and are not served.</param>
/// <param name="Headline">the card's headline figure (the text after its "Headline:" line), if it has one.</param>
/// <param name="License">the model's licence (manifest <c>license</c>).</param>
/// <param name="CardUrl">the card rendered as an HTML fragment, if the folder has a card.md.</param>
/// <param name="ExamplesUrl">the list of the folder's example inputs (examples/*.png), if it has any.</param>
public sealed record ModelSummary(
    string Name, string Status, string? Family, string? Task, string? Description, string[] Labels,
    ImageSpec? Image, ModelCapabilities? Capabilities, string? Reason, string Url, string? SampleUrl, string[]? Aliases = null,
    string? Headline = null, string? License = null, string? CardUrl = null, string? ExamplesUrl = null);

public sealed record ModelList(ProviderStatus Provider, ModelSummary[] Models);

/// <summary>One example input shipped with a model: its file name and where to fetch it (PNG).</summary>
public sealed record ModelExampleLink(string Name, string Url);

/// <summary>The example inputs shipped with a model (its folder's examples/*.png, in name order).</summary>
public sealed record ModelExampleList(string Model, ModelExampleLink[] Examples);

/// <param name="Warmup">The runs made before the model was served: per graph the batch sizes and timings.</param>
public sealed record ModelDetail(ModelSummary Summary, ModelManifest? Manifest, string? Card, ProviderStatus Provider, WarmupReport? Warmup = null);

/// <summary>GET /models, /models/{name}, /models/{name}/sample.png, /models/{name}/card, /models/{name}/examples[/{file}].</summary>
public static class ModelsEndpoints
{
    public static IEndpointRouteBuilder MapModels(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/models").WithTags("Models").RequireApiKey();
        group.MapGet("", List).WithName("ListModels").WithSummary("Loaded models, and folders that failed to load with the reason");
        group.MapGet("/{name}", Get).WithName("GetModel").WithSummary("A model's manifest, card (card.md) and sample link").ProducesProblem(StatusCodes.Status404NotFound);
        group.MapGet("/{name}/sample.png", Sample).WithName("GetModelSample").WithSummary("The model folder's samples.png")
            .Produces(StatusCodes.Status200OK, contentType: "image/png").ProducesProblem(StatusCodes.Status404NotFound);
        group.MapGet("/{name}/card", Card).WithName("GetModelCard")
            .WithSummary("The model's card.md as an HTML fragment (raw HTML in the card escaped, only http/https/mailto links, images as their alt text)")
            .Produces<string>(StatusCodes.Status200OK, contentType: "text/html").ProducesProblem(StatusCodes.Status404NotFound);
        group.MapGet("/{name}/examples", Examples).WithName("ListModelExamples")
            .WithSummary("The example inputs shipped with the model (its folder's examples/*.png; empty when it has none)")
            .ProducesProblem(StatusCodes.Status404NotFound);
        group.MapGet("/{name}/examples/{file}", Example).WithName("GetModelExample").WithSummary("One of the model's example inputs")
            .Produces(StatusCodes.Status200OK, contentType: "image/png").ProducesProblem(StatusCodes.Status404NotFound);
        return app;
    }

    public static Ok<ModelList> List(ModelRepository models, SessionFactory sessions) =>
        TypedResults.Ok(new ModelList(sessions.Status, [.. Summaries(models)]));

    // `name` may be an alias or a family key: the detail describes the model it resolved to.

    public static Results<Ok<ModelDetail>, ProblemHttpResult> Get(string name, ModelRepository models, SessionFactory sessions)
    {
        if (models.TryAcquire(name, out var lease))
            using (lease)
                return TypedResults.Ok(new ModelDetail(Summary(lease.Model, models), lease.Model.Manifest, lease.Model.Card, sessions.Status, lease.Model.Warmup));
        if (models.FailureOf(name) is { } failure)
            return TypedResults.Ok(new ModelDetail(Summary(failure), null, null, sessions.Status));
        return Problems.UnknownModel(name, models);
    }

    public static Results<FileContentHttpResult, ProblemHttpResult> Sample(string name, ModelRepository models)
    {
        if (!models.TryAcquire(name, out var lease)) return Problems.UnknownModel(name, models);
        using (lease)
            return lease.Model.Sample is { } png
                ? TypedResults.File(png, "image/png")
                : Problems.Of(StatusCodes.Status404NotFound, "No sample image", $"model '{name}' has no samples.png");
    }

    public static Results<ContentHttpResult, ProblemHttpResult> Card(string name, ModelRepository models)
    {
        if (!models.TryAcquire(name, out var lease)) return Problems.UnknownModel(name, models);
        using (lease)
            return lease.Model.Card is { } card
                ? TypedResults.Content(ModelCardHtml.Render(card), "text/html; charset=utf-8")
                : Problems.Of(StatusCodes.Status404NotFound, "No model card", $"model '{name}' has no card.md");
    }

    public static Results<Ok<ModelExampleList>, ProblemHttpResult> Examples(string name, ModelRepository models)
    {
        if (!models.TryAcquire(name, out var lease)) return Problems.UnknownModel(name, models);
        using (lease)
            return TypedResults.Ok(new ModelExampleList(lease.Model.Name,
                [.. lease.Model.Examples.Select(e => new ModelExampleLink(e.Name, ExampleUrl(lease.Model.Name, e.Name)))]));
    }

    /// <param name="file">an example's name as listed by GET /models/{name}/examples</param>
    public static Results<FileContentHttpResult, ProblemHttpResult> Example(string name, string file, ModelRepository models)
    {
        if (!models.TryAcquire(name, out var lease)) return Problems.UnknownModel(name, models);
        using (lease)
            return lease.Model.Examples.FirstOrDefault(e => e.Name == file) is { } example
                ? TypedResults.File(example.Png, "image/png")
                : Problems.Of(StatusCodes.Status404NotFound, "No such example",
                    $"model '{lease.Model.Name}' has no example '{Problems.Shorten(file)}'; GET /models/{lease.Model.Name}/examples lists them");
    }

    private static string ExampleUrl(string model, string file) => $"/models/{Uri.EscapeDataString(model)}/examples/{Uri.EscapeDataString(file)}";

    private static IEnumerable<ModelSummary> Summaries(ModelRepository models) =>
        models.Loaded.Select(m => Summary(m, models)).Concat(models.Failed.Select(Summary)).OrderBy(s => s.Name, StringComparer.Ordinal);

    private static ModelSummary Summary(LoadedModel m, ModelRepository models) => Summary(m) with
    {
        Aliases = models.Aliases.Where(a => a.Value == m.Name).Select(a => a.Key).ToArray() is { Length: > 0 } served ? served : null,
        Reason = models.AliasConflictOf(m.Name),
    };

    private static ModelSummary Summary(LoadedModel m)
    {
        var model = m.Model;
        var capabilities = new ModelCapabilities(
            Psi: model.TakesPsi,
            Label: model.TakesLabel,
            Target: model.Main.Input(TensorRoles.LabelVector) is not null,
            Noise: model.SupportsNoiseModes,
            Mixing: model.IsStyleBased,
            Interpolate: m.Manifest.Task == ModelTasks.Generate,
            Text: model.TakesText,
            Encode: EncoderPipelines.Problem(model) is null,
            Controls: m.Manifest.Controls.Select(c => c.Control).ToArray() is { Length: > 0 } controls ? controls : null);
        return new ModelSummary(m.Name, "ready", m.Manifest.Family, m.Manifest.Task, m.Manifest.Description, m.Manifest.Labels, m.Manifest.Image,
            capabilities, null, $"/models/{m.Name}", m.Sample is null ? null : $"/models/{m.Name}/sample.png",
            Headline: m.Card is null ? null : ModelCard.Headline(m.Card),
            License: m.Manifest.License,
            CardUrl: m.Card is null ? null : $"/models/{m.Name}/card",
            ExamplesUrl: m.Examples.Count == 0 ? null : $"/models/{m.Name}/examples");
    }

    private static ModelSummary Summary(ModelFailure f) =>
        new(f.Name, "failed", null, null, null, [], null, null, f.Reason, $"/models/{f.Name}", null);
}
