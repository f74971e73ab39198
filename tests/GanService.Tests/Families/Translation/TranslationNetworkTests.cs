using GanService.Tests.Onnx;
using GanService.Training.Families.CycleGan;
using GanService.Training.Families.Pix2Pix;
using GanService.Training.Families.StarGan;
using GanService.Training.Layers;
using GanService.Training.Onnx;
using GanService.Training.Training;
using Xunit.Abstractions;

namespace GanService.Tests.Families.Translation;

/// <summary>Parameter counts equal to the reference networks (trainable parameters, running stats excluded), and
/// ORT-vs-TorchSharp parity of every exportable generator.</summary>
public class TranslationNetworkTests(ITestOutputHelper log)
{
    private void AssertCount(nn.Module m, long expected, string label)
    {
        long n = NetworkParameters.Count(m);
        log.WriteLine($"{label}: {n:N0} parameters");
        Assert.Equal(expected, n);
    }

    [Fact]
    public void ResnetGenerator_9_blocks_has_reference_parameter_count() =>
        AssertCount(new ResnetGenerator(3, 3, 64, NormKind.Instance, blocks: 9), 11_378_179, "resnet_9blocks ngf64 instance");

    [Fact]
    public void ResnetGenerator_6_blocks_has_reference_parameter_count() =>
        // 9-block count minus 3 residual blocks of 2 × (256·256·9 + 256).
        AssertCount(new ResnetGenerator(3, 3, 64, NormKind.Instance, blocks: 6), 11_378_179 - 3 * 2 * (256 * 256 * 9 + 256), "resnet_6blocks ngf64 instance");

    [Fact]
    public void UnetGenerator_256_has_reference_parameter_count() =>
        AssertCount(new UnetGenerator(3, 3, 8, 64, NormKind.Batch), 54_413_955, "unet_256 ngf64 batch");

    [Fact]
    public void PatchDiscriminator_70_has_reference_parameter_count() =>
        AssertCount(new PatchDiscriminator(6, 64, 3, NormKind.Batch), 2_768_705, "PatchGAN 70x70 ndf64 in6 batch");

    [Fact]
    public void PixelDiscriminator_has_reference_parameter_count() =>
        // 6·64+64, 64·128 (no bias with BN) + BN 2·128, 128·1 (no bias).
        AssertCount(new PixelDiscriminator(6, 64, NormKind.Batch), 6 * 64 + 64 + 64 * 128 + 256 + 128, "PixelGAN ndf64 in6 batch");

    [Fact]
    public void StarGanGenerator_has_reference_parameter_count() =>
        AssertCount(new StarGanGenerator(5, 64, 6), 8_430_528, "StarGAN G conv64 c5 r6");

    [Fact]
    public void StarGanDiscriminator_has_reference_parameter_count()
    {
        // 128², 6 layers: Σ convs with bias 3→64→…→2048, conv1 3×3 2048→1, conv2 2×2 2048→5 (yunjey/stargan defaults).
        long expected = 0, dim = 3, next = 64;
        for (int i = 0; i < 6; i++) { expected += dim * next * 16 + next; dim = next; next *= 2; }
        expected += 2048 * 9 + 2048 * 5 * 4;
        AssertCount(new StarGanDiscriminator(128, 5, 64, 6), expected, "StarGAN D 128 conv64 c5 r6");
        Assert.Equal(44_762_048, expected);
    }

    [Fact]
    public void PatchDiscriminator_output_is_a_30x30_patch_map_at_256() // 70×70 receptive field, 256² input → 30×30
    {
        var d = new PatchDiscriminator(6, 4, 3, NormKind.Batch);
        using var _ = torch.no_grad();
        d.eval();
        Assert.Equal(new long[] { 1, 1, 30, 30 }, d.forward(torch.zeros(1, 6, 256, 256)).shape);
    }

    [Fact]
    public void Normal_init_matches_junyanz()
    {
        torch.manual_seed(3);
        var d = new PatchDiscriminator(6, 64, 3, NormKind.Batch);
        WeightInit.Apply(d, InitType.Normal, 0.02);
        var conv = (Conv2d)d.model[2];
        var bn = (BatchNorm2d)d.model[3];
        Assert.InRange(conv.weight.std().item<float>(), 0.019f, 0.021f);
        Assert.InRange(Math.Abs(conv.weight.mean().item<float>()), 0f, 0.001f);
        Assert.InRange(bn.weight!.mean().item<float>(), 0.99f, 1.01f);
        Assert.InRange(bn.weight.std().item<float>(), 0.015f, 0.025f);
        Assert.Equal(0f, bn.bias!.abs().sum().item<float>());
        Assert.Equal(0f, ((Conv2d)d.model[0]).bias!.abs().sum().item<float>());
    }

    [Theory]
    [InlineData(9, 8, 64, "instance")]
    [InlineData(6, 8, 32, "instance")]
    [InlineData(6, 4, 32, "batch")]
    public void ResnetGenerator_matches_onnx(int blocks, int ngf, int size, string norm)
    {
        torch.manual_seed(blocks + ngf);
        var g = new ResnetGenerator(3, 3, ngf, norm == "batch" ? NormKind.Batch : NormKind.Instance, blocks: blocks);
        WeightInit.Apply(g, InitType.Normal, 0.2); // larger than 0.02 so the output is far from 0 and not a weak check
        WarmRunningStats(g, 3, size);
        AssertParity(g, 2, 3, size, $"resnet_{blocks}blocks ngf{ngf} {size}² {norm}");
    }

