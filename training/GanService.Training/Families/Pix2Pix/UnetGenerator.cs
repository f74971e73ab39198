using GanService.Training.Layers;
using GanService.Training.Onnx;

namespace GanService.Training.Families.Pix2Pix;

/// <summary>
/// pix2pix U-Net (junyanz networks.py UnetGenerator / UnetSkipConnectionBlock). `numDowns` 8 = unet_256, 7 = unet_128;
/// an input of 2^numDowns pixels reaches 1×1 at the bottleneck. Down: LeakyReLU 0.2 → Conv 4×4 s2 → norm; up: ReLU →
/// ConvT 4×4 s2 → norm (→ Dropout 0.5 in the numDowns−5 middle blocks); outermost ends in Tanh. Convs carry a bias only
/// when the norm is not BatchNorm unless <c>convBias</c> says otherwise (imported checkpoints).
/// </summary>
public sealed class UnetGenerator : Layer
{
    public readonly UnetBlock model;

    public UnetGenerator(long inputChannels, long outputChannels, int numDowns, long ngf = 64, NormKind norm = NormKind.Batch,
        bool useDropout = true, bool? convBias = null) : base(nameof(UnetGenerator))
    {
        if (numDowns < 5) throw new ArgumentOutOfRangeException(nameof(numDowns), "a U-Net needs at least 5 downsamplings");
        var block = new UnetBlock(ngf * 8, ngf * 8, null, null, UnetBlock.Position.Innermost, norm, false, convBias);
        for (int i = 0; i < numDowns - 5; i++)
            block = new UnetBlock(ngf * 8, ngf * 8, null, block, UnetBlock.Position.Middle, norm, useDropout, convBias);
        block = new UnetBlock(ngf * 4, ngf * 8, null, block, UnetBlock.Position.Middle, norm, false, convBias);
        block = new UnetBlock(ngf * 2, ngf * 4, null, block, UnetBlock.Position.Middle, norm, false, convBias);
        block = new UnetBlock(ngf, ngf * 2, null, block, UnetBlock.Position.Middle, norm, false, convBias);
        model = new UnetBlock(outputChannels, ngf, inputChannels, block, UnetBlock.Position.Outermost, norm, false, convBias);
        register_module("model", model);
    }

    public override Tensor forward(Tensor x) => model.forward(x); // (B, in, S, S) → (B, out, S, S) in [-1, 1]

    public override string Emit(OnnxGraphBuilder g, string input)
    {
        using (g.Scope("model")) return model.Emit(g, input);
    }
}

/// <summary>One U-Net level: [down → submodule → up], concatenated with its input except at the outermost level.</summary>
public sealed class UnetBlock : Layer
{
    public enum Position { Outermost, Middle, Innermost }

    public readonly Seq down;
    public readonly UnetBlock? submodule;
    public readonly Seq up;
    private readonly Position _position;
    private readonly Layer? _skipActivation;

    public UnetBlock(long outerChannels, long innerChannels, long? inputChannels, UnetBlock? submodule, Position position,
        NormKind norm, bool useDropout, bool? convBias = null) : base(nameof(UnetBlock))
    {
        _position = position;
        long inC = inputChannels ?? outerChannels;
        bool bias = convBias ?? Norms.ConvBias(norm); // override: junyanz's `--norm none` builds bias-free convs
        var downConv = new Conv2d(inC, innerChannels, 4, stride: 2, padding: 1, bias: bias);
        switch (position)
        {
            case Position.Outermost:
                down = new Seq(downConv);
                up = new Seq(new ReLU(), new ConvTranspose2d(innerChannels * 2, outerChannels, 4, 2, 1), new Tanh());
                break;
            case Position.Innermost:
                down = new Seq(new LeakyReLU(0.2), downConv);
                up = new Seq(new ReLU(), new ConvTranspose2d(innerChannels, outerChannels, 4, 2, 1, bias: bias), Norms.Create(norm, outerChannels));
                break;
            default:
                down = new Seq(new LeakyReLU(0.2), downConv, Norms.Create(norm, innerChannels));
                up = new Seq(new ReLU(), new ConvTranspose2d(innerChannels * 2, outerChannels, 4, 2, 1, bias: bias), Norms.Create(norm, outerChannels));
                if (useDropout) up.Add(new Dropout(0.5));
                break;
        }
        this.submodule = submodule;
        register_module("down", down);
        if (submodule is not null) register_module("submodule", submodule);
        register_module("up", up);
        // junyanz applies LeakyReLU(inplace=True) as the first op of `down`, which also overwrites the tensor that is
        // concatenated as the skip: the reference network therefore skips LeakyReLU(x), not x. We reproduce that.
        if (position != Position.Outermost) _skipActivation = (Layer)down[0];
    }

    public override Tensor forward(Tensor x)
    {
        var y = down.forward(x);
        if (submodule is not null) y = submodule.forward(y);
        y = up.forward(y);
        if (_position == Position.Outermost) return y;
        return torch.cat([_skipActivation!.forward(x), y], 1);
    }

    public override string Emit(OnnxGraphBuilder g, string input)
    {
        string y;
        using (g.Scope("down")) y = down.Emit(g, input);
        if (submodule is not null) using (g.Scope("submodule")) y = submodule.Emit(g, y);
        using (g.Scope("up")) y = up.Emit(g, y);
        if (_position == Position.Outermost) return y;
        string skip = _skipActivation!.Emit(g, input);
        return g.Node("Concat", [skip, y], ("axis", 1L));
    }
}
