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
        });
        return services;
    }

    /// <summary>Handlers that read the body themselves (translate: multipart or raw image; OIP infer: JSON) and image
    /// responses are described here, since no bound parameter or typed result tells Swashbuckle about them.</summary>
    private sealed class BinaryBodiesFilter : IOperationFilter
    {
        private static readonly string[] ImageOperations = ["Translate", "Generate", "Interpolate", "GetModelSample"];

        public void Apply(OpenApiOperation operation, OperationFilterContext context)
        {
            var binary = new OpenApiSchema { Type = JsonSchemaType.String, Format = "binary" };
            if (operation.OperationId == "Translate")
            {
                var content = new Dictionary<string, OpenApiMediaType>
                {
                    ["multipart/form-data"] = new()
                    {
                        Schema = new OpenApiSchema
                        {
                            Type = JsonSchemaType.Object,
                            Properties = new Dictionary<string, IOpenApiSchema> { ["image"] = binary },
                            Required = new HashSet<string> { "image" },
                        },
                    },
                };
                foreach (var type in Endpoints.TranslateEndpoints.ImageMediaTypes) content[type] = new() { Schema = binary };
                operation.RequestBody = new OpenApiRequestBody { Required = true, Description = "The image (PNG, JPEG or WebP; at most 16 MP, one frame).", Content = content };
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
