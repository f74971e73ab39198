using System.Text.Json;
using System.Text.Json.Serialization;
using GanService.Api.Inference;
using GanService.Contracts;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Microsoft.ML.OnnxRuntime;

namespace GanService.Api.Endpoints;

public sealed record OipServerMetadata(string Name, string Version, string[] Extensions);
public sealed record OipLive(bool Live);
public sealed record OipReady(bool Ready);
public sealed record OipModelReady(string Name, bool Ready);
public sealed record OipTensorMetadata(string Name, string Datatype, long[] Shape);
public sealed record OipModelMetadata(string Name, string[] Versions, string Platform, OipTensorMetadata[] Inputs, OipTensorMetadata[] Outputs);

public sealed record OipTensor(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("shape")] long[] Shape,
    [property: JsonPropertyName("datatype")] string Datatype,
    [property: JsonPropertyName("data")] JsonElement Data);

public sealed record OipRequestedOutput([property: JsonPropertyName("name")] string Name);

public sealed record OipInferRequest(
    [property: JsonPropertyName("id")] string? Id,
    [property: JsonPropertyName("inputs")] OipTensor[]? Inputs,
    [property: JsonPropertyName("outputs")] OipRequestedOutput[]? Outputs);

public sealed record OipOutputTensor(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("shape")] long[] Shape,
    [property: JsonPropertyName("datatype")] string Datatype,
    [property: JsonPropertyName("data")] Array Data);

public sealed record OipInferResponse(
    [property: JsonPropertyName("model_name")] string ModelName,
    [property: JsonPropertyName("model_version")] string ModelVersion,
    [property: JsonPropertyName("id")] string? Id,
    [property: JsonPropertyName("outputs")] OipOutputTensor[] Outputs);

/// <summary>
/// Open Inference Protocol V2 (KServe / Triton REST) on the same port. A model is exposed as its main graph: the only
/// graph, or <c>synthesis</c> for StyleGAN models (input ws (B, num_ws, w_dim) → image); the mapping network is reached
/// through /generate. Tensors are JSON (FP32, INT64), flat or nested row-major; shapes must match the graph exactly
/// except dims the graph leaves free (the batch, −1). Errors are problem+json with the OIP "error" member.
/// </summary>
public static class InferenceProtocolEndpoints
{
    public const string Platform = "onnxruntime_onnx", Version = "1";

