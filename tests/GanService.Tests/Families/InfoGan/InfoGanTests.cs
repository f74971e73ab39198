using GanService.Contracts;
using GanService.Tests.Onnx;
using GanService.Training.Data;
using GanService.Training.Export;
using GanService.Training.Families.InfoGan;
using GanService.Training.Onnx;
using Xunit.Abstractions;

namespace GanService.Tests.Families.InfoGan;

/// <summary>InfoGAN: the exported generator against TorchSharp, the controls its manifest declares, and the MI term learning.</summary>
public class InfoGanTests(ITestOutputHelper log)
{
    private static readonly InfoGanOptions Small = new() { ZDim = 12, Categories = 4, Continuous = 2, Ngf = 8, Ndf = 8, Size = 16, QHidden = 16, EmaBeta = 0 };

    [Fact]
    public void Generator_with_code_and_continuous_inputs_matches_onnx()
    {
        var (g, _, _) = InfoGanTrainer.Build(Small);
        g.train();
        using (torch.no_grad())
        {
            foreach (var p in g.parameters().Where(p => p.dim() == 4)) p.normal_(0, 0.15); // O(1) outputs, so the check sees real values
            for (int i = 0; i < 3; i++) g.Generate(torch.randn(8, Small.ZDim), torch.randint(0, Small.Categories, [8], dtype: ScalarType.Int64), torch.rand(8, 2) * 2 - 1);
        }
        g.eval();
        var (inputs, outputs) = g.OnnxSignature([1, 16, 16]);
        Assert.Equal(["z", "code", "c1", "c2"], inputs.Select(i => i.Name));
        torch.manual_seed(5);
        var values = new List<(OnnxIo, Tensor)>
        {
            (inputs[0], torch.randn(3, Small.ZDim)),
            (inputs[1], torch.tensor(new long[] { 0, 3, 1 }, ScalarType.Int64)),
            (inputs[2], torch.tensor(new float[] { -2f, 0.5f, 1.5f }, [3, 1])),
            (inputs[3], torch.tensor(new float[] { 1f, -1f, 0f }, [3, 1])),
        };
        float diff = Parity.MaxAbsDiff(g, values, outputs, t => [g.Generate(t[0], t[1], torch.cat([t[2], t[3]], 1))], log, "infogan G");
        Assert.True(diff <= Parity.Tolerance, $"max |Δ| {diff}");
    }

    [Fact]
    public void Export_declares_the_codes_as_controls_the_manifest_accepts()
    {
        var (g, _, _) = InfoGanTrainer.Build(Small);
        var (draft, graphs) = new InfoGanExportFamily().Export(g, Small, "t-infogan", new ExportRequest(null));
        var graph = graphs[0];
        Assert.Equal([TensorRoles.Latent, TensorRoles.Code, TensorRoles.CodeContinuous, TensorRoles.CodeContinuous], graph.Inputs.Select(i => i.Role));
        Assert.Equal(4, graph.Inputs[1].Control!.Count);
        Assert.Equal(("c1", -2f, 2f), (graph.Inputs[2].Control!.Query, graph.Inputs[2].Control!.Min!.Value, graph.Inputs[2].Control!.Max!.Value));
        var manifest = draft with { Graphs = [new GraphSpec("model", "model.onnx", new string('0', 64), graph.Inputs, graph.Outputs)] };
        Assert.Empty(manifest.Validate());
        Assert.Equal(["code", "c1", "c2"], manifest.Controls.Select(c => c.Control.Query));
    }

    [Fact]
    public void Information_loss_is_cross_entropy_plus_half_squared_error_weighted_by_lambda()
    {
        var o = new InfoGanOptions { Lambda = 1, LambdaContinuous = 0.5 };
        // logits (0, ln 3) for code 1 → p = 3/4 → CE = ln(4/3); means (0.5, 0) vs codes (1, 0) → ½·0.25 = 0.125
        var (loss, ce, nll) = InfoGanTrainer.InformationLoss(o, torch.tensor(new float[] { 0f, (float)Math.Log(3) }, [1, 2]),
            torch.tensor(new float[] { 0.5f, 0f }, [1, 2]), torch.tensor(new long[] { 1 }, ScalarType.Int64), torch.tensor(new float[] { 1f, 0f }, [1, 2]));
        Assert.Equal(Math.Log(4.0 / 3), ce.item<float>(), 5);
        Assert.Equal(0.125, nll.item<float>(), 5);
        Assert.Equal(Math.Log(4.0 / 3) + 0.5 * 0.125, loss.item<float>(), 5);
    }

    /// <summary>How often Q names the categorical code G was given, over 256 fresh codes (chance = 1/K).</summary>
    private static double CodeRecovery(InfoGanTrainer t)
    {
        t.G.eval(); t.D.eval();
        using var _ = torch.no_grad();
        using var scope = torch.NewDisposeScope();
        var (z, code, cont) = t.SampleCodes(256);
        var predicted = t.D.Run(t.G.Generate(z, code, cont)).CodeLogits.argmax(1);
        return predicted.eq(code).to_type(ScalarType.Float32).mean().item<float>();
    }

    private const int Steps = 60;

    [Fact]
    [Trait("Category", "Slow")]
    public void Mutual_information_term_makes_the_categorical_code_recoverable_from_the_image()
    {
        // 256 random 16² images: the MI term does not need realistic data to make G encode c and Q decode it.
        using var threads = TorchThreads.Use(1);
        torch.manual_seed(3);
        using var data = new LabelledImageSet(torch.randint(0, 256, [256, 1, 16, 16], dtype: ScalarType.Byte), null, []);
        using var trainer = new InfoGanTrainer(Small with { Batch = 16 }, data);
        double before = CodeRecovery(trainer);
        var batches = new GanService.Training.Data.IndexBatches(data.Count, 16, 1, 0);
        int steps = 0;
        for (int epoch = 0; steps < Steps; epoch++)
            foreach (var b in batches.Epoch(epoch))
            {
                using var scope = torch.NewDisposeScope();
                trainer.SetInput(b);
                trainer.OptimizeParameters();
                if (++steps >= Steps) break;
            }
        double after = CodeRecovery(trainer);
        log.WriteLine($"code recovered: untrained {before:P1}, after {Steps} steps {after:P1}");
        Assert.True(before < 0.5, $"untrained Q already names the code {before:P1} of the time");
        Assert.True(after > 0.9, $"after training Q names the code only {after:P1} of the time");
    }
}
