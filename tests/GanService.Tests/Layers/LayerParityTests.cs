using GanService.Tests.Onnx;
using GanService.Training.Layers;
using GanService.Training.Onnx;
using Xunit.Abstractions;

namespace GanService.Tests.Layers;

/// <summary>Every layer type: random weights (seeded), several parameter combinations, ORT vs TorchSharp ≤ 1e-4.</summary>
public class LayerParityTests(ITestOutputHelper log)
{
    private static Tensor Input(int seed, params long[] shape)
    {
        torch.manual_seed(seed);
        return torch.randn(shape);
    }

    private void AssertParity(nn.Module<Tensor, Tensor> layer, Tensor x, string label)
    {
        float d = Parity.Layer(layer, x, log, label);
        Assert.True(d <= Parity.Tolerance, $"{label}: max |Δ| {d} > {Parity.Tolerance}");
    }

    [Theory]
    [InlineData(3, 8, 3, 1, 1, 1, 1, true)]
    [InlineData(4, 8, 4, 2, 1, 1, 1, false)]
    [InlineData(4, 8, 3, 1, 2, 2, 1, true)]
    [InlineData(4, 8, 3, 2, 1, 1, 2, true)]
    [InlineData(6, 6, 3, 1, 1, 1, 6, false)]
    [InlineData(3, 5, 7, 1, 0, 1, 1, true)]
    public void Conv2d_matches_onnx(int cin, int cout, int k, int stride, int pad, int dil, int groups, bool bias)
    {
        torch.manual_seed(cin * 100 + k);
        AssertParity(new Conv2d(cin, cout, k, stride, pad, dil, groups, bias), Input(k, 2, cin, 13, 11), $"Conv2d k{k} s{stride} p{pad} d{dil} g{groups} b{bias}");
    }

    [Theory]
    [InlineData(8, 4, 4, 2, 1, 0, 1, true)]
    [InlineData(8, 4, 3, 2, 1, 1, 1, false)]
    [InlineData(6, 6, 3, 1, 1, 0, 2, true)]
    [InlineData(4, 3, 5, 3, 2, 2, 1, true)]
    [InlineData(4, 4, 3, 2, 0, 1, 1, true)]
    public void ConvTranspose2d_matches_onnx(int cin, int cout, int k, int stride, int pad, int outPad, int groups, bool bias)
    {
        torch.manual_seed(cin * 10 + k);
        AssertParity(new ConvTranspose2d(cin, cout, k, stride, pad, outPad, 1, groups, bias), Input(k, 3, cin, 7, 9),
            $"ConvTranspose2d k{k} s{stride} p{pad} op{outPad} g{groups} b{bias}");
    }

