using GanService.Training.Onnx;
using TorchSharp;
using static TorchSharp.torch;

namespace GanService.Training.Layers;

/// <summary>Base of every layer the families use: a TorchSharp forward and an ONNX emit of the same math.</summary>
public abstract class Layer(string name) : nn.Module<Tensor, Tensor>(name), IOnnxEmittable
{
    public abstract string Emit(OnnxGraphBuilder g, string input);

    protected Parameter NewParameter(string name, Tensor value)
    {
        var p = new Parameter(value, requires_grad: true);
        register_parameter(name, p);
        return p;
    }

    /// <summary>PyTorch's default init for conv/linear: kaiming_uniform(a=√5) weight, uniform(±1/√fan_in) bias.</summary>
    protected static void DefaultInit(Tensor weight, Tensor? bias, long fanIn)
    {
        using var _ = torch.no_grad();
        nn.init.kaiming_uniform_(weight, a: Math.Sqrt(5));
        if (bias is not null)
        {
            double bound = fanIn > 0 ? 1.0 / Math.Sqrt(fanIn) : 0;
            nn.init.uniform_(bias, -bound, bound);
        }
    }
}
