using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace GanService.Api.Hosting;

public static class GanApiDocs
{
    public static IServiceCollection AddGanApiDocs(this IServiceCollection services)
    {
        services.AddEndpointsApiExplorer();
        services.AddSwaggerGen(o =>
        {
            o.SwaggerDoc("v1", new OpenApiInfo
            {
                Title = "GanService API",
                Version = "v1",
                Description = "Serve GANs exported to ONNX: translate images, generate from seeds, Open Inference Protocol V2. Errors are RFC 9457 problem+json.",
            });
            var xml = Path.Combine(AppContext.BaseDirectory, "GanService.Api.xml");
            if (File.Exists(xml)) o.IncludeXmlComments(xml);
            o.OperationFilter<BinaryBodiesFilter>();
            o.OperationFilter<ModelControlsFilter>();
        });
        return services;
    }

    /// <summary>
    /// The query parameters of manifest-declared controls (InfoGAN's code, c1, …): they come from the models, not from
    /// the handler's signature, so the document lists the controls of the models loaded when it is generated — each with
    /// the models that declare it and their ranges.
    /// </summary>
    private sealed class ModelControlsFilter(Inference.ModelRepository models) : IOperationFilter
    {
        private static readonly string[] ControlledOperations = ["Generate", "Interpolate"];

        public void Apply(OpenApiOperation operation, OperationFilterContext context)
        {
            if (!ControlledOperations.Contains(operation.OperationId)) return;
            var byQuery = models.Loaded.SelectMany(m => m.Manifest.Controls.Select(c => (Model: m.Name, c.Control)))
                .GroupBy(c => c.Control.Query, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal);
            operation.Parameters ??= [];
            foreach (var group in byQuery)
            {
                if (operation.Parameters.Any(p => p.Name == group.Key)) continue;
                bool categorical = group.All(c => c.Control.Count is not null);
                var ranges = group.Select(c => (c.Control.Count is { } k
                    ? FormattableString.Invariant($"{c.Model}: 0…{k - 1}, default {c.Control.Default}")
                    : FormattableString.Invariant($"{c.Model}: [{c.Control.Min}, {c.Control.Max}], default {c.Control.Default}"))
                    + (c.Control.Description is { } text ? $" ({text})" : ""));
                operation.Parameters.Add(new OpenApiParameter
                {
                    Name = group.Key,
                    In = ParameterLocation.Query,
                    Required = false,
                    Description = "Model control (declared in the model's manifest). " + string.Join("; ", ranges),
                    Schema = new OpenApiSchema { Type = categorical ? JsonSchemaType.Integer : JsonSchemaType.Number },
                });
            }
        }
    }

    /// <summary>Handlers that read the body themselves (translate: multipart or raw image; OIP infer: JSON) and image
    /// responses are described here, since no bound parameter or typed result tells Swashbuckle about them.</summary>
    private sealed class BinaryBodiesFilter : IOperationFilter
    {
        private static readonly string[] ImageOperations = ["Translate", "Generate", "Interpolate", "GetModelSample", "Reconstruct", "InterpolateImages"];
        /// <summary>Operations that take uploaded images, and their multipart fields.</summary>
        private static readonly Dictionary<string, string[]> Uploads = new()
        {
            ["Translate"] = ["image"], ["Encode"] = ["image"], ["Reconstruct"] = ["image"], ["InterpolateImages"] = ["from", "to"],
        };

        public void Apply(OpenApiOperation operation, OperationFilterContext context)
        {
            var binary = new OpenApiSchema { Type = JsonSchemaType.String, Format = "binary" };
            if (operation.OperationId is { } id && Uploads.TryGetValue(id, out var fields))
            {
                var content = new Dictionary<string, OpenApiMediaType>
                {
                    ["multipart/form-data"] = new()
                    {
                        Schema = new OpenApiSchema
                        {
                            Type = JsonSchemaType.Object,
                            Properties = fields.ToDictionary(f => f, _ => (IOpenApiSchema)binary),
                            Required = new HashSet<string>(fields),
                        },
                    },
                };
                if (fields.Length == 1) foreach (var type in Endpoints.TranslateEndpoints.ImageMediaTypes) content[type] = new() { Schema = binary };
                operation.RequestBody = new OpenApiRequestBody
                {
                    Required = true,
                    Description = fields.Length == 1 ? "The image (PNG, JPEG or WebP; at most 16 MP, one frame)." : $"Images in the fields {string.Join(" and ", fields)} (PNG, JPEG or WebP; at most 16 MP each, one frame).",
                    Content = content,
                };
            }
            if (operation.OperationId == "OipInfer")
            {
                var schema = context.SchemaGenerator.GenerateSchema(typeof(Endpoints.OipInferRequest), context.SchemaRepository);
                operation.RequestBody = new OpenApiRequestBody
                {
                    Required = true,
                    Description = "OIP V2 inference request: JSON tensors (FP32, INT64), data flat or nested row-major.",
                    Content = new Dictionary<string, OpenApiMediaType> { ["application/json"] = new() { Schema = schema } },
                };
            }
            if (ImageOperations.Contains(operation.OperationId) && operation.Responses?.TryGetValue("200", out var ok) == true && ok is OpenApiResponse response)
            {
                var types = operation.OperationId is "Translate" or "Generate" ? Endpoints.TranslateEndpoints.ImageMediaTypes : ["image/png"];
                response.Description = "The image";
                response.Content = types.ToDictionary(t => t, _ => new OpenApiMediaType { Schema = binary });
            }
        }
    }
}