    [Theory]
    [InlineData(8, 4, 256)] // unet_256 depth at a small width
    [InlineData(7, 4, 128)] // unet_128
    [InlineData(6, 8, 64)]
    public void UnetGenerator_matches_onnx(int downs, int ngf, int size)
    {
        torch.manual_seed(downs);
        var g = new UnetGenerator(3, 3, downs, ngf, NormKind.Batch);
        WeightInit.Apply(g, InitType.Normal, 0.2); // larger than 0.02 so the output is far from 0 and not a weak check
        WarmRunningStats(g, 3, size);
        AssertParity(g, 1, 3, size, $"unet downs{downs} ngf{ngf} {size}²");
    }

    [Theory]
    [InlineData(3, 8, 64)]
    [InlineData(1, 4, 32)]
    public void PatchDiscriminator_matches_onnx(int layers, int ndf, int size)
    {
        torch.manual_seed(layers);
        var d = new PatchDiscriminator(6, ndf, layers, NormKind.Batch);
        RandomiseRunningStats(d);
        AssertParity(d, 2, 6, size, $"PatchGAN n{layers} ndf{ndf}");
    }

    [Fact]
    public void PixelDiscriminator_matches_onnx()
    {
        torch.manual_seed(5);
        var d = new PixelDiscriminator(3, 8, NormKind.Instance);
        AssertParity(d, 2, 3, 16, "PixelGAN");
    }

    [Theory]
    [InlineData(6, 8, 32, 5)] // reference depth (6 blocks) at a small width
    [InlineData(2, 4, 16, 3)]
    public void StarGanGenerator_matches_onnx(int repeat, int convDim, int size, int labels)
    {
        torch.manual_seed(repeat * 7);
        var g = new StarGanGenerator(labels, convDim, repeat);
        using (torch.no_grad())
            foreach (var p in g.parameters()) p.add_(torch.randn_like(p) * 0.05); // perturb the affine IN (default 1, 0)
        var x = torch.randn(2, 3, size, size);
        var c = torch.zeros(2, labels);
        c[0, 0] = 1; c[1, labels - 1] = 1;
        float d = Parity.MaxAbsDiff(g, [(new OnnxIo("image", [-1, 3, size, size]), x), (new OnnxIo("label", [-1, labels]), c)],
            [new OnnxIo("output", [-1, 3, size, size])], t => [g.forward(t[0], t[1])], log, $"StarGAN G r{repeat} c{convDim} {size}²");
        Assert.True(d <= Parity.Tolerance, $"max |Δ| {d}");
    }

    [Fact]
    public void StarGanGenerator_output_depends_on_the_label()
    {
        torch.manual_seed(1);
        var g = new StarGanGenerator(3, 8, 2);
        g.eval();
        using var _ = torch.no_grad();
        var x = torch.randn(1, 3, 16, 16);
        var a = g.forward(x, torch.tensor(new float[] { 1, 0, 0 }).view(1, 3));
        var b = g.forward(x, torch.tensor(new float[] { 0, 1, 0 }).view(1, 3));
        Assert.True((a - b).abs().max().item<float>() > 1e-3f);
    }

    [Fact]
    public void StarGanDiscriminator_heads_have_reference_shapes()
    {
        var d = new StarGanDiscriminator(128, 5, 8, 6);
        using var _ = torch.no_grad();
        var (src, cls) = d.forward(torch.zeros(2, 3, 128, 128));
        Assert.Equal(new long[] { 2, 1, 2, 2 }, src.shape);
        Assert.Equal(new long[] { 2, 5 }, cls.shape);
    }

    private void AssertParity(nn.Module<Tensor, Tensor> net, int batch, int channels, int size, string label)
    {
        var x = torch.randn(batch, channels, size, size);
        net.eval();
        using (torch.no_grad()) log.WriteLine($"{label}: output std {net.forward(x).std().item<float>():F3}");
        float d = Parity.Layer(net, x, log, label);
        Assert.True(d <= Parity.Tolerance, $"{label}: max |Δ| {d} > {Parity.Tolerance}");
    }

    /// <summary>Trained-like BatchNorm running statistics: a few train-mode forwards on random batches.</summary>
    private static void WarmRunningStats(nn.Module<Tensor, Tensor> m, int channels, int size)
    {
        using var _ = torch.no_grad();
        m.train();
        for (int i = 0; i < 5; i++) m.forward(torch.randn(2, channels, size, size));
    }

    private static void RandomiseRunningStats(nn.Module m)
    {
        using var _ = torch.no_grad();
        foreach (var (_, sub) in m.named_modules())
            if (sub is BatchNorm2d bn)
            {
                bn.running_mean.copy_(torch.randn_like(bn.running_mean) * 0.1);
                bn.running_var.copy_(torch.rand_like(bn.running_var) + 0.5);
            }
    }
}
