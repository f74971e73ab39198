using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace GanService.Api.Hosting;

public static class GanApiDocs
{
    public const string ApiKeyScheme = "ApiKey", BearerScheme = "Bearer";

    /// <summary>Every tag with what its operations are for.</summary>
    public static readonly IReadOnlyDictionary<string, string> Tags = new Dictionary<string, string>
    {
        ["Translate"] = "Image-to-image models (pix2pix, CycleGAN, StarGAN): an image in, an image out.",
        ["Generate"] = "Generators (GAN, DCGAN, cGAN, InfoGAN, BigGAN, StyleGAN2, StackGAN): seeds (and text, labels, controls) in, images out; deterministic and cacheable by ETag.",
        ["Encode"] = "Models with an encoder graph (ALI/BiGAN, adversarial autoencoders): images to latents, reconstructions and interpolations.",
        ["Models"] = "The loaded models, the folders that failed to load and why, manifests, cards (as markdown and as HTML), samples and example inputs.",
        ["Health"] = "Liveness and readiness probes; open even when API keys are on.",
        ["Open Inference Protocol V2"] = "KServe / Triton REST protocol: raw tensors in and out of a model's main graph.",
    };

    /// <summary>One relative server (the host that served the document, wherever it is deployed) and the tag descriptions.</summary>
    private sealed class ServersAndTagsFilter : IDocumentFilter
    {
        public void Apply(OpenApiDocument document, DocumentFilterContext context)
        {
            document.Servers = [new OpenApiServer { Url = "/", Description = "The server that serves this document" }];
            document.Tags = new HashSet<OpenApiTag>(Tags.Select(t => new OpenApiTag { Name = t.Key, Description = t.Value }));
        }
    }

    /// <summary>The security requirement of key-protected routes (none on open ones), and the problem+json answers every
    /// route can give besides its own: 401/403/429 from the keys and their quotas, 503 from the request timeout.</summary>
    private sealed class SecurityAndProblemsFilter : IOperationFilter
    {
        /// <summary>Operations that run a model, so that the request timeout (503) can end them.</summary>
        private static readonly string[] Running = ["Translate", "Generate", "Interpolate", "Encode", "Reconstruct", "InterpolateImages", "OipInfer"];

        public void Apply(OpenApiOperation operation, OperationFilterContext context)
        {
            bool keyed = context.ApiDescription.ActionDescriptor.EndpointMetadata.OfType<Auth.ApiKeyRequired>().Any();
            operation.Security = keyed
                ? [new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(ApiKeyScheme, context.Document)] = [] },
                   new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(BearerScheme, context.Document)] = [] }]
                : [];
            operation.Responses ??= [];
            if (keyed)
            {
                Problem(operation, context, "401", "No API key, or one that matches no configured key (only when the server has keys); WWW-Authenticate says which.");
                if (operation.Parameters?.Any(p => p.Name is "model" or "name") == true)
                    Problem(operation, context, "403", "The key may not use this model (its allow-list, Gan:Auth:Keys:N:Models).");
                Problem(operation, context, "429", "Over the key's quota (Gan:Auth:Keys:N) or, on model routes, every inference slot and queue place is taken; Retry-After says when to retry.");
            }
            if (Running.Contains(operation.OperationId)) Problem(operation, context, "503", "The request took longer than Gan:RequestTimeoutSeconds, or image decoding is jammed; Retry-After says when to retry.");
        }

        private static void Problem(OpenApiOperation operation, OperationFilterContext context, string status, string description)
        {
            var schema = context.SchemaGenerator.GenerateSchema(typeof(Microsoft.AspNetCore.Mvc.ProblemDetails), context.SchemaRepository);
            if (operation.Responses!.TryGetValue(status, out var existing) && existing is OpenApiResponse known)
            {
                known.Description = description;
                return;
            }
            operation.Responses[status] = new OpenApiResponse
            {
                Description = description,
                Content = new Dictionary<string, OpenApiMediaType> { ["application/problem+json"] = new() { Schema = schema } },
            };
        }
    }

    public static IServiceCollection AddGanApiDocs(this IServiceCollection services)
    {
        services.AddEndpointsApiExplorer();
        services.AddSwaggerGen(o =>
        {
            o.SwaggerDoc("v1", new OpenApiInfo
            {
                Title = "GanService API",
                Version = "v1",
                Description = "Serve GANs exported to ONNX: translate images, generate from seeds, Open Inference Protocol V2. Errors are RFC 9457 problem+json. " +
                              "When the server has API keys (Gan:Auth:Keys), model routes need one, as Authorization: Bearer KEY or X-Api-Key: KEY; without keys they are open.",
                // The repository carries no licence file; say so rather than invent one.
                License = new OpenApiLicense { Name = "No licence granted: all rights reserved by the GanService authors" },
            });
            o.AddSecurityDefinition(ApiKeyScheme, new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.ApiKey, In = ParameterLocation.Header, Name = Auth.ApiKeyMiddleware.HeaderName,
                Description = "An API key (Gan:Auth:Keys), in the X-Api-Key header.",
            });
            o.AddSecurityDefinition(BearerScheme, new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.Http, Scheme = "bearer", Description = "The same API key as a bearer token: Authorization: Bearer KEY.",
            });
            o.DocumentFilter<ServersAndTagsFilter>();
            o.OperationFilter<SecurityAndProblemsFilter>();
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
        private static readonly string[] ImageOperations = ["Translate", "Generate", "Interpolate", "GetModelSample", "GetModelExample", "Reconstruct", "InterpolateImages"];
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
                        // Each part's media types: with them, generators (Kiota) type the body as multipart parts rather than
                        // as a JSON-like object they cannot serialize.
                        Encoding = fields.ToDictionary(f => f, _ => new OpenApiEncoding { ContentType = string.Join(", ", Endpoints.TranslateEndpoints.ImageMediaTypes) }),
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
