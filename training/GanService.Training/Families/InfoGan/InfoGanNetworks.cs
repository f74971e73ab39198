using GanService.Training.Families.Dcgan;
using GanService.Training.Layers;
using GanService.Training.Onnx;

namespace GanService.Training.Families.InfoGan;

/// <summary>
/// G(z, c, c₁…cₙ): the DCGAN generator on [z ‖ one-hot(c) ‖ c₁ … cₙ]. Exported with inputs <c>z</c> (B, nz),
/// <c>code</c> (B,) int64 and one (B, 1) input per continuous code (<c>c1</c>, <c>c2</c>, …), so each code is a graph
/// input the manifest can declare as a control; the one-hot is an ONNX OneHot node.
/// </summary>
public sealed class InfoGanGenerator : nn.Module, IOnnxGraphModule
{
    public readonly Layer body; // (B, nz + K + n) → (B, C, H, W) in [-1, 1]

    public int ZDim { get; }
    public int Categories { get; }
    public int Continuous { get; }

    public InfoGanGenerator(InfoGanOptions o) : base(nameof(InfoGanGenerator))
    {
        (ZDim, Categories, Continuous) = (o.ZDim, o.Categories, o.Continuous);
        body = DcganNetworks.Generator(o.GeneratorInput, o.Ngf, o.Channels, o.Size);
        register_module("body", body);
    }

    /// <param name="z">(B, nz)</param>
    /// <param name="code">(B,) int64 in [0, K)</param>
    /// <param name="continuous">(B, n)</param>
    public Tensor Generate(Tensor z, Tensor code, Tensor continuous)
    {
        using var oneHot = nn.functional.one_hot(code, Categories).to_type(z.dtype);
        using var input = torch.cat([z, oneHot, continuous], 1);
        return body.forward(input);
    }

    public IReadOnlyList<string> EmitGraph(OnnxGraphBuilder g, IReadOnlyList<string> inputs)
    {
        if (inputs.Count != 2 + Continuous) throw new OnnxExportException($"the InfoGAN generator exports with inputs z, code and {Continuous} continuous codes");
        string oneHot = g.Node("OneHot", [inputs[1], g.Int64Initializer("depth", [Categories], []), g.Initializer("on_off", [0f, 1f], [2])], ("axis", -1L));
        string x = g.Node("Concat", [inputs[0], oneHot, .. inputs.Skip(2)], ("axis", 1L));
        using (g.Scope("body")) return [body.Emit(g, x)];
    }

    /// <summary>Graph inputs z, code, c1…cn and output image (B, C, H, W).</summary>
    public (OnnxIo[] Inputs, OnnxIo[] Outputs) OnnxSignature(long[] imageShape)
    {
        var inputs = new List<OnnxIo> { new("z", [-1, ZDim]), new("code", [-1], ScalarType.Int64) };
        for (int i = 0; i < Continuous; i++) inputs.Add(new OnnxIo(InfoGanOptions.ContinuousName(i), [-1, 1]));
        return (inputs.ToArray(), [new OnnxIo("image", [-1, .. imageShape])]);
    }
}

/// <summary>
/// D and Q sharing one body (Chen et al. §5: Q is one fully connected layer over D's last hidden features, so the MI
/// term costs almost nothing): <c>body</c> (the DCGAN discriminator convolutions, → (B, F)), <c>head</c> (Linear → one
/// logit) and <c>q</c> (Linear F → h → BatchNorm → LeakyReLU 0.2 → Linear h → K + n: categorical logits, then the
/// continuous codes' posterior means).
/// </summary>
public sealed class InfoGanDiscriminator : nn.Module
{
    public readonly Layer body;
    public readonly Linear head;
    public readonly Seq q;
    private readonly int _categories;

    public InfoGanDiscriminator(InfoGanOptions o) : base(nameof(InfoGanDiscriminator))
    {
        _categories = o.Categories;
        (body, long features) = DcganNetworks.DiscriminatorBody(o.Channels, o.Ndf, o.Size, batchNorm: true, spectralNorm: false);
        head = new Linear(features, 1);
        q = new Seq(new Linear(features, o.QHidden), new BatchNorm1d(o.QHidden), new LeakyReLU(0.2), new Linear(o.QHidden, o.Categories + o.Continuous));
        register_module("body", body);
        register_module("head", head);
        register_module("q", q);
    }

    /// <summary>Logits (B,), categorical code logits (B, K), continuous code means (B, n).</summary>
    public (Tensor Logits, Tensor CodeLogits, Tensor ContinuousMean) Run(Tensor x)
    {
        var h = body.forward(x);
        var qOut = q.forward(h);
        return (head.forward(h).squeeze(1), qOut.narrow(1, 0, _categories), qOut.narrow(1, _categories, qOut.shape[1] - _categories));
    }
}
