using GanService.Tests.Onnx;
using GanService.Training.Metrics;
using Xunit.Abstractions;

namespace GanService.Tests.Metrics;

public class FashionClassifierParityTests(ITestOutputHelper log)
{
    [Fact]
    public void Classifier_exports_features_and_logits()
    {
        torch.manual_seed(0);
        var c = new FashionClassifier();
        c.train();
        using (torch.no_grad()) c.Forward(torch.randn(16, 1, 32, 32));
        var x = torch.randn(3, 1, 32, 32).clamp(-1, 1);
        float d = Parity.MaxAbsDiff(c, [(FashionClassifier.Inputs[0], x)], FashionClassifier.Outputs, t => { var (f, l) = c.Forward(t[0]); return [f, l]; }, log, "FashionClassifier");
        Assert.True(d <= Parity.Tolerance);
    }
}
