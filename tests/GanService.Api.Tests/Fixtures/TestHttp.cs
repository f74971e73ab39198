using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace GanService.Api.Tests.Fixtures;

public static class TestHttp
{
    public static MultipartFormDataContent Multipart(byte[] image, string field = "image", string mediaType = "image/png")
    {
        var file = new ByteArrayContent(image);
        file.Headers.ContentType = new MediaTypeHeaderValue(mediaType);
        return new MultipartFormDataContent { { file, field, "upload.png" } };
    }

    public static ByteArrayContent Raw(byte[] data, string mediaType)
    {
        var content = new ByteArrayContent(data);
        content.Headers.ContentType = new MediaTypeHeaderValue(mediaType);
        return content;
    }

    /// <summary>Asserts an RFC 9457 problem with the status; returns its JSON.</summary>
    public static async Task<JsonElement> AssertProblem(HttpResponseMessage response, HttpStatusCode status, string? detailContains = null)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"expected {(int)status}, got {(int)response.StatusCode}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var json = JsonDocument.Parse(body).RootElement;
        Assert.Equal((int)status, json.GetProperty("status").GetInt32());
        var detail = json.GetProperty("detail").GetString();
        Assert.False(string.IsNullOrWhiteSpace(detail));
        if (detailContains is not null) Assert.Contains(detailContains, detail, StringComparison.OrdinalIgnoreCase);
        return json;
    }

    public static async Task<Image<Rgb24>> AssertImage(HttpResponseMessage response, string mediaType = "image/png")
    {
        var bytes = await response.Content.ReadAsByteArrayAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"expected 200, got {(int)response.StatusCode}: {System.Text.Encoding.UTF8.GetString(bytes)}");
        Assert.Equal(mediaType, response.Content.Headers.ContentType?.MediaType);
        return Image.Load<Rgb24>(bytes);
    }

    public static byte[] Pixels(Image<Rgb24> image, int x = 0, int y = 0, int width = -1, int height = -1)
    {
        width = width < 0 ? image.Width : width;
        height = height < 0 ? image.Height : height;
        var result = new byte[width * height * 3];
        for (int row = 0; row < height; row++)
            for (int col = 0; col < width; col++)
            {
                var p = image[x + col, y + row];
                int i = (row * width + col) * 3;
                (result[i], result[i + 1], result[i + 2]) = (p.R, p.G, p.B);
            }
        return result;
    }
}

public static class TestMetrics
{
    /// <summary>The value of one Prometheus sample (0 when the series does not exist yet), read from /metrics.</summary>
    public static async Task<double> Value(HttpClient client, string series)
    {
        var text = await client.GetStringAsync("/metrics");
        foreach (var line in text.Split('\n'))
            if (line.StartsWith(series + " ", StringComparison.Ordinal))
                return double.Parse(line[(series.Length + 1)..], System.Globalization.CultureInfo.InvariantCulture);
        return 0;
    }
}
