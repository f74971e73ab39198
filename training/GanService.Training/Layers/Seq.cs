using GanService.Training.Onnx;
using TorchSharp;
using static TorchSharp.torch;

namespace GanService.Training.Layers;

/// <summary>Sequential container. Children are named "0", "1", … (stable checkpoint keys, as in PyTorch).</summary>
public sealed class Seq : Layer
{
    private readonly List<(string Name, nn.Module<Tensor, Tensor> Module)> _children = [];

    public Seq(params nn.Module<Tensor, Tensor>[] modules) : base(nameof(Seq))
    {
        foreach (var m in modules) Add(m);
    }

    public Seq Add(nn.Module<Tensor, Tensor> module)
    {
        var name = _children.Count.ToString(System.Globalization.CultureInfo.InvariantCulture);
        register_module(name, module);
        _children.Add((name, module));
        return this;
    }

    public int Count => _children.Count;
    public nn.Module<Tensor, Tensor> this[int i] => _children[i].Module;

    public override Tensor forward(Tensor x)
    {
        // Intermediates are disposed by the caller's dispose scope; never dispose the input we were given.
        foreach (var (_, m) in _children) x = m.forward(x);
        return x;
    }

    public override string Emit(OnnxGraphBuilder g, string input) =>
        OnnxExporter.EmitChain(g, input, _children.Select(c => (c.Name, (nn.Module)c.Module)), GetName());
}
