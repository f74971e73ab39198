using GanService.Tests.Onnx;
using GanService.Training.Export;
using GanService.Training.Families.Gan;
using GanService.Training.Layers;
using GanService.Training.Onnx;
using GanService.Training.Training;
using GanService.Training.Tricks;
using Xunit.Abstractions;

namespace GanService.Tests.Families.Gan;

/// <summary>GAN (MLP), DCGAN 32²/64² and cGAN generators: ORT vs TorchSharp eval ≤ 1e-4 with non-trivial BN stats.</summary>
public class GenerationParityTests(ITestOutputHelper log)
{
    /// <summary>A few training-mode forwards so BatchNorm running stats are not the identity.</summary>
    private static void WarmUp(LatentGenerator g, GenerationOptions o)
    {
        g.train();
        using var _ = torch.no_grad();
        // DCGAN's N(0, 0.02) init makes outputs tiny (Δ trivially small); widen conv weights so the check sees O(1) values.
        foreach (var p in g.parameters().Where(p => p.dim() == 4)) p.normal_(0, 0.15);
        for (int i = 0; i < 3; i++)
            g.Generate(torch.randn(8, o.ZDim) * 1.5 + 0.3, o.Conditional ? torch.randint(0, o.NumClasses, [8], dtype: ScalarType.Int64) : null);
        g.eval();
    }

    private float Check(GenerationOptions o, string label)
    {
        var (g, d, _) = GenerationTrainer.Build(o);
        WarmUp(g, o);
        var (inputs, outputs) = g.OnnxSignature([o.Channels, o.Size, o.Size]);
        torch.manual_seed(123);
        var z = torch.randn(3, o.ZDim);
        var values = new List<(OnnxIo, Tensor)> { (inputs[0], z) };
        Tensor? labels = null;
        if (o.Conditional)
        {
            labels = torch.tensor(new long[] { 0, o.NumClasses - 1, 1 }, ScalarType.Int64);
            values.Add((inputs[1], labels));
        }
        using (torch.no_grad()) log.WriteLine($"{label}: output std {g.Generate(z, labels).std().item<float>():F3}");
        float diff = Parity.MaxAbsDiff(g, values, outputs, t => [g.Generate(t[0], t.Length > 1 ? t[1] : null)], log, label);
        log.WriteLine($"{label}: G {NetworkParameters.Count(g):N0} params, D {NetworkParameters.Count(d):N0} params");
        // D runs on the G output (shape contract between the two).
        using (torch.no_grad())
        {
            var logits = d.Forward(g.Generate(z, labels), labels);
            Assert.Equal(new long[] { 3 }, logits.shape);
        }
        Assert.True(diff <= Parity.Tolerance, $"{label}: {diff}");
        return diff;
    }

    [Fact] public void Mlp_gan_generator_matches_onnx() => Check(new GenerationOptions { Family = "gan", Size = 28, GHidden = [64, 128], DHidden = [64] }, "gan-mlp 28²");
    [Fact] public void Dcgan32_generator_matches_onnx() => Check(new GenerationOptions { Family = "dcgan", Size = 32, Ngf = 16, Ndf = 16 }, "dcgan 32²");
    [Fact] public void Dcgan64_rgb_generator_matches_onnx() => Check(new GenerationOptions { Family = "dcgan", Size = 64, Channels = 3, Ngf = 8, Ndf = 8 }, "dcgan 64² rgb");
    [Fact] public void Cgan_dcgan_concat_generator_matches_onnx() => Check(new GenerationOptions { Family = "cgan", NumClasses = 10, Ngf = 16, Ndf = 16 }, "cgan dcgan concat");
    [Fact] public void Cgan_mlp_projection_generator_matches_onnx() => Check(new GenerationOptions { Family = "cgan", Arch = "mlp", NumClasses = 4, Size = 16, GHidden = [32], DHidden = [32], Conditioning = "projection", EmbedDim = 6 }, "cgan mlp projection");
    [Fact] public void Vbn_generator_matches_onnx() => Check(new GenerationOptions { Family = "dcgan", Ngf = 8, Ndf = 8, VirtualBatchNorm = true }, "dcgan vbn");

    [Fact]
    public void Generator_exports_z_and_label_inputs_with_manifest_roles()
    {
        var o = new GenerationOptions { Family = "cgan", NumClasses = 3, Ngf = 8, ClassNames = ["a", "b", "c"] };
        var (g, _, _) = GenerationTrainer.Build(o);
        var (draft, graphs) = new GenerationExportFamily(o.Family).Export(g, o, "t", new ExportRequest(null));
        var graph = graphs[0];
        Assert.Equal(["z", "label"], graph.Inputs.Select(i => i.Name));
        Assert.Equal(["latent", "label"], graph.Inputs.Select(i => i.Role));
        Assert.Equal("int64", graph.Inputs[1].DataType);
        Assert.Equal(new long[] { -1, 100 }, graph.Inputs[0].Shape);
        Assert.Equal(["a", "b", "c"], draft.Labels);
    }

    [Fact]
    public void BatchNorm1d_and_maxout_match_onnx()
    {
        torch.manual_seed(1);
        var bn = new BatchNorm1d(7);
        bn.train();
        using (torch.no_grad()) for (int i = 0; i < 3; i++) bn.forward(torch.randn(16, 7) * 2 + 1);
        Assert.True(Parity.Layer(bn, torch.randn(5, 7), log, "BatchNorm1d") <= Parity.Tolerance);
        Assert.True(Parity.Layer(new LinearMaxout(6, 4, 5), torch.randn(5, 6), log, "LinearMaxout(5)") <= Parity.Tolerance);
        // maxout semantics: unit j is the max over its k contiguous pieces
        var mo = new LinearMaxout(3, 2, 3);
        var x = torch.randn(4, 3);
        using var _ = torch.no_grad();
        var pieces = mo.linear.forward(x);
        Assert.Equal(pieces[.., 3..6].max(1).values.data<float>().ToArray(), mo.forward(x)[.., 1].data<float>().ToArray());
    }

    [Theory]
    [InlineData("linear")]
    [InlineData("conv")]
    [InlineData("convt")]
    public void Spectral_norm_export_folds_the_normalised_weight(string kind)
    {
        torch.manual_seed(3);
        Layer inner = kind switch { "linear" => new Linear(6, 5), "conv" => new Conv2d(3, 4, 3, 1, 1), _ => new ConvTranspose2d(4, 3, 4, 2, 1) };
        var sn = new SpectralNorm(inner);
        sn.train();
        using (torch.no_grad()) for (int i = 0; i < 5; i++) sn.forward(kind == "linear" ? torch.randn(2, 6) : torch.randn(2, kind == "conv" ? 3 : 4, 5, 5));
        var x = kind == "linear" ? torch.randn(3, 6) : torch.randn(3, kind == "conv" ? 3 : 4, 5, 5);
        Assert.True(Parity.Layer(sn, x, log, $"SpectralNorm({kind})") <= Parity.Tolerance);
        // the trained weight itself is untouched by the export swap
        var before = sn.Weight.detach().clone();
        OnnxExporter.Export(sn, [new OnnxIo("x", [-1, .. x.shape.Skip(1)])], [new OnnxIo("y", [-1])]);
        Assert.True(before.equal(sn.Weight.detach()).all().item<bool>());
    }
}
