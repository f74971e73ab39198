using System.Text.Json;
using System.Text.Json.Serialization;
using GanService.Api.Auth;
using GanService.Api.Inference;
using GanService.Contracts;
using GanService.Inference;
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
/// except dims the graph leaves free (the batch, −1). Batch and element counts are bounded (413), non-finite inputs are
/// refused (400) and non-finite outputs, which JSON numbers cannot carry, are 422. Errors are problem+json with the OIP
/// "error" member.
/// </summary>
public static class InferenceProtocolEndpoints
{
    public const string Platform = "onnxruntime_onnx", Version = "1";

    public static IEndpointRouteBuilder MapInferenceProtocol(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v2").WithTags("Open Inference Protocol V2");
        group.MapGet("", ServerMetadata).WithName("OipServerMetadata").WithSummary("Server metadata: name, version, extensions").RequireApiKey();
        group.MapGet("/health/live", Live).WithName("OipLive").WithSummary("Server liveness");
        group.MapGet("/health/ready", Ready).WithName("OipReady").WithSummary("Server readiness (503 when not ready)").Produces<OipReady>(StatusCodes.Status503ServiceUnavailable);
        var models = group.MapGroup("/models").RequireApiKey();
        models.MapGet("/{name}", ModelMetadata).WithName("OipModelMetadata").WithSummary("A model's main graph: input and output tensors").ProducesProblem(StatusCodes.Status404NotFound);
        models.MapGet("/{name}/ready", ModelReady).WithName("OipModelReady").WithSummary("Whether a model is loaded and ready").ProducesProblem(StatusCodes.Status404NotFound);
        models.MapPost("/{name}/infer", Infer).WithName("OipInfer").WithSummary("Run a model's main graph on JSON tensors")
            .AddEndpointFilter(new RequestMetricsFilter("v2_infer"))
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge).ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity).ProducesProblem(StatusCodes.Status429TooManyRequests);
        return app;
    }

    public static Ok<OipServerMetadata> ServerMetadata() =>
        TypedResults.Ok(new OipServerMetadata("ganservice", typeof(InferenceProtocolEndpoints).Assembly.GetName().Version?.ToString() ?? "1.0.0", []));

    public static Ok<OipLive> Live() => TypedResults.Ok(new OipLive(true));

    public static Results<Ok<OipReady>, JsonHttpResult<OipReady>> Ready(ModelRepository models, DecodeWatchdog decoder) =>
        HealthEndpoints.NotReadyReason(models, decoder) is null ? TypedResults.Ok(new OipReady(true)) : TypedResults.Json(new OipReady(false), statusCode: StatusCodes.Status503ServiceUnavailable);

    public static Results<Ok<OipModelMetadata>, ProblemHttpResult> ModelMetadata(string name, ModelRepository models)
    {
        if (!models.TryAcquire(name, out var lease)) return WithError(Problems.UnknownModel(name, models));
        using (lease)
        {
            var spec = lease.Model.Model.Main.Spec;
            return TypedResults.Ok(new OipModelMetadata(name, [Version], Platform,
                [.. spec.Inputs.Select(Metadata)], [.. spec.Outputs.Select(Metadata)]));
        }
    }

    public static Results<Ok<OipModelReady>, ProblemHttpResult> ModelReady(string name, ModelRepository models)
    {
        if (!models.TryAcquire(name, out var lease)) return WithError(Problems.UnknownModel(name, models));
        using (lease) return TypedResults.Ok(new OipModelReady(name, true));
    }

    public static async Task<Results<Ok<OipInferResponse>, ProblemHttpResult>> Infer(string name, [AsParameters] InferenceServices services)
    {
        var (context, models, gate, options, cancellation) = (services.Context, services.Models, services.Gate, services.Options, services.Cancellation);
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

            var graph = lease.Model.Model.Main;
            if (body?.Inputs is not { Length: > 0 } given) return Bad("inputs: at least one tensor is required");
            if (OverLimits(given, graph, options.Value) is { } tooLarge)
                return WithError(Problems.Of(StatusCodes.Status413PayloadTooLarge, "Inference request too large", tooLarge));
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
            if (wanted.Select(w => outputs[w]).FirstOrDefault(o => o.Floats is { } f && !AllFinite(f)) is { } bad)
                return WithError(Problems.Of(StatusCodes.Status422UnprocessableEntity, "Non-finite output",
                    $"output '{bad.Name}' has {bad.Floats!.Count(v => !float.IsFinite(v)):N0} non-finite values (NaN or ±Infinity) for these inputs. " +
                    "OIP JSON tensors are JSON numbers, which cannot express them, and the protocol defines no other JSON encoding; " +
                    "keep the inputs in the range the model was trained on"));
            var result = wanted.Select(w => outputs[w]).Select(o => new OipOutputTensor(o.Name, o.Shape, o.Floats is not null ? "FP32" : "INT64",
                o.Floats is not null ? o.Floats : o.Longs!)).ToArray();
            return TypedResults.Ok(new OipInferResponse(name, Version, body.Id, result));
        }
    }

    /// <summary>Batch and element counts are checked from the declared shapes, before any data is read into tensors and
    /// before the model runs: the batch (a free graph dimension) against <see cref="GanOptions.MaxInferBatch"/>, the input
    /// elements and the output elements the graph would produce for that batch against
    /// <see cref="GanOptions.MaxInferElements"/>. Null when within the limits.</summary>
    private static string? OverLimits(OipTensor[] given, OnnxGraph graph, GanOptions limits)
    {
        long batch = 1, elements = 0;
        foreach (var t in given)
        {
            var spec = graph.Spec.Inputs.FirstOrDefault(s => s.Name == t.Name);
            var shape = t.Shape ?? [];
            if (spec is null || shape.Length != spec.Shape.Length || shape.Any(d => d < 1)) continue; // reported as a 400 later
            for (int i = 0; i < shape.Length; i++)
                if (spec.Shape[i] == -1)
                {
                    if (shape[i] > limits.MaxInferBatch)
                        return $"input '{t.Name}' has a batch of {shape[i]:N0}; the limit is {limits.MaxInferBatch:N0} (Gan:MaxInferBatch)";
                    batch = Math.Max(batch, shape[i]);
                }
            // Saturating product: a hostile shape of [2^40, 2^40] must not overflow into a small number.
            elements += shape.Aggregate(1L, (a, d) => a > limits.MaxInferElements || d > limits.MaxInferElements ? limits.MaxInferElements + 1 : a * d);
        }
        if (elements > limits.MaxInferElements)
            return $"the inputs hold {elements:N0} elements; the limit is {limits.MaxInferElements:N0} (Gan:MaxInferElements)";
        long outputs = graph.Spec.Outputs.Sum(o => o.Shape.Aggregate(1L, (a, d) => a * (d == -1 ? batch : d)));
        if (outputs > limits.MaxInferElements)
            return $"the outputs would hold {outputs:N0} elements for a batch of {batch:N0}; the limit is {limits.MaxInferElements:N0} (Gan:MaxInferElements)";
        return null;
    }

    private static bool AllFinite(float[] values)
    {
        foreach (var v in values) if (!float.IsFinite(v)) return false;
        return true;
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
            if (spec.DataType == "int64") return NamedTensor.Of(t.Name, values.Select(v => v.GetInt64()).ToArray(), shape);
            var floats = values.Select(v => v.GetSingle()).ToArray();
            // JSON numbers beyond FP32's range (e.g. 1e39) parse as ±Infinity.
            int at = Array.FindIndex(floats, v => !float.IsFinite(v));
            if (at >= 0) { error = $"input '{t.Name}': value {Problems.Shorten(values[at].GetRawText())} at index {at} is not a finite FP32 number"; return null; }
            return NamedTensor.Of(t.Name, floats, shape);
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
