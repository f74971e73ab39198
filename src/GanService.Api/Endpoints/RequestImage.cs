using Microsoft.AspNetCore.Http.HttpResults;

namespace GanService.Api.Endpoints;

/// <summary>
/// Reads an uploaded image (multipart field 'image' or a raw image body) under the image limit. The limit is on the
/// image: a multipart body may carry <see cref="GanOptions.MultipartFramingBytes"/> more. Faults of the client's making
/// are answered as such: a body that arrives too slowly 408, malformed multipart 400, form limits 400/413 saying which
/// limit. A client that goes away is not answered at all (the exception propagates and is counted as aborted).
/// </summary>
public static class RequestImage
{
    public static async Task<(byte[]? Data, ProblemHttpResult? Problem)> ReadAsync(HttpRequest request, long limit, CancellationToken cancellation)
    {
        var (data, problem) = await ReadCoreAsync(request, limit, ["image"], allowRawBody: true, cancellation);
        return (data?[0], problem);
    }

    /// <summary>Several uploaded images from a multipart body, one per named field (e.g. 'from' and 'to'), each under the
    /// image limit; the body may carry <see cref="GanOptions.MultipartFramingBytes"/> more per image.</summary>
    public static Task<(byte[][]? Data, ProblemHttpResult? Problem)> ReadFieldsAsync(HttpRequest request, long limit, IReadOnlyList<string> fields, CancellationToken cancellation) =>
        ReadCoreAsync(request, limit, fields, allowRawBody: false, cancellation);

    private static async Task<(byte[][]? Data, ProblemHttpResult? Problem)> ReadCoreAsync(HttpRequest request, long limit, IReadOnlyList<string> fields, bool allowRawBody,
        CancellationToken cancellation)
    {
        bool multipart = request.HasFormContentType;
        if (request.ContentLength > fields.Count * limit + (multipart ? fields.Count * GanOptions.MultipartFramingBytes : 0)) return (null, Problems.ImageTooLarge(limit));
        try
        {
            if (multipart)
            {
                if (!request.ContentType!.StartsWith("multipart/form-data", StringComparison.OrdinalIgnoreCase))
                    return (null, Unsupported(request.ContentType, fields, allowRawBody));
                var form = await request.ReadFormAsync(cancellation);
                var images = new byte[fields.Count][];
                for (int i = 0; i < fields.Count; i++)
                {
                    var file = form.Files.GetFile(fields[i]);
                    if (file is null) return (null, Problems.BadQuery($"multipart field '{fields[i]}' is missing"));
                    if (file.Length > limit) return (null, Problems.ImageTooLarge(limit));
                    using var buffer = new MemoryStream((int)file.Length);
                    await file.CopyToAsync(buffer, cancellation);
                    images[i] = buffer.ToArray();
                    if (images[i].Length == 0) return (null, Problems.BadQuery(fields.Count == 1 ? "the image is empty" : $"the image in field '{fields[i]}' is empty"));
                }
                return (images, null);
            }
            var mediaType = request.ContentType?.Split(';')[0].Trim().ToLowerInvariant();
            if (!allowRawBody || mediaType is null || !TranslateEndpoints.ImageMediaTypes.Contains(mediaType)) return (null, Unsupported(request.ContentType, fields, allowRawBody));
            return await ReadLimitedAsync(request.Body, limit, cancellation) is { } body
                ? body.Length > 0 ? ([body], null) : (null, Problems.BadQuery("the image is empty"))
                : (null, Problems.ImageTooLarge(limit));
        }
        catch (BadHttpRequestException e) when (!request.HttpContext.RequestAborted.IsCancellationRequested) { return (null, FromKestrel(e, limit)); }
        catch (InvalidDataException e) { return (null, FromFormLimit(e.Message, limit)); }
        catch (IOException e) when (!Hosting.ClientFaults.IsClientAbort(request.HttpContext, e) && e is not BadHttpRequestException)
        {
            // The form reader's "Unexpected end of Stream": the body ended before the multipart framing did.
            return (null, Problems.BadQuery($"the multipart body could not be read: {e.Message}"));
        }
    }

    /// <summary>Kestrel's refusals while the body was read: too slow (408), too large (413), malformed framing (400).</summary>
    private static ProblemHttpResult FromKestrel(BadHttpRequestException e, long limit) => e.StatusCode switch
    {
        StatusCodes.Status408RequestTimeout => Problems.Of(StatusCodes.Status408RequestTimeout, "Request body too slow",
            "the request body arrived too slowly (below Kestrel's minimum data rate) and reading it was stopped"),
        StatusCodes.Status413PayloadTooLarge => Problems.ImageTooLarge(limit),
        _ => Problems.Of(e.StatusCode, "Bad request body", e.Message),
    };

    /// <summary>The form reader names the limit it hit; say which, instead of blaming the body size for everything.</summary>
    private static ProblemHttpResult FromFormLimit(string message, long limit)
    {
        if (message.Contains("value count", StringComparison.OrdinalIgnoreCase))
            return Problems.BadQuery($"the form has more than {GanOptions.MaxFormFields} fields; send the image as the field 'image' ({message})");
        if (message.Contains("body length", StringComparison.OrdinalIgnoreCase))
            return Problems.ImageTooLarge(limit);
        if (message.Contains("value length", StringComparison.OrdinalIgnoreCase))
            return Problems.Of(StatusCodes.Status413PayloadTooLarge, "Form field too large", $"a form field is too long ({message})");
        return Problems.BadQuery($"the multipart body could not be read: {message}");
    }

    private static ProblemHttpResult Unsupported(string? contentType, IReadOnlyList<string> fields, bool allowRawBody) => Problems.Of(StatusCodes.Status415UnsupportedMediaType, "Unsupported media type",
        $"content type '{Problems.Shorten(contentType ?? "(none)")}' is not accepted; send multipart/form-data with "
        + (fields.Count == 1 ? $"field '{fields[0]}'" : $"fields {string.Join(" and ", fields.Select(f => $"'{f}'"))}")
        + (allowRawBody ? ", or a raw image/png, image/jpeg or image/webp body" : ""));

    /// <summary>Null when the stream holds more than <paramref name="limit"/> bytes (chunked bodies have no Content-Length).</summary>
    private static async Task<byte[]?> ReadLimitedAsync(Stream body, long limit, CancellationToken cancellation)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = await body.ReadAsync(chunk, cancellation)) > 0)
        {
            if (buffer.Length + read > limit) return null;
            buffer.Write(chunk, 0, read);
        }
        return buffer.ToArray();
    }
}
