namespace GanService.Training.Families.StyleGan2;

/// <summary>
/// DiffAugment (Zhao et al. 2020, mit-han-lab/data-efficient-gans DiffAugment_pytorch.py): differentiable colour,
/// translation (1/8 of the size, zero padded) and cutout (half the size) applied to real AND fake images before D, so a
/// few thousand images do not let D memorise. Same maths as the reference, index-gather instead of fancy indexing.
/// Images in [-1, 1], (B, C, H, W).
/// </summary>
public static class DiffAugment
{
    public static Tensor Apply(Tensor x, string policy)
    {
        foreach (var p in policy.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            x = p switch
            {
                "color" => Color(x),
                "translation" => Translation(x),
                "cutout" => Cutout(x),
                _ => throw new ArgumentException($"unknown DiffAugment policy '{p}' (color, translation, cutout)"),
            };
        return x;
    }

    public static Tensor Color(Tensor x)
    {
        long b = x.shape[0];
        x = x + (torch.rand(b, 1, 1, 1, device: x.device) - 0.5);                                   // brightness
        var m = x.mean([1], keepdim: true);
        x = (x - m) * (torch.rand(b, 1, 1, 1, device: x.device) * 2) + m;                           // saturation
        m = x.mean([1, 2, 3], keepdim: true);
        return (x - m) * (torch.rand(b, 1, 1, 1, device: x.device) + 0.5) + m;                      // contrast
    }

    public static Tensor Translation(Tensor x, double ratio = 0.125)
    {
        long b = x.shape[0], c = x.shape[1], h = x.shape[2], w = x.shape[3];
        long sx = (long)(h * ratio + 0.5), sy = (long)(w * ratio + 0.5);
        var tx = torch.randint(-sx, sx + 1, [b, 1, 1], device: x.device);
        var ty = torch.randint(-sy, sy + 1, [b, 1, 1], device: x.device);
        var gx = (torch.arange(h, device: x.device).reshape(1, h, 1) + tx + 1).clamp(0, h + 1);      // rows in the 1-padded image
        var gy = (torch.arange(w, device: x.device).reshape(1, 1, w) + ty + 1).clamp(0, w + 1);
        var gb = torch.arange(b, device: x.device).reshape(b, 1, 1);
        var flat = ((gb * (h + 2) + gx) * (w + 2) + gy).flatten();              // (B·H·W) indices into (B, H+2, W+2)
        var padded = nn.functional.pad(x, [1, 1, 1, 1]).permute(0, 2, 3, 1).reshape(-1, c);
        return padded.index_select(0, flat).reshape(b, h, w, c).permute(0, 3, 1, 2);
    }

    public static Tensor Cutout(Tensor x, double ratio = 0.5)
    {
        long b = x.shape[0], h = x.shape[2], w = x.shape[3];
        long ch = (long)(h * ratio + 0.5), cw = (long)(w * ratio + 0.5);
        var ox = torch.randint(0, h + (1 - ch % 2), [b, 1, 1], device: x.device) - ch / 2;           // first cut row
        var oy = torch.randint(0, w + (1 - cw % 2), [b, 1, 1], device: x.device) - cw / 2;
        var rows = torch.arange(h, device: x.device).reshape(1, h, 1);
        var cols = torch.arange(w, device: x.device).reshape(1, 1, w);
        var cut = rows.ge(ox).logical_and(rows.lt(ox + ch)).logical_and(cols.ge(oy)).logical_and(cols.lt(oy + cw));
        var mask = cut.logical_not().to_type(x.dtype).unsqueeze(1);                // (B, 1, H, W)
        return x * mask;
    }
}
