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
            o.OperationFilter<TranslateUploadFilter>();
        });
        return services;
    }

    /// <summary>The translate handler reads the body itself (multipart or raw image), so describe both forms here.</summary>
    private sealed class TranslateUploadFilter : IOperationFilter
    {
        public void Apply(OpenApiOperation operation, OperationFilterContext context)
        {
            if (operation.OperationId != "Translate") return;
            var binary = new OpenApiSchema { Type = JsonSchemaType.String, Format = "binary" };
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
            if (operation.Responses?.TryGetValue("200", out var ok) == true && ok.Content is not null)
                foreach (var media in ok.Content.Values) media.Schema = binary;
        }
    }
}
