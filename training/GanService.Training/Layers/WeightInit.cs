namespace GanService.Training.Layers;

public enum InitType { Normal, Xavier, Kaiming, Orthogonal, Default }

/// <summary>
/// junyanz networks.init_weights: every Conv/ConvTranspose/Linear weight ~ N(0, gain) (or xavier_normal(gain),
/// kaiming_normal(a=0, fan_in), orthogonal(gain)), its bias 0; every BatchNorm weight ~ N(1, gain), bias 0.
/// InstanceNorm (affine or not) keeps its default (1, 0), as in the reference. Default = leave PyTorch's init (StarGAN).
/// </summary>
public static class WeightInit
{
    public static void Apply(nn.Module root, InitType type = InitType.Normal, double gain = 0.02)
    {
        if (type == InitType.Default) return;
        using var _ = torch.no_grad();
        foreach (var (_, m) in root.named_modules())
        {
            switch (m)
            {
                case Conv2d c: InitWeight(c.weight, type, gain); if (c.bias is not null) c.bias.zero_(); break;
                case ConvTranspose2d t: InitWeight(t.weight, type, gain); if (t.bias is not null) t.bias.zero_(); break;
                case Linear l: InitWeight(l.weight, type, gain); if (l.bias is not null) l.bias.zero_(); break;
                case BatchNorm2d b:
                    if (b.weight is not null) nn.init.normal_(b.weight, 1.0, gain);
                    b.bias?.zero_();
                    break;
            }
        }
    }

    private static void InitWeight(Tensor w, InitType type, double gain)
    {
        switch (type)
        {
            case InitType.Normal: nn.init.normal_(w, 0.0, gain); break;
            case InitType.Xavier: nn.init.xavier_normal_(w, gain); break;
            case InitType.Kaiming: nn.init.kaiming_normal_(w, a: 0, mode: nn.init.FanInOut.FanIn); break;
            case InitType.Orthogonal: nn.init.orthogonal_(w, gain); break;
        }
    }
}