    [Theory]
    [InlineData(16, 8, true)]
    [InlineData(5, 1, false)]
    public void Linear_matches_onnx(int inF, int outF, bool bias)
    {
        torch.manual_seed(inF);
        AssertParity(new Linear(inF, outF, bias), Input(inF, 4, inF), $"Linear {inF}->{outF} b{bias}");
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void BatchNorm2d_uses_running_stats_at_export(bool affine)
    {
        torch.manual_seed(1);
        var bn = new BatchNorm2d(5, affine: affine);
        bn.train();
        using (torch.no_grad())
        {
            for (int i = 0; i < 3; i++) bn.forward(torch.randn(8, 5, 6, 6) * 3 + 2); // accumulate non-trivial running stats
            if (affine) { bn.weight!.uniform_(0.5, 1.5); bn.bias!.uniform_(-1, 1); }
        }
        Assert.NotEqual(0f, bn.running_mean.abs().sum().item<float>());
        AssertParity(bn, Input(2, 2, 5, 6, 6), $"BatchNorm2d affine={affine}");
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void BatchNorm2d_with_instance_statistics_equals_a_train_mode_batch_of_one_and_matches_onnx(bool affine)
    {
        torch.manual_seed(5);
        var bn = new BatchNorm2d(5, affine: affine);
        using (torch.no_grad())
        {
            bn.running_mean.uniform_(-2, 2); // running statistics far from the images' own: must not be used
            bn.running_var.uniform_(3, 4);
            if (affine) { bn.weight!.uniform_(0.5, 1.5); bn.bias!.uniform_(-1, 1); }
        }
        var x = Input(6, 3, 5, 7, 6) * 2 + 1;
        bn.InstanceStatistics = true;
        bn.eval();
        using (torch.no_grad())
        {
            var ours = bn.forward(x);
            // pix2pix test.py without --eval: a train-mode BatchNorm on each image alone (scratch stats, not ours).
            for (int i = 0; i < 3; i++)
            {
                var one = x[i..(i + 1)];
                var reference = nn.functional.batch_norm(one, torch.zeros(5), torch.ones(5), bn.weight, bn.bias, training: true, eps: bn.Eps);
                float d = (ours[i..(i + 1)] - reference).abs().max().item<float>();
                Assert.True(d <= 1e-5f, $"image {i}: max |Δ| to a train-mode batch of one {d}");
            }
            var runningStats = nn.functional.batch_norm(x, bn.running_mean, bn.running_var, bn.weight, bn.bias, training: false, eps: bn.Eps);
            Assert.True((ours - runningStats).abs().max().item<float>() > 0.1f, "instance statistics must differ from running statistics");
        }
        AssertParity(bn, x, $"BatchNorm2d instance statistics affine={affine}");
        bn.InstanceStatistics = false;
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void InstanceNorm2d_matches_onnx(bool affine)
    {
        torch.manual_seed(3);
        var norm = new InstanceNorm2d(4, affine);
        if (affine) using (torch.no_grad()) { norm.weight!.uniform_(0.5, 1.5); norm.bias!.uniform_(-1, 1); }
        AssertParity(norm, Input(4, 3, 4, 9, 7) * 2 + 1, $"InstanceNorm2d affine={affine}");
    }

    public static IEnumerable<object[]> Activations() =>
    [
        [new ReLU(), "ReLU"], [new LeakyReLU(0.2), "LeakyReLU 0.2"], [new LeakyReLU(0.01), "LeakyReLU 0.01"],
        [new Tanh(), "Tanh"], [new Sigmoid(), "Sigmoid"], [new Dropout(0.5), "Dropout"], [new PixelNorm(), "PixelNorm"],
        [new Identity(), "Identity"], [new Flatten(), "Flatten"],
    ];

    [Theory]
    [MemberData(nameof(Activations))]
    public void Elementwise_and_shape_layers_match_onnx(nn.Module<Tensor, Tensor> layer, string label) =>
        AssertParity(layer, Input(label.Length, 2, 3, 5, 4), label);

    [Theory]
    [InlineData(1, 1, 1, 1, true)]
    [InlineData(3, 3, 3, 3, true)]
    [InlineData(1, 2, 0, 3, true)]
    [InlineData(1, 1, 1, 1, false)]
    [InlineData(2, 0, 3, 1, false)]
    public void Padding_matches_onnx(int l, int r, int t, int b, bool reflect) =>
        AssertParity(new Pad2d(l, r, t, b, reflect), Input(l + r, 2, 3, 8, 7), $"{(reflect ? "Reflection" : "Zero")}Pad2d ({l},{r},{t},{b})");

    [Theory]
    [InlineData(2, 3)]
    [InlineData(3, 2)]
    public void PixelShuffle_matches_onnx(int factor, int channels) =>
        AssertParity(new PixelShuffle(factor), Input(factor, 2, channels * factor * factor, 5, 6), $"PixelShuffle x{factor}");

    [Theory]
    [InlineData(2, UpsampleMethod.Nearest)]
    [InlineData(3, UpsampleMethod.Nearest)]
    [InlineData(2, UpsampleMethod.Bilinear)]
    [InlineData(4, UpsampleMethod.Bilinear)]
    public void Upsample_matches_onnx(int scale, UpsampleMethod mode) =>
        AssertParity(new Upsample(scale, mode), Input(scale, 2, 3, 5, 6), $"Upsample x{scale} {mode}");

    [Fact]
    public void Reshape_keeps_batch_dynamic() =>
        AssertParity(new Reshape(4, 2, 3), Input(9, 5, 24), "Reshape (24)->(4,2,3)");

    [Fact]
    public void Embedding_matches_onnx()
    {
        torch.manual_seed(5);
        AssertParity(new Embedding(10, 6), torch.tensor(new long[] { 3, 0, 9, 3 }), "Embedding 10x6");
    }

    [Fact]
    public void Residual_and_skip_concat_match_onnx()
    {
        torch.manual_seed(6);
        var res = new Residual(new Seq(Pads.Reflection(1), new Conv2d(4, 4, 3), new InstanceNorm2d(4), new ReLU()));
        AssertParity(res, Input(6, 2, 4, 8, 8), "Residual block");
        var skip = new SkipConcat(new Seq(new Conv2d(4, 3, 3, padding: 1), new Tanh()));
        AssertParity(skip, Input(7, 2, 4, 8, 8), "SkipConcat");
    }

    [Fact]
    public void Small_encoder_decoder_with_skips_matches_onnx()
    {
        torch.manual_seed(8);
        // 32² → 8² → 32² with two skip concatenations, batch + instance norms, dropout, both upsample modes.
        var inner = new Seq(new LeakyReLU(0.2), new Conv2d(16, 32, 4, 2, 1), new BatchNorm2d(32), new ReLU(),
            new ConvTranspose2d(32, 16, 4, 2, 1), new BatchNorm2d(16), new Dropout(0.5));
        var middle = new Seq(new LeakyReLU(0.2), new Conv2d(8, 16, 4, 2, 1), new InstanceNorm2d(16, affine: true),
            new SkipConcat(inner), new ReLU(), new Upsample(2, UpsampleMethod.Bilinear), new Conv2d(32, 8, 3, padding: 1), new InstanceNorm2d(8));
        var net = new Seq(Pads.Reflection(1), new Conv2d(3, 8, 3), new SkipConcat(middle), new ReLU(),
            new Upsample(1, UpsampleMethod.Nearest), Pads.Zero(1), new Conv2d(16, 3, 3), new Tanh());
        net.train();
        using (torch.no_grad()) net.forward(torch.randn(4, 3, 32, 32)); // move BN running stats off their init
        AssertParity(net, Input(9, 3, 3, 32, 32), "encoder-decoder with skips");
    }

    [Fact]
    public void Export_fails_naming_a_layer_that_cannot_emit()
    {
        var net = new Seq(new Conv2d(3, 4, 3), nn.GELU(), new Tanh());
        var e = Assert.Throws<OnnxExportException>(() =>
            OnnxExporter.Export(net, [new OnnxIo("x", [-1, 3, 8, 8])], [new OnnxIo("y", [-1, 4, 6, 6])]));
        Assert.Contains("1", e.Message);
        Assert.Contains("GELU", e.Message);
    }

    [Fact]
    public void Exported_graph_has_dynamic_batch_and_opset_17()
    {
        var conv = new Conv2d(3, 4, 3, padding: 1);
        var model = OnnxExporter.Export(conv, [new OnnxIo("image", [-1, 3, 8, 8])], [new OnnxIo("out", [-1, 4, 8, 8])],
            new Dictionary<string, string> { ["gan.manifest"] = "{}" });
        Assert.Equal(17, model.OpsetImport.Single().Version);
        Assert.Equal("batch", model.Graph.Input[0].Type.TensorType.Shape.Dim[0].DimParam);
        Assert.Equal(8, model.Graph.Input[0].Type.TensorType.Shape.Dim[2].DimValue);
        Assert.Equal(2, model.Graph.Initializer.Count);
        Assert.Equal("{}", model.MetadataProps.Single(p => p.Key == "gan.manifest").Value);
        // Two different batch sizes run through the same session.
        using var session = Parity.Session(OnnxExporter.ToBytes(model));
        foreach (var b in new[] { 1, 5 })
        {
            using var x = Microsoft.ML.OnnxRuntime.OrtValue.CreateTensorValueFromMemory(new float[b * 3 * 64], [b, 3, 8, 8]);
            using var r = session.Run(new Microsoft.ML.OnnxRuntime.RunOptions(), ["image"], [x], ["out"]);
            Assert.Equal(new long[] { b, 4, 8, 8 }, r[0].GetTensorTypeAndShape().Shape);
        }
    }
}
