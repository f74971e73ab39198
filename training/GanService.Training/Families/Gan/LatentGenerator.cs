using GanService.Training.Layers;
using GanService.Training.Onnx;

namespace GanService.Training.Families.Gan;

/// <summary>
/// z (B, nz) [+ label (B,) int64] → image. The one generator shape shared by GAN (MLP body), DCGAN (ConvT body) and
/// cGAN (either body, with a label embedding concatenated to z — Mirza &amp; Osindero 2014). Exported with inputs
/// <c>z</c> (and <c>label</c> when conditional) and output <c>image</c>.
/// </summary>
public sealed class LatentGenerator : nn.Module, IOnnxGraphModule
{
    public readonly Embedding? embed;   // (K, e): label → vector, concatenated after z
    public readonly Layer body;         // (B, nz + e) → (B, C, H, W) in [-1, 1] (or (B, F) for 2-D mixture data)

    public int ZDim { get; }
    public int NumClasses { get; }

    public LatentGenerator(int nz, Layer body, int numClasses = 0, int embedDim = 0) : base(nameof(LatentGenerator))
    {
        (ZDim, NumClasses) = (nz, numClasses);
        if (numClasses > 0)
        {
            embed = new Embedding(numClasses, embedDim > 0 ? embedDim : numClasses);
            register_module("embed", embed);
        }
        this.body = body;
        register_module("body", body);
    }

    public bool Conditional => embed is not null;

    public Tensor Generate(Tensor z, Tensor? labels = null)
    {
        if (embed is null) return body.forward(z);
        if (labels is null) throw new ArgumentException("a conditional generator needs labels");
        using var e = embed.forward(labels);
        using var zc = torch.cat([z, e], 1);
        return body.forward(zc);
    }

    public IReadOnlyList<string> EmitGraph(OnnxGraphBuilder g, IReadOnlyList<string> inputs)
    {
        string x = inputs[0];
        if (embed is not null)
        {
            if (inputs.Count < 2) throw new OnnxExportException("a conditional generator exports with inputs z and label");
            string e;
            using (g.Scope("embed")) e = embed.Emit(g, inputs[1]);
            x = g.Node("Concat", [x, e], ("axis", 1L));
        }
        using (g.Scope("body")) return [body.Emit(g, x)];
    }

    /// <summary>The graph's declared inputs/outputs for an image of (C, H, W).</summary>
    public (OnnxIo[] Inputs, OnnxIo[] Outputs) OnnxSignature(long[] outputShape)
    {
        var inputs = new List<OnnxIo> { new("z", [-1, ZDim]) };
        if (Conditional) inputs.Add(new OnnxIo("label", [-1], ScalarType.Int64));
        return (inputs.ToArray(), [new OnnxIo("image", [-1, .. outputShape])]);
    }
}
