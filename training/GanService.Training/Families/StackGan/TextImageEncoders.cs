using GanService.Training.Layers;
using GanService.Training.Onnx;

namespace GanService.Training.Families.StackGan;

/// <summary>
/// Caption → sentence embedding (B, T): the mean of the caption's word embeddings (padding id 0 masked out, divided by
/// the token count), then a Linear. A bag of words rather than the paper's char-CNN-RNN or a GRU: the emoji captions are
/// an annotation plus comma-separated tags whose order carries little meaning, and a mean keeps the ONNX graph to
/// Gather / ReduceSum / Div (no recurrent op to prove equal to TorchSharp's). Inputs: ids (B, L) int64, lengths (B,) int64.
/// </summary>
public sealed class TextEncoder : nn.Module
{
    public readonly Embedding embed;   // (V + 1, E); row 0 (padding) is masked, so its values never matter
    public readonly Linear proj;       // E → T

    public TextEncoder(int vocabulary, int embedDim, int outDim) : base(nameof(TextEncoder))
    {
        embed = new Embedding(vocabulary + 1, embedDim);
        using (torch.no_grad()) embed.weight.mul_(Scalars.Of(0.3));
        proj = new Linear(embedDim, outDim);
        RegisterComponents();
    }

    public Tensor Encode(Tensor ids, Tensor lengths)
    {
        var e = embed.forward(ids);                                               // (B, L, E)
        var mask = ids.gt(Scalars.Of(0)).to_type(ScalarType.Float32).unsqueeze(2); // (B, L, 1)
        var count = lengths.to_type(ScalarType.Float32).clamp_min(Scalars.Of(1)).unsqueeze(1);
        return proj.forward((e * mask).sum(1) / count);
    }

    /// <summary>ONNX for <see cref="Encode"/>: returns the (B, T) embedding's name.</summary>
    public string Emit(OnnxGraphBuilder g, string ids, string lengths)
    {
        string e;
        using (g.Scope("embed")) e = embed.Emit(g, ids);
        var positive = g.Node("Greater", [ids, g.Int64Initializer("zero", [0], [])]);
        var mask = g.Node("Unsqueeze", [g.Node("Cast", [positive], ("to", 1L)), g.Int64Initializer("axis2", [2])]);
        var sum = g.Node("ReduceSum", [g.Node("Mul", [e, mask]), g.Int64Initializer("axis1", [1])], ("keepdims", 0L));
        var count = g.Node("Max", [g.Node("Cast", [lengths], ("to", 1L)), g.Scalar("one", 1f)]);
        var mean = g.Node("Div", [sum, g.Node("Unsqueeze", [count, g.Int64Initializer("axis1", [1])])]);
        using (g.Scope("proj")) return proj.Emit(g, mean);
    }
}

/// <summary>
/// Image → embedding (B, T) in the text encoder's space, trained jointly with it by the matching loss; afterwards the
/// pair scores image–text agreement (the retrieval metric) and supplies the features for KID. Never exported.
/// (B, 3, S, S) → three stride-2 convolutions → Linear.
/// </summary>
public sealed class ImageEncoder : nn.Module
{
    public readonly Seq body;
    public readonly Linear head;

    public ImageEncoder(int size, int width, int outDim) : base(nameof(ImageEncoder))
    {
        body = new Seq(new Conv2d(3, width, 4, 2, 1), new LeakyReLU(0.2),
            new Conv2d(width, width * 2, 4, 2, 1, bias: false), new BatchNorm2d(width * 2), new LeakyReLU(0.2),
            new Conv2d(width * 2, width * 4, 4, 2, 1, bias: false), new BatchNorm2d(width * 4), new LeakyReLU(0.2),
            new Flatten());
        head = new Linear(width * 4L * (size / 8) * (size / 8), outDim);
        RegisterComponents();
    }

    public Tensor Encode(Tensor images) => head.forward(body.forward(images));
}

/// <summary>
/// The sentence-level matching loss (as DAMSM's sentence term and CLIP): cosine similarities of every image with every
/// caption of the batch, scaled by 1/τ, cross-entropy towards the matching pairs in both directions. Rows with the same
/// caption (common in small vocabularies) share the target mass instead of being pushed apart.
/// </summary>
public static class MatchingLoss
{
    public static Tensor Similarity(Tensor image, Tensor text) =>
        nn.functional.normalize(image, dim: 1).matmul(nn.functional.normalize(text, dim: 1).t());

    /// <param name="sameCaption">(B, B) 1 where rows i and j have the same token ids.</param>
    public static Tensor Compute(Tensor image, Tensor text, Tensor sameCaption, double temperature)
    {
        var logits = Similarity(image, text) / temperature;
        var target = sameCaption / sameCaption.sum(1, keepdim: true);
        var i2t = -(target * logits.log_softmax(1)).sum(1).mean();
        var t2i = -(target * logits.t().log_softmax(1)).sum(1).mean();
        return (i2t + t2i) / 2;
    }

    /// <summary>(B, B) float: 1 where two rows of token ids are equal.</summary>
    public static Tensor SameRows(Tensor ids) =>
        ids.unsqueeze(1).eq(ids.unsqueeze(0)).all(2).to_type(ScalarType.Float32);
}
