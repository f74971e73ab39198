using System.Net;
using GanService.Contracts;
using GanService.Tests.Repository;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace GanService.Tests.EndToEnd;

/// <summary>
/// What the README's run command serves: the API over the repository's own models/ folder answers every shipped model
/// with an image of the model's size — every translation model on a drawn input (a StarGAN model for each of its
/// targets, and the target must change the output), every generation model for a seed (with a label or a word of its
/// vocabulary where it takes one) — and refuses a target the model does not have.
/// </summary>
public class ShippedZooServingTests
{
    private static string ModelsFolder => Path.Combine(RepositoryLayoutTests.Root(), "models");

    public static TheoryData<string> ShippedModels()
    {
        var data = new TheoryData<string>();
        foreach (var dir in Directory.GetDirectories(ModelsFolder).Order(StringComparer.Ordinal)) data.Add(Path.GetFileName(dir));
        return data;
    }

    /// <summary>A line drawing on white, the kind of input the emoji translation models take: a ring with two eyes.</summary>
    private static byte[] Drawing(int size)
    {
        using var image = new Image<Rgb24>(size, size, new Rgb24(255, 255, 255));
        double c = (size - 1) / 2.0, r = size * 0.38;
        for (int y = 0; y < size; y++)
            for (int x = 0; x < size; x++)
            {
                double d = Math.Sqrt((x - c) * (x - c) + (y - c) * (y - c));
                bool ring = Math.Abs(d - r) < size / 32.0 + 0.5;
                bool eye = Math.Abs(y - c * 0.8) < size / 20.0 && (Math.Abs(x - c * 0.7) < size / 20.0 || Math.Abs(x - c * 1.3) < size / 20.0);
                if (ring || eye) image[x, y] = new Rgb24(0, 0, 0);
            }
        using var ms = new MemoryStream();
        image.SaveAsPng(ms);
        return ms.ToArray();
    }

    private static async Task<Image<Rgb24>> Image(HttpResponseMessage response, string what)
    {
        var bytes = await response.Content.ReadAsByteArrayAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{what}: {(int)response.StatusCode} {System.Text.Encoding.UTF8.GetString(bytes)}");
        Assert.Equal("image/png", response.Content.Headers.ContentType?.MediaType);
        return SixLabors.ImageSharp.Image.Load<Rgb24>(bytes);
    }

    private static byte[] Pixels(Image<Rgb24> image)
    {
        var pixels = new Rgb24[image.Width * image.Height];
        image.CopyPixelDataTo(pixels);
        return pixels.SelectMany(p => new[] { p.R, p.G, p.B }).ToArray();
    }

    [Theory]
    [MemberData(nameof(ShippedModels))]
    public async Task Every_shipped_model_answers_its_request_with_an_image_of_its_size(string name)
    {
        var manifest = ModelManifest.Load(Path.Combine(ModelsFolder, name, "model.json"));
        await using var api = await LoopbackApi.StartAsync(ModelsFolder);
        var (w, h) = (manifest.Image.Width, manifest.Image.Height);
        if (manifest.Task == ModelTasks.Translate)
        {
            var input = Drawing(w);
            string[] targets = manifest.Labels.Length > 0 ? manifest.Labels : [""];
            var outputs = new List<byte[]>();
            foreach (var target in targets)
            {
                string url = target == "" ? $"translate/{name}" : $"translate/{name}?target={target}";
                using var form = new MultipartFormDataContent { { new ByteArrayContent(input) { Headers = { ContentType = new("image/png") } }, "image", "drawing.png" } };
                using var image = await Image(await api.Client.PostAsync(url, form), url);
                // An upscaler returns its input enlarged by its factor; a translator returns its input's size.
                Assert.Equal((w * manifest.Image.Scale, h * manifest.Image.Scale), (image.Width, image.Height));
                outputs.Add(Pixels(image));
            }
            // A multi-domain model's target is wired through: no two targets give the same picture.
            for (int i = 0; i < outputs.Count; i++)
                for (int j = i + 1; j < outputs.Count; j++)
                    Assert.False(outputs[i].SequenceEqual(outputs[j]), $"{name}: targets {targets[i]} and {targets[j]} give the same output");
            if (manifest.Labels.Length > 0)
            {
                using var form = new MultipartFormDataContent { { new ByteArrayContent(input) { Headers = { ContentType = new("image/png") } }, "image", "drawing.png" } };
                using var refused = await api.Client.PostAsync($"translate/{name}?target=no-such-style", form);
                Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
            }
        }
        else
        {
            string url = $"generate?model={name}&seed=7";
            if (manifest.Text is { } text) url += $"&text={Uri.EscapeDataString(text.Words[0])}";
            else if (manifest.Labels.Length > 0) url += $"&label={Uri.EscapeDataString(manifest.Labels[^1])}";
            using var image = await Image(await api.Client.GetAsync(url), url);
            Assert.Equal((w, h), (image.Width, image.Height));
        }
    }
}
