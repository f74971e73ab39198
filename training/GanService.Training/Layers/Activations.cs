using GanService.Training.Onnx;

namespace GanService.Training.Layers;

public sealed class ReLU() : Layer(nameof(ReLU))
{
    public override Tensor forward(Tensor x) => nn.functional.relu(x);
    public override string Emit(OnnxGraphBuilder g, string input) => g.Node("Relu", [input]);
}

public sealed class LeakyReLU(double slope = 0.2) : Layer(nameof(LeakyReLU))
{
    public double Slope { get; } = slope;
    public override Tensor forward(Tensor x) => x.leaky_relu(Scalars.Of(Slope)); // a cached Scalar: see Scalars
    public override string Emit(OnnxGraphBuilder g, string input) => g.Node("LeakyRelu", [input], ("alpha", (float)Slope));
}

public sealed class Tanh() : Layer(nameof(Tanh))
{
    public override Tensor forward(Tensor x) => x.tanh();
    public override string Emit(OnnxGraphBuilder g, string input) => g.Node("Tanh", [input]);
}

public sealed class Sigmoid() : Layer(nameof(Sigmoid))
{
    public override Tensor forward(Tensor x) => x.sigmoid();
    public override string Emit(OnnxGraphBuilder g, string input) => g.Node("Sigmoid", [input]);
}

/// <summary>Dropout while training; identity in eval and therefore at export (no node).</summary>
public sealed class Dropout(double p = 0.5) : Layer(nameof(Dropout))
{
    public double P { get; } = p;
    public override Tensor forward(Tensor x) => nn.functional.dropout(x, P, training);
    public override string Emit(OnnxGraphBuilder g, string input) => input;
}

/// <summary>Identity (used where a slot may hold "no layer", e.g. no norm on the first PatchGAN conv).</summary>
public sealed class Identity() : Layer(nameof(Identity))
{
    public override Tensor forward(Tensor x) => x.alias();
    public override string Emit(OnnxGraphBuilder g, string input) => input;
}
