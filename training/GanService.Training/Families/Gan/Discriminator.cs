using GanService.Training.Layers;
using GanService.Training.Tricks;

namespace GanService.Training.Families.Gan;

/// <summary>
/// x [+ label] → one logit per sample, for every generation family. Parts, in forward order:
/// <c>inputEmbed</c> (cGAN concat conditioning: label embedding tiled over H×W as extra channels, or appended to a flat
/// input), <c>body</c> (→ features (B, F), used by feature matching), optional <c>mbd</c> (minibatch discrimination,
/// F → F + B), <c>head</c> (Linear → 1) and optional <c>projection</c> (Miyato &amp; Koyama 2018: + ⟨embed(y), h⟩).
/// Discriminators are never exported, so they are plain modules.
/// </summary>
public sealed class Discriminator : nn.Module
{
    public readonly Embedding? inputEmbed;
    public readonly Layer body;
    public readonly MinibatchDiscrimination? mbd;
    public readonly Layer head;
    public readonly Embedding? projection;

    public Discriminator(Layer body, long featureCount, Func<long, long, Layer> linear, int numClasses = 0,
        Conditioning conditioning = Conditioning.Concat, int embedDim = 0, MinibatchDiscrimination? mbd = null)
        : base(nameof(Discriminator))
    {
        if (numClasses > 0 && conditioning == Conditioning.Concat)
        {
            inputEmbed = new Embedding(numClasses, embedDim > 0 ? embedDim : numClasses);
            register_module("inputEmbed", inputEmbed);
        }
        this.body = body;
        register_module("body", body);
        long f = featureCount;
        if (mbd is not null)
        {
            this.mbd = mbd;
            register_module("mbd", mbd);
            f = mbd.OutFeatures;
        }
        head = linear(f, 1);
        register_module("head", head);
        if (numClasses > 0 && conditioning == Conditioning.Projection)
        {
            projection = new Embedding(numClasses, f);
            using (torch.no_grad()) projection.weight.mul_(0.1); // small start: the unconditional term leads at first
            register_module("projection", projection);
        }
    }

    /// <summary>Logits (B,) and the body's features (B, F).</summary>
    public (Tensor Logits, Tensor Features) Run(Tensor x, Tensor? labels = null)
    {
        if (inputEmbed is not null)
        {
            if (labels is null) throw new ArgumentException("a conditional discriminator needs labels");
            var e = inputEmbed.forward(labels); // (B, e)
            x = x.dim() == 4
                ? torch.cat([x, e[.., .., TensorIndex.None, TensorIndex.None].expand(-1, -1, x.shape[2], x.shape[3])], 1)
                : torch.cat([x, e], 1);
        }
        var h = body.forward(x);
        var hh = mbd is not null ? mbd.forward(h) : h;
        var logits = head.forward(hh).squeeze(1);
        if (projection is not null)
        {
            if (labels is null) throw new ArgumentException("a conditional discriminator needs labels");
            logits = logits + (projection.forward(labels) * hh).sum(1);
        }
        return (logits, h);
    }

    public Tensor Forward(Tensor x, Tensor? labels = null) => Run(x, labels).Logits;
}

/// <summary>How a cGAN discriminator sees the label.</summary>
public enum Conditioning { Concat, Projection }
