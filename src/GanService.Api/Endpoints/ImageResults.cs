using System.Security.Cryptography;
using GanService.Api.Inference;
using GanService.Contracts;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Net.Http.Headers;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace GanService.Api.Endpoints;

/// <summary>Encodes images and applies the cache contract of deterministic GETs.</summary>
public static class ImageResults
{
    public const string CacheControl = "public, max-age=3600";

    /// <summary>Bumped whenever the same query would encode to different bytes (encoder settings, grid layout).</summary>
    private const string RepresentationVersion = "2";

    /// <summary>
    /// Strong ETag of a deterministic image response, computed <em>before</em> inference from what the bytes depend on:
    /// the model's content hash (manifest + graph hashes), the normalised query (every value resolved, defaults
    /// included) and the encoder (ImageSharp's version, <see cref="RepresentationVersion"/>). Same inputs ⇒ same bytes,
    /// so the tag is strong.
    /// </summary>
    public static string ETag(LoadedModel model, string normalisedQuery) =>
        $"\"{Convert.ToHexStringLower(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(
            $"{model.ContentHash}\n{normalisedQuery}\n{RepresentationVersion}/{typeof(Image).Assembly.GetName().Version}")))[..32]}\"";

    /// <summary>Sets the cache headers (ETag, Cache-Control, and Vary: Accept when the format was negotiated) and says
    /// whether If-None-Match matches, by weak comparison as RFC 9110 §13.1.2 requires (W/"x" matches "x").</summary>
    public static bool NotModified(HttpContext context, string etag, bool variesByAccept)
    {
        context.Response.Headers.ETag = etag;
        context.Response.Headers.CacheControl = CacheControl;
        if (variesByAccept) context.Response.Headers.Vary = "Accept";
        var conditions = context.Request.GetTypedHeaders().IfNoneMatch;
        if (conditions is not { Count: > 0 }) return false;
        var ours = new EntityTagHeaderValue(etag);
        return conditions.Any(c => c.Equals(EntityTagHeaderValue.Any) || c.Compare(ours, useStrongComparison: false));
    }

    public static StatusCodeHttpResult NotModifiedResult() => TypedResults.StatusCode(StatusCodes.Status304NotModified);
}
