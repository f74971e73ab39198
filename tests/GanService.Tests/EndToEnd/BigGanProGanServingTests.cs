using System.Net;
using GanService.Contracts;
using GanService.Tests.Import;
using GanService.Training.Export;
using GanService.Training.Families.BigGan;
using GanService.Training.Families.ProGan;
using GanService.Training.Training;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace GanService.Tests.EndToEnd;

/// <summary>`gan export progan|biggan` packages served by the API: GET /generate gives the pixels TorchSharp computes for
/// the same seed (BigGAN: label and the truncated z too), and bad trunc values are 400s.</summary>
public class BigGanProGanServingTests
{
    private static byte[] Pixels(Image<Rgb24> image)
    {
        var pixels = new Rgb24[image.Width * image.Height];
        image.CopyPixelDataTo(pixels);
        return pixels.SelectMany(p => new[] { p.R, p.G, p.B }).ToArray();
    }

    private static int MaxDiff(byte[] served, Tensor expected, ImageSpec spec)
    {
        using var want = ImageCodec.FromTensor(expected.contiguous().data<float>().ToArray(), spec);
        var b = Pixels(want);
        Assert.Equal(b.Length, served.Length);
        return served.Zip(b, (p, q) => Math.Abs(p - q)).Max();
    }

    private static async Task<byte[]> Get(LoopbackApi api, string url)
    {
        using var response = await api.Client.GetAsync(url);
        var bytes = await response.Content.ReadAsByteArrayAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{url}: {(int)response.StatusCode} {System.Text.Encoding.UTF8.GetString(bytes)}");
        using var image = Image.Load<Rgb24>(bytes);
        return Pixels(image);
    }

    [Fact]
    public async Task Generate_serves_exported_biggan_and_progan_with_label_and_trunc()
    {
        using var tmp = new ImportTestData.TempDir();
        var bigOverrides = new Dictionary<string, string> { ["size"] = "16", ["channels"] = "3", ["gCh"] = "8", ["zDim"] = "24", ["sharedDim"] = "16", ["numClasses"] = "3", ["attentionResolution"] = "8", ["seed"] = "4" };
        var (bigDraft, bigGraphs) = FamilyRegistry.Get("biggan").BuildExport("e2e-biggan", null, bigOverrides);
        ModelPackage.Write(Path.Combine(tmp.Path, "e2e-biggan"), bigDraft, bigGraphs);
        var proOverrides = new Dictionary<string, string> { ["size"] = "16", ["zDim"] = "16", ["fmapBase"] = "64", ["fmapMax"] = "16", ["seed"] = "5" };
        var (proDraft, proGraphs) = FamilyRegistry.Get("progan").BuildExport("e2e-progan", null, proOverrides);
        ModelPackage.Write(Path.Combine(tmp.Path, "e2e-progan"), proDraft, proGraphs);

        // The same generators in TorchSharp: the export's random init is Build(options) with the same seed.
        var bo = OptionsBinder.Apply(new BigGanOptions(), bigOverrides);
        var (_, _, bigEma) = BigGanTrainer.Build(bo);
        var po = OptionsBinder.Apply(new ProGanOptions(), proOverrides);
        var (_, _, proEma) = ProGanTrainer.Build(po);
        var spec = new ImageSpec(3, 16, 16);

        await using var api = await LoopbackApi.StartAsync(tmp.Path);
        var truncated = await Get(api, "generate?model=e2e-biggan&seed=3&label=2&trunc=0.5");
        using (torch.no_grad())
        {
            var z = torch.tensor(SeedLatent.Normal(3, 24, truncation: 0.5f), [1, 24]);
            var expected = BigGanTrainer.Samples(bigEma, z, torch.tensor(new long[] { 2 }))[0];
            Assert.True(MaxDiff(truncated, expected, spec) <= 1, "BigGAN: served pixels differ from TorchSharp");
            var pz = torch.tensor(SeedLatent.Normal(9, 16), [1, 16]);
            proEma.eval();
            var proExpected = proEma.Forward(pz, proEma.MaxLevel, 1)[0].clamp(-1, 1);
            Assert.True(MaxDiff(await Get(api, "generate?model=e2e-progan&seed=9"), proExpected, spec) <= 1, "ProGAN: served pixels differ from TorchSharp");
        }
        Assert.NotEqual(truncated, await Get(api, "generate?model=e2e-biggan&seed=3&label=2"));
        Assert.NotEqual(truncated, await Get(api, "generate?model=e2e-biggan&seed=3&label=1&trunc=0.5"));
        Assert.Equal(truncated, await Get(api, "generate?model=e2e-biggan&seed=3&label=2&trunc=0.5"));

        foreach (var bad in new[] { "0", "0.01", "5", "abc", "NaN" })
        {
            using var response = await api.Client.GetAsync($"generate?model=e2e-biggan&seed=3&trunc={bad}");
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Contains("trunc", await response.Content.ReadAsStringAsync());
        }
    }
}
