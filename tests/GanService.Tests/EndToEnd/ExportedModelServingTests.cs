using GanService.Contracts;
using GanService.Tests.Import;
using GanService.Training.Export;
using GanService.Training.Families.Pix2Pix;
using GanService.Training.Onnx;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace GanService.Tests.EndToEnd;

/// <summary>The whole chain: a TorchSharp generator → our exporter → models/ → the API → the same pixels TorchSharp
/// computes for that image (up to one grey level of rounding).</summary>
public class ExportedModelServingTests
{
    [Fact]
    public async Task Translate_serves_an_exported_unet_with_the_pixels_torchsharp_computes()
    {
        const int size = 32;
        torch.manual_seed(21);
        var g = new UnetGenerator(3, 3, 5, 4);
        g.train();
        using (torch.no_grad()) g.forward(torch.randn(4, 3, size, size)); // move BatchNorm running stats off their init
        g.eval();

        var input = new OnnxIo("image", [-1, 3, size, size]);
        var output = new OnnxIo("output", [-1, 3, size, size]);
        using var tmp = new ImportTestData.TempDir();
        var folder = tmp.Path;
        ModelPackage.Write(Path.Combine(folder, "e2e-unet"), new ModelManifest
        {
            Name = "e2e-unet", Family = "pix2pix", Task = ModelTasks.Translate, Graphs = [],
            Image = new ImageSpec(3, size, size),
        }, [new PackagedGraph("model", "model.onnx", OnnxExporter.Export(g, [input], [output]),
            [ModelPackage.Spec(input, TensorRoles.Image)], [ModelPackage.Spec(output, TensorRoles.Image)])]);

        var rng = new Random(5);
        var pixels = new byte[size * size * 3];
        rng.NextBytes(pixels);
        using var source = Image.LoadPixelData<Rgb24>(pixels, size, size);
        var png = ImageCodec.Encode(source);

        await using var api = await LoopbackApi.StartAsync(folder);
        var body = new ByteArrayContent(png);
        body.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("image/png");
        using var response = await api.Client.PostAsync("translate/e2e-unet", body);
        var servedBytes = await response.Content.ReadAsByteArrayAsync();
        Assert.True(response.IsSuccessStatusCode, System.Text.Encoding.UTF8.GetString(servedBytes));
        using var served = Image.Load<Rgb24>(servedBytes);

        var spec = new ImageSpec(3, size, size);
        float[] expected;
        using (torch.no_grad())
        {
            var x = torch.tensor(ImageCodec.ToTensor(source, spec), [1, 3, size, size]);
            expected = g.forward(x).data<float>().ToArray();
        }
        using var want = ImageCodec.FromTensor(expected, spec);
        var a = Pixels(served);
        var b = Pixels(want);
        Assert.Equal(b.Length, a.Length);
        int maxDiff = a.Zip(b, (p, q) => Math.Abs(p - q)).Max();
        Assert.True(maxDiff <= 1, $"served pixels differ from TorchSharp by up to {maxDiff} levels");
    }

    private static byte[] Pixels(Image<Rgb24> image)
    {
        var pixels = new Rgb24[image.Width * image.Height];
        image.CopyPixelDataTo(pixels);
        return pixels.SelectMany(p => new[] { p.R, p.G, p.B }).ToArray();
    }
}
