using GanService.Contracts;
using GanService.Tests.Onnx;
using GanService.Training.Families.StackGan;
using GanService.Training.Onnx;
using Xunit.Abstractions;

namespace GanService.Tests.Families.StackGan;

/// <summary>The StackGAN generator (text encoder, both CAs, Stage I, Stage II) as one ONNX graph: ORT vs TorchSharp eval.</summary>
public class StackGanExportTests(ITestOutputHelper log)
{
    private static StackGanOptions Small => new()
    {
        ZDim = 8, ConditionDim = 6, WordDim = 5, TextDim = 7, StageOneWidth = 32, StageTwoWidth = 8, ResidualBlocks = 1,
        DiscriminatorWidth = 8, EncoderWidth = 8, MaxTokens = 5, Vocabulary = ["red", "green", "blue", "circle", "square"],
    };

    /// <summary>Training-mode forwards so BatchNorm running statistics are not the identity, and O(1) conv weights.</summary>
    private static void WarmUp(StackGanGenerator g)
    {
        using var _ = torch.no_grad();
        foreach (var p in g.parameters().Where(p => p.dim() == 4)) p.normal_(0, 0.15);
        g.train();
        for (int i = 0; i < 3; i++)
            g.Generate(torch.randint(1, 6, [8, 5], dtype: ScalarType.Int64), torch.full([8], 5L, ScalarType.Int64), torch.randn(8, g.LatentSize) * 1.3);
        g.eval();
    }

    [Fact]
    public void Generator_graph_matches_torchsharp_with_padding_and_short_captions()
    {
        var o = Small;
        var (g, _, _, _) = StackGanTrainer.Build(o);
        WarmUp(g);
        var (inputs, outputs) = g.OnnxSignature(o.MaxTokens);
        // Rows of different lengths, zero-padded: the padding must not change the mean embedding.
        var ids = torch.tensor(new long[] { 1, 4, 0, 0, 0, 3, 0, 0, 0, 0, 2, 5, 1, 3, 4 }, [3, 5]);
        var lengths = torch.tensor(new long[] { 2, 1, 5 });
        torch.manual_seed(5);
        var z = torch.randn(3, g.LatentSize);
        float diff = Parity.MaxAbsDiff(g, [(inputs[0], ids), (inputs[1], lengths), (inputs[2], z)], outputs,
            t => [g.Generate(t[0], t[1], t[2]).StageTwo], log, "stackgan");
        Assert.True(diff <= Parity.Tolerance, $"max |Δ| {diff}");
    }

    [Fact]
    public void Padding_ids_do_not_change_the_text_embedding()
    {
        var o = Small;
        var (g, _, _, _) = StackGanTrainer.Build(o);
        g.eval();
        using var _ = torch.no_grad();
        var short1 = g.text.Encode(torch.tensor(new long[] { 2, 4, 0, 0, 0 }, [1, 5]), torch.tensor(new long[] { 2 }));
        // The same two words followed by other padding positions; and a different pair for contrast.
        var short2 = g.text.Encode(torch.tensor(new long[] { 4, 2, 0, 0, 0 }, [1, 5]), torch.tensor(new long[] { 2 }));
        var other = g.text.Encode(torch.tensor(new long[] { 1, 3, 0, 0, 0 }, [1, 5]), torch.tensor(new long[] { 2 }));
        Assert.True((short1 - short2).abs().max().item<float>() < 1e-6f, "a bag of words ignores order and padding");
        Assert.True((short1 - other).abs().max().item<float>() > 1e-3f, "different words give a different embedding");
    }

    [Fact]
    public void Export_writes_vocabulary_and_text_roles_into_the_manifest()
    {
        var dir = Directory.CreateTempSubdirectory("stackgan-export").FullName;
        try
        {
            var family = new StackGanExportFamily();
            var (draft, graphs) = family.BuildExport("tiny-stackgan", null, new Dictionary<string, string>
            {
                ["zDim"] = "8", ["conditionDim"] = "6", ["stageOneWidth"] = "32", ["stageTwoWidth"] = "8", ["residualBlocks"] = "1", ["maxTokens"] = "4",
            });
            var manifest = GanService.Training.Export.ModelPackage.Write(dir, draft, graphs);
            Assert.NotNull(manifest.Text);
            Assert.Equal(4, manifest.Text!.MaxTokens);
            Assert.Contains("circle", manifest.Text.Words);
            var inputs = manifest.MainGraph.Inputs;
            Assert.Equal([TensorRoles.Tokens, TensorRoles.TokenLengths, TensorRoles.Latent], inputs.Select(i => i.Role));
            Assert.Equal(8 + 2 * 6, manifest.Latent!.Size);
            Assert.Equal(new long[] { -1, 4 }, inputs[0].Shape);
        }
        finally { Directory.Delete(dir, true); }
    }
}
