using GanService.Cli.Commands;
using GanService.Contracts;
using GanService.Inference;
using GanService.Tests.Cli;
using GanService.Training.Export;
using GanService.Training.Families.StackGan;

namespace GanService.Tests.Families.StackGan;

/// <summary>`gan generate --text` on an exported StackGAN: the ONNX pipeline gives the TorchSharp pixels for text + seed,
/// and an empty or unknown text is one clear error line.</summary>
public class StackGanCliTests
{
    [Fact]
    public void Generate_with_text_matches_torchsharp_and_refuses_text_it_cannot_read()
    {
        var o = new StackGanOptions
        {
            ZDim = 6, ConditionDim = 4, WordDim = 4, TextDim = 5, StageOneWidth = 16, StageTwoWidth = 4, ResidualBlocks = 1, MaxTokens = 4,
            Vocabulary = ["red", "green", "circle", "square"], Seed = 2,
        };
        var root = Path.Combine(Path.GetTempPath(), "stackgan-cli-" + Guid.NewGuid().ToString("N"));
        try
        {
            var (g, _, _, _) = StackGanTrainer.Build(o);
            var (draft, graphs) = new StackGanExportFamily().Export(g, o, "t-stackgan", new ExportRequest(null));
            ModelPackage.Write(Path.Combine(root, "t-stackgan"), draft, graphs);
            using (var m = ModelArguments.Open(Path.Combine(root, "t-stackgan")))
            {
                var ort = GanPipelines.GenerateTensor(m, [5u], new GenerateSettings(Text: "A green square!"), CancellationToken.None).Floats!;
                var (_, two) = StackGanTrainer.Generate(g, new TextTokenizer(new TextSpec(o.Vocabulary, o.MaxTokens)), ["green square"], [5u]);
                var expected = two.data<float>().ToArray();
                Assert.True(ort.Zip(expected).Max(p => Math.Abs(p.First - p.Second)) < 1e-4);
            }
            var grid = Path.Combine(root, "grid.png");
            var (exit, _, err) = CommandRunner.Run(GenerateCommand.Create(), "--model", Path.Combine(root, "t-stackgan"), "--text", "red circle", "--seeds", "0-3", "--grid", grid);
            Assert.True(exit == 0, err);
            Assert.True(File.Exists(grid));
            (exit, _, err) = CommandRunner.Run(GenerateCommand.Create(), "--model", Path.Combine(root, "t-stackgan"), "--seeds", "0", "--grid", grid);
            Assert.Equal(2, exit);
            Assert.Contains("error: text is required", err);
            (exit, _, err) = CommandRunner.Run(GenerateCommand.Create(), "--model", Path.Combine(root, "t-stackgan"), "--text", "purple hexagon", "--grid", grid);
            Assert.Equal(2, exit);
            Assert.Contains("no word this model knows", err);
        }
        finally { if (Directory.Exists(root)) Directory.Delete(root, true); }
    }
}
