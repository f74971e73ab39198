using System.Security.Cryptography;
using GanService.Training.Families.StyleGan2;
using GanService.Training.Onnx;
using Google.Protobuf;
using Xunit.Abstractions;

namespace GanService.Tests.Families.StyleGan2;

/// <summary>
/// Pins what a fixed-seed StyleGAN2 exports and computes, so refactoring the layers (one synthesis walk, one
/// equalised linear layer) provably changes nothing: the SHA-256 of each exported ONNX graph (the graph only, not the
/// producer metadata) and a few discriminator outputs (compared as <see cref="Pinned"/> says: they are computed by
/// this CPU's kernels). The pinned values were recorded from the code before that
/// refactoring; a change here means existing checkpoints would export or train differently.
/// </summary>
public class StyleGan2PinnedOutputTests(ITestOutputHelper log)
{
    private static readonly StyleGan2Architecture Tiny = new()
    {
        Resolution = 16, ZDim = 12, WDim = 10, MappingLayers = 3, ChannelBase = 128, ChannelMax = 16, ConvClamp = 0.6,
    };

    [Fact]
    public void Exported_graphs_of_a_fixed_seed_generator_are_unchanged()
    {
        var g = StyleGan2ExportTests.Perturbed(Tiny, seed: 11);
        var hashes = StyleGan2ExportFamily.Graphs(g, cutoff: 2)
            .Select(p => Convert.ToHexString(SHA256.HashData(p.Model.Graph.ToByteArray()))[..16])
            .ToArray();
        log.WriteLine(string.Join(" ", hashes));
        Assert.Equal(["EB96BEE890F8574B", "E6EAC3BFFFD7069F", "2F6A83F71393B9BC"], hashes);
    }

    [Fact]
    public void Fixed_seed_discriminator_scores_are_unchanged()
    {
        torch.manual_seed(12);
        var d = new StyleGan2Discriminator(Tiny);
        Assert.Equal(["conv.bias", "conv.weight", "fc.bias", "fc.weight", "out.bias", "out.weight"],
            d.named_parameters().Select(p => p.name).Where(n => !n.StartsWith('b') && !n.StartsWith("fromrgb", StringComparison.Ordinal)).Order());
        using var _ = torch.no_grad();
        var scores = d.forward(torch.randn(4, 3, 16, 16)).flatten().data<float>().ToArray();
        log.WriteLine(string.Join(", ", scores.Select(s => s.ToString("R", System.Globalization.CultureInfo.InvariantCulture))));
        float[] pinned = [0.33817112f, 0.4016874f, 0.3048069f, 0.41644716f];
        Pinned.Equal(scores.Select((s, i) => ($"score {i}", (double)s, (double)pinned[i])));
    }
}
