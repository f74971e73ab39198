using System.Security.Cryptography;
using GanService.Contracts;
using Microsoft.AspNetCore.Http.HttpResults;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace GanService.Api.Endpoints;

/// <summary>Encodes images and applies the cache contract of deterministic GETs.</summary>
public static class ImageResults
{
    public const string CacheControl = "public, max-age=3600";

    public static byte[] Encode(IReadOnlyList<Image<Rgb24>> images, OutputFormat format, int columns)
    {
        try
        {
            if (images.Count == 1) return ImageCodec.Encode(images[0], format);
            using var grid = ImageCodec.Grid(images, columns);
            return ImageCodec.Encode(grid, format);
        }
        finally
        {
            foreach (var image in images) image.Dispose();
        }
    }

    /// <summary>Strong ETag = hash of the bytes (same query ⇒ same bytes); If-None-Match → 304.</summary>
    public static Results<FileContentHttpResult, StatusCodeHttpResult, ProblemHttpResult> Cached(HttpContext context, byte[] bytes, OutputFormat format)
    {
        var etag = $"\"{Convert.ToHexStringLower(SHA256.HashData(bytes))[..32]}\"";
        context.Response.Headers.ETag = etag;
        context.Response.Headers.CacheControl = CacheControl;
        var ifNoneMatch = context.Request.Headers.IfNoneMatch.ToString();
        if (ifNoneMatch.Length > 0 && (ifNoneMatch.Trim() == "*" || ifNoneMatch.Split(',').Any(t => t.Trim() == etag)))
            return TypedResults.StatusCode(StatusCodes.Status304NotModified);
        return TypedResults.File(bytes, ImageCodec.ContentType(format));
    }
}
