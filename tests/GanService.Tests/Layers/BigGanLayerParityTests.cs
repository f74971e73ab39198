using GanService.Tests.Onnx;
using GanService.Training.Layers;
using GanService.Training.Onnx;
using Xunit.Abstractions;

namespace GanService.Tests.Layers;

/// <summary>The BigGAN layers (self-attention, conditional BatchNorm): random weights, several sizes, ORT vs TorchSharp
/// eval ≤ 1e-4, with the parts that start as the identity (γ = 0, gain/bias ≈ 0) moved away from it first.</summary>
public class BigGanLayerParityTests(ITestOutputHelper log)
{
    [Theory]
    [InlineData(8, 4, 4)]
    [InlineData(16, 8, 6)]
    [InlineData(32, 16, 16)]
    public void SelfAttention_matches_onnx(int channels, int h, int w)
    {
        torch.manual_seed(channels + h);
        var layer = new SelfAttention(channels);
        using (torch.no_grad()) layer.gamma.fill_(0.7f); // γ starts at 0: the attention path would not be compared
        torch.manual_seed(1);
        var x = torch.randn(3, channels, h, w);
        float d = Parity.Layer(layer, x, log, $"SelfAttention C{channels} {h}×{w}");
        Assert.True(d <= Parity.Tolerance, $"max |Δ| {d}");
        using (torch.no_grad())
        {
            layer.eval();
            var delta = (layer.forward(x) - x).abs().max().item<float>();
            Assert.True(delta > 1e-2, $"attention contributed only {delta}: the check would not see its path");
        }
    }

    [Fact]
    public void SelfAttention_starts_as_the_identity()
    {
        torch.manual_seed(3);
        var layer = new SelfAttention(16);
        layer.eval();
        var x = torch.randn(2, 16, 8, 8);
        using var _ = torch.no_grad();
        Assert.Equal(0f, (layer.forward(x) - x).abs().max().item<float>());
    }

    [Theory]
    [InlineData(4, 6, 5)]
    [InlineData(16, 40, 8)]
    public void ConditionalBatchNorm_matches_onnx_with_running_stats(int channels, int conditionDim, int size)
    {
        torch.manual_seed(channels * 7 + conditionDim);
        var bn = new ConditionalBatchNorm2d(channels, conditionDim);
        bn.train();
        using (torch.no_grad())
            for (int i = 0; i < 3; i++) bn.Forward(torch.randn(8, channels, size, size) * 2 + 0.5, torch.randn(8, conditionDim));
        Assert.NotEqual(0f, bn.running_mean.abs().sum().item<float>());
        var inputs = new[] { new OnnxIo("x", [-1, channels, size, size]), new OnnxIo("c", [-1, conditionDim]) };
        var outputs = new[] { new OnnxIo("y", [-1, channels, size, size]) };
        var model = OnnxExporter.Export(bn, inputs, outputs, (g, ins) => [bn.Emit(g, ins[0], ins[1])]);
        torch.manual_seed(2);
        var x = torch.randn(3, channels, size, size);
        var c = torch.randn(3, conditionDim);
        float d = Parity.Compare(OnnxExporter.ToBytes(model), [(inputs[0], x), (inputs[1], c)], outputs, bn,
            t => [bn.Forward(t[0], t[1])], log, $"ConditionalBatchNorm2d C{channels} D{conditionDim}");
        Assert.True(d <= Parity.Tolerance, $"max |Δ| {d}");
        // The condition must matter, or the gain/bias path would be untested.
        bn.eval();
        using (torch.no_grad())
            Assert.True((bn.Forward(x, c) - bn.Forward(x, torch.zeros_like(c))).abs().max().item<float>() > 1e-2);
    }
}
