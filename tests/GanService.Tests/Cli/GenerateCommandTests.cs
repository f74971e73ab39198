using GanService.Cli.Commands;
using GanService.Contracts;
using GanService.Inference;
using GanService.Training.Export;
using GanService.Training.Families.Gan;

namespace GanService.Tests.Cli;

public class GenerateCommandTests
{
    private static string ExportRandom(GenerationOptions o, string name)
    {
        var dir = Path.Combine(Path.GetTempPath(), "gen-" + Guid.NewGuid().ToString("N"));
        var (g, _, _) = GenerationTrainer.Build(o);
        var (draft, graphs) = new GenerationExportFamily(o.Family).Export(g, o, name, new ExportRequest(null));
        ModelPackage.Write(Path.Combine(dir, name), draft, graphs);
        return Path.Combine(dir, name);
    }

    [Fact]
    public void Same_seed_gives_the_same_png_bytes_and_the_torch_pixels()
    {
        var o = new GenerationOptions { Family = "cgan", NumClasses = 3, ClassNames = ["a", "b", "c"], Ngf = 8, Seed = 4 };
        var dir = ExportRandom(o, "t-cgan");
        try
        {
            using var m = ModelArguments.Open(dir);
            var label1 = new GenerateSettings(Label: 1);
            var first = GenerateCommand.RenderGrid(m, SeedLatent.ParseSeeds("0-3"), label1, 4);
            Assert.Equal(first, GenerateCommand.RenderGrid(m, SeedLatent.ParseSeeds("0-3"), label1, 4));
            Assert.NotEqual(first, GenerateCommand.RenderGrid(m, SeedLatent.ParseSeeds("4-7"), label1, 4));
            // the ORT pixels are the generator's: z = SeedLatent.Normal(seed, nz), same label
            var (g, _, _) = GenerationTrainer.Build(o);
            g.eval();
            var ort = GanPipelines.GenerateTensor(m, [7u], new GenerateSettings(Label: 2), CancellationToken.None).Floats!;
            using var _ = torch.no_grad();
            var expected = g.Generate(torch.tensor(SeedLatent.Normal(7, o.ZDim), [1, o.ZDim]), torch.tensor(new long[] { 2 })).data<float>().ToArray();
            Assert.True(ort.Zip(expected).Max(p => Math.Abs(p.First - p.Second)) < 1e-4);
            var refused = Assert.Throws<ArgumentException>(() => GanPipelines.Generate(m, [0u], new GenerateSettings(Label: 3), CancellationToken.None));
            Assert.Contains("0=a, 1=b, 2=c", refused.Message);
        }
        finally { Directory.Delete(Path.GetDirectoryName(dir)!, true); }
    }

    [Fact]
    public void Tampered_onnx_is_refused()
    {
        var dir = ExportRandom(new GenerationOptions { Family = "gan", Size = 8, GHidden = [8], DHidden = [8], ZDim = 4 }, "t-gan");
        try
        {
            File.AppendAllText(Path.Combine(dir, "model.onnx"), "x");
            var refused = Assert.Throws<ModelLoadException>(() => ModelArguments.Open(dir));
            Assert.Contains("SHA-256 of 'model.onnx'", refused.Message);
        }
        finally { Directory.Delete(Path.GetDirectoryName(dir)!, true); }
    }
}