    public static IEndpointRouteBuilder MapInferenceProtocol(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v2").WithTags("Open Inference Protocol V2");
        group.MapGet("", ServerMetadata).WithName("OipServerMetadata");
        group.MapGet("/health/live", Live).WithName("OipLive");
        group.MapGet("/health/ready", Ready).WithName("OipReady").Produces<OipReady>(StatusCodes.Status503ServiceUnavailable);
        group.MapGet("/models/{name}", ModelMetadata).WithName("OipModelMetadata").ProducesProblem(StatusCodes.Status404NotFound);
        group.MapGet("/models/{name}/ready", ModelReady).WithName("OipModelReady").ProducesProblem(StatusCodes.Status404NotFound);
        group.MapPost("/models/{name}/infer", Infer).WithName("OipInfer")
            .AddEndpointFilter(new RequestMetricsFilter("v2_infer"))
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge).ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .ProducesProblem(StatusCodes.Status429TooManyRequests);
        return app;
    }

    public static Ok<OipServerMetadata> ServerMetadata() =>
        TypedResults.Ok(new OipServerMetadata("ganservice", typeof(InferenceProtocolEndpoints).Assembly.GetName().Version?.ToString() ?? "1.0.0", []));

    public static Ok<OipLive> Live() => TypedResults.Ok(new OipLive(true));

    public static Results<Ok<OipReady>, JsonHttpResult<OipReady>> Ready(ModelRepository models) =>
        models.Names.Count > 0 ? TypedResults.Ok(new OipReady(true)) : TypedResults.Json(new OipReady(false), statusCode: StatusCodes.Status503ServiceUnavailable);

    public static Results<Ok<OipModelMetadata>, ProblemHttpResult> ModelMetadata(string name, ModelRepository models)
    {
        if (!models.TryAcquire(name, out var lease)) return WithError(Problems.UnknownModel(name, models));
        using (lease)
        {
            var spec = lease.Model.Main.Spec;
            return TypedResults.Ok(new OipModelMetadata(name, [Version], Platform,
                [.. spec.Inputs.Select(Metadata)], [.. spec.Outputs.Select(Metadata)]));
        }
    }

    public static Results<Ok<OipModelReady>, ProblemHttpResult> ModelReady(string name, ModelRepository models)
    {
        if (!models.TryAcquire(name, out var lease)) return WithError(Problems.UnknownModel(name, models));
        using (lease) return TypedResults.Ok(new OipModelReady(name, true));
    }

    public static async Task<Results<Ok<OipInferResponse>, ProblemHttpResult>> Infer(
        string name, HttpContext context, ModelRepository models, InferenceGate gate, IOptions<GanOptions> options, CancellationToken cancellation)
    {
        if (!models.TryAcquire(name, out var lease)) return WithError(Problems.UnknownModel(name, models));
        using (lease)
        {
            var request = context.Request;
            long limit = options.Value.MaxRequestBytes;
            if (request.ContentLength > limit) return WithError(Problems.TooLarge(limit));
            if (request.ContentType?.Split(';')[0].Trim().Equals("application/json", StringComparison.OrdinalIgnoreCase) != true)
                return WithError(Problems.Of(StatusCodes.Status415UnsupportedMediaType, "Unsupported media type", "send the inference request as application/json"));
            OipInferRequest? body;
            try { body = await JsonSerializer.DeserializeAsync<OipInferRequest>(request.Body, cancellationToken: cancellation); }
            catch (JsonException e) { return Bad($"the request is not valid OIP JSON: {e.Message}"); }
            catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge) { return WithError(Problems.TooLarge(limit)); }

            var graph = lease.Model.Main;
            if (body?.Inputs is not { Length: > 0 } given) return Bad("inputs: at least one tensor is required");
            var inputs = new List<NamedTensor>();
            foreach (var t in given)
            {
                if (ToTensor(t, graph, out var error) is not { } tensor) return Bad(error!);
                if (inputs.Any(i => i.Name == tensor.Name)) return Bad($"input '{tensor.Name}' is given twice");
                inputs.Add(tensor);
            }
            var missing = graph.Spec.Inputs.Where(s => !graph.IsOptional(s.Name) && inputs.All(i => i.Name != s.Name)).Select(s => s.Name).ToList();
            if (missing.Count > 0) return Bad($"missing inputs: {string.Join(", ", missing)}");
            var wanted = body.Outputs?.Select(o => o.Name).ToList() ?? [.. graph.Spec.Outputs.Select(o => o.Name)];
            if (wanted.FirstOrDefault(w => graph.Spec.Outputs.All(o => o.Name != w)) is { } unknown)
                return Bad($"output '{Problems.Shorten(unknown)}' does not exist; outputs: {string.Join(", ", graph.Spec.Outputs.Select(o => o.Name))}");

            using var slot = await gate.EnterAsync(cancellation);
            if (!slot.Acquired) return WithError(Problems.Busy(context, gate.RetryAfterSeconds));
            IReadOnlyDictionary<string, NamedTensor> outputs;
            try { outputs = graph.Run(inputs, cancellation); }
            catch (OnnxRuntimeException e) { return Bad($"the model refused the inputs: {e.Message}"); }
            var result = wanted.Select(w => outputs[w]).Select(o => new OipOutputTensor(o.Name, o.Shape, o.Floats is not null ? "FP32" : "INT64",
                o.Floats is not null ? o.Floats : o.Longs!)).ToArray();
            return TypedResults.Ok(new OipInferResponse(name, Version, body.Id, result));
        }
    }

    private static OipTensorMetadata Metadata(TensorSpec t) => new(t.Name, Datatype(t.DataType), t.Shape);

    private static string Datatype(string dataType) => dataType == "int64" ? "INT64" : "FP32";

    private static NamedTensor? ToTensor(OipTensor t, OnnxGraph graph, out string? error)
    {
        error = null;
        var spec = graph.Spec.Inputs.FirstOrDefault(s => s.Name == t.Name);
        if (spec is null) { error = $"input '{Problems.Shorten(t.Name ?? "")}' does not exist; inputs: {string.Join(", ", graph.Spec.Inputs.Select(s => s.Name))}"; return null; }
        if (t.Datatype != Datatype(spec.DataType)) { error = $"input '{t.Name}' must have datatype {Datatype(spec.DataType)}, got '{Problems.Shorten(t.Datatype ?? "")}'"; return null; }
        var shape = t.Shape ?? [];
        bool shapeOk = shape.Length == spec.Shape.Length && shape.Zip(spec.Shape).All(p => p.First >= 1 && (p.Second == -1 || p.First == p.Second));
        if (!shapeOk) { error = $"input '{t.Name}' shape [{string.Join(',', shape)}] does not match the graph's [{string.Join(',', spec.Shape)}] (-1 = any)"; return null; }
        long count = shape.Aggregate(1L, (a, d) => a * d);
        var values = new List<JsonElement>();
        if (t.Data.ValueKind != JsonValueKind.Array || !Flatten(t.Data, values, count)) { error = $"input '{t.Name}': data must be an array of numbers"; return null; }
        if (values.Count != count) { error = $"input '{t.Name}': shape [{string.Join(',', shape)}] needs {count} values, got {values.Count}"; return null; }
        try
        {
            return spec.DataType == "int64"
                ? NamedTensor.Of(t.Name, values.Select(v => v.GetInt64()).ToArray(), shape)
                : NamedTensor.Of(t.Name, values.Select(v => v.GetSingle()).ToArray(), shape);
        }
        catch (FormatException) { error = $"input '{t.Name}': a value is not a valid {Datatype(spec.DataType)} number"; return null; }
    }

    /// <summary>Row-major flatten of nested arrays; stops early (false) past <paramref name="max"/> values.</summary>
    private static bool Flatten(JsonElement element, List<JsonElement> into, long max)
    {
        foreach (var item in element.EnumerateArray())
        {
            if (item.ValueKind == JsonValueKind.Array) { if (!Flatten(item, into, max)) return false; }
            else if (item.ValueKind == JsonValueKind.Number) into.Add(item);
            else return false;
            if (into.Count > max) return true;
        }
        return true;
    }

    private static ProblemHttpResult Bad(string detail) => WithError(Problems.BadQuery(detail));

    /// <summary>OIP clients read "error"; keep it next to the RFC 9457 members.</summary>
    private static ProblemHttpResult WithError(ProblemHttpResult problem)
    {
        problem.ProblemDetails.Extensions["error"] = problem.ProblemDetails.Detail;
        return problem;
    }
}
