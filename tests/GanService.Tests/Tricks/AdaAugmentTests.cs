using GanService.Training.Tricks;

namespace GanService.Tests.Tricks;

/// <summary>StyleGAN2-ADA's pipeline: nothing leaks at p = 0, the blit transforms invert exactly, the colour matrices do
/// what the paper says, gradients (first and second order) reach the images, and p follows r_t.</summary>
public class AdaAugmentTests
{
    private static AdaAugment Pipe(string pipe = "bgc", double p = 0, bool ada = false, double kimg = 500, int seed = 1) =>
        new(new AdaOptions { Ada = ada, AugmentPipe = pipe, AugmentP = p, AdaKimg = kimg }, seed);

    // Exact equality of shape and every value (allclose with no tolerance).
    private static bool Same(Tensor a, Tensor b) => a.shape.SequenceEqual(b.shape) && a.allclose(b, 0, 0);

    private static Tensor Images(int b = 8, int c = 3, int size = 16, int seed = 3) =>
        torch.rand([b, c, size, size], generator: new torch.Generator((ulong)seed)) * 2 - 1;

    [Theory]
    [InlineData("bgc")]
    [InlineData("b")]
    [InlineData("g")]
    [InlineData("c")]
    public void At_p_zero_the_output_is_the_input_bit_for_bit(string pipe)
    {
        using var ada = Pipe(pipe, p: 0);
        var x = Images();
        var y = ada.Apply(x);
        Assert.True(Same(x, y));
        // A p so small that no transform is drawn for any image still goes through every group's draw.
        ada.SetP(1e-12);
        Assert.True(Same(x, ada.Apply(x)));
    }

    [Fact]
    public void Images_no_transform_was_drawn_for_come_back_unchanged_beside_ones_that_changed()
    {
        using var ada = Pipe("bgc", p: 0.1);
        var x = Images(b: 64);
        var y = ada.Apply(x);
        Assert.Equal(x.shape, y.shape);
        var same = Enumerable.Range(0, 64).Count(i => Same(x[i], y[i]));
        // 13 draws per image at p = 0.1: about a quarter see none of them (then bit for bit), most see at least one.
        Assert.InRange(same, 4, 40);
    }

    [Fact]
    public void XFlip_twice_is_the_identity_and_flips_only_the_chosen_images()
    {
        var x = Images();
        var flip = torch.tensor(new[] { true, false, true, true, false, false, true, false });
        var once = AdaAugment.XFlip(x, flip);
        Assert.True(Same(once[0], x[0].flip(2)));
        Assert.True(Same(once[1], x[1]));
        Assert.True(Same(x, AdaAugment.XFlip(once, flip)));
    }

    [Fact]
    public void Rotate90_four_times_and_k_then_4_minus_k_are_the_identity()
    {
        var x = Images();
        var k = torch.tensor(new long[] { 0, 1, 2, 3, 1, 2, 3, 0 });
        var y = x;
        for (int i = 0; i < 4; i++) y = AdaAugment.Rotate90(y, k);
        Assert.True(Same(x, y));
        var back = AdaAugment.Rotate90(AdaAugment.Rotate90(x, k), (4 - k).remainder(4));
        Assert.True(Same(x, back));
        Assert.False(Same(x[1], AdaAugment.Rotate90(x, k)[1]));
        Assert.Throws<ArgumentException>(() => AdaAugment.Rotate90(torch.zeros(1, 3, 8, 6), torch.tensor(new long[] { 1 })));
    }

    [Fact]
    public void Integer_translation_moves_pixels_and_its_inverse_restores_the_interior()
    {
        var x = Images(b: 4, size: 16);
        long[] txs = [2, -3, 0, 1], tys = [-1, 2, 3, 0];
        var tx = torch.tensor(txs); var ty = torch.tensor(tys);
        var moved = AdaAugment.IntegerTranslate(x, tx, ty);
        // Pixel (r, c) lands at (r + ty, c + tx).
        Assert.True(Same(moved[0, .., 4..15, 5..16], x[0, .., 5..16, 3..14]));
        var back = AdaAugment.IntegerTranslate(moved, -tx, -ty);
        for (int i = 0; i < 4; i++)
        {
            long mx = Math.Abs(txs[i]), my = Math.Abs(tys[i]);
            var inner = (TensorIndex.Slice(my, 16 - my), TensorIndex.Slice(mx, 16 - mx));
            Assert.True(Same(back[i, .., inner.Item1, inner.Item2], x[i, .., inner.Item1, inner.Item2]), $"image {i}");
        }
    }

    [Fact]
    public void The_border_a_translation_uncovers_is_the_image_mirrored_about_its_edge()
    {
        var ramp = torch.arange(8f).reshape(1, 1, 1, 8).expand(1, 1, 8, 8).contiguous();
        var moved = AdaAugment.IntegerTranslate(ramp, torch.tensor(new long[] { 2 }), torch.tensor(new long[] { 0 }));
        Assert.Equal(new float[] { 2, 1, 0, 1, 2, 3, 4, 5 }, moved[0, 0, 3].data<float>().ToArray());
    }

    [Fact]
    public void Resample_is_exact_for_the_identity_and_a_quarter_turn_matrix()
    {
        var x = Images();
        Assert.True(Same(x, AdaAugment.Resample(x, AdaAugment.Affine.Identity.ToTensor(8))));
        // Output (x, y) reads input (−y, x): torch.rot90 by one quarter over (H, W).
        var quarter = new AdaAugment.Affine(0, -1, 0, 1, 0, 0).ToTensor(8);
        Assert.True(Same(x.rot90(1, (2, 3)), AdaAugment.Resample(x, quarter)));
    }

    [Fact]
    public void Resample_by_half_a_pixel_averages_neighbours_and_keeps_a_constant_image_constant()
    {
        var ramp = torch.arange(8f).reshape(1, 1, 1, 8).expand(1, 1, 8, 8).contiguous();
        var half = AdaAugment.Resample(ramp, AdaAugment.Affine.Translate(0.5, 0).ToTensor(1));
        var row = half[0, 0, 2].data<float>().ToArray();
        for (int c = 0; c < 7; c++) Assert.Equal(c + 0.5, row[c], 1e-5);
        Assert.Equal(6.5, row[7], 1e-5); // 7.5 reflects to 6.5
        var flat = torch.full(2, 3, 8, 8, 0.25f);
        var turned = AdaAugment.Resample(flat, AdaAugment.Affine.Rotate(0.7).ToTensor(2));
        Assert.True(turned.sub(0.25f).abs().max().item<float>() < 1e-6f);
    }

    [Fact]
    public void Colour_matrices_keep_shape_and_do_what_the_paper_says()
    {
        var x = Images(b: 2);
        Tensor Apply(AdaAugment.ColourMatrix m, Tensor img) => AdaAugment.ColourTransform(img, m.ToTensor((int)img.shape[0]));
        static float MaxDiff(Tensor a, Tensor b) => (a - b).abs().max().item<float>();

        // Brightness adds b to every channel; contrast scales about 0 (the middle of [−1, 1]).
        Assert.True(MaxDiff(Apply(AdaAugment.ColourMatrix.Translate(0.3), x), x + 0.3) < 1e-6f);
        Assert.True(MaxDiff(Apply(AdaAugment.ColourMatrix.Scale(0.5), x), x * 0.5) < 1e-6f);
        // The luma flip is a reflection: twice is the identity, and grey g becomes −g.
        var flip = AdaAugment.ColourMatrix.LumaFlip;
        Assert.True(MaxDiff(Apply(flip, Apply(flip, x)), x) < 1e-5f);
        var grey = torch.full(1, 3, 4, 4, 0.4f);
        Assert.True(MaxDiff(Apply(flip, grey), -grey) < 1e-6f);
        // Hue rotation keeps grey, and a third of a turn about the grey axis cycles R → G → B.
        Assert.True(MaxDiff(Apply(AdaAugment.ColourMatrix.HueRotate(1.1), grey), grey) < 1e-6f);
        var third = Apply(AdaAugment.ColourMatrix.HueRotate(2 * Math.PI / 3), x);
        Assert.True(MaxDiff(third, x.roll(1, 1)) < 1e-5f);
        // Saturation 0 leaves each pixel's grey (its channel mean); saturation 1 is the identity.
        var washed = Apply(AdaAugment.ColourMatrix.Saturate(0), x);
        Assert.True(MaxDiff(washed, x.mean([1], keepdim: true).expand_as(x)) < 1e-6f);
        Assert.True(MaxDiff(Apply(AdaAugment.ColourMatrix.Saturate(1), x), x) < 1e-6f);
        // One channel: the RGB rows' mean acts on it (brightness adds, hue has nothing to turn).
        var one = Images(b: 2, c: 1);
        var brighter = Apply(AdaAugment.ColourMatrix.Translate(-0.2), one);
        Assert.Equal(one.shape, brighter.shape);
        Assert.True(MaxDiff(brighter, one - 0.2) < 1e-6f);
    }

    [Fact]
    public void Every_group_at_p_one_keeps_the_shape_and_changes_every_image()
    {
        foreach (var pipe in new[] { "b", "g", "c", "bgc" })
        {
            using var ada = Pipe(pipe, p: 1);
            var x = Images(b: 16);
            var y = ada.Apply(x);
            Assert.Equal(x.shape, y.shape);
            Assert.True(y.isfinite().all().item<bool>());
            int changed = Enumerable.Range(0, 16).Count(i => !Same(x[i], y[i]));
            // Blit can draw "no flip, k = 0, zero shift" for an image; geometric and colour always move something.
            Assert.True(changed >= (pipe == "b" ? 12 : 16), $"{pipe}: {changed} of 16 changed");
        }
        using var single = Pipe("c", p: 1);
        Assert.Equal([4L, 1, 16, 16], single.Apply(Images(b: 4, c: 1)).shape);
    }

    [Fact]
    public void Gradients_reach_the_images_through_every_group_to_second_order()
    {
        using var ada = Pipe("bgc", p: 1);
        var x = Images(b: 4).requires_grad_(true);
        var w = torch.randn([1, 3, 16, 16], generator: new torch.Generator(9)).requires_grad_(true);
        // A stand-in D whose input gradient depends on its weights, as R1 needs: D(y) = Σ w · y².
        var score = (ada.Apply(x).square() * w).sum();
        var grad = torch.autograd.grad([score], [x], retain_graph: true, create_graph: true)[0];
        Assert.True(grad.abs().sum().item<float>() > 0);
        var penalty = grad.square().sum();
        penalty.backward();
        Assert.NotNull(w.grad);
        Assert.True(w.grad!.isfinite().all().item<bool>());
        Assert.True(w.grad!.abs().sum().item<float>() > 0, "R1's second derivative did not reach D's weights");
    }

    [Fact]
    public void P_rises_at_the_papers_speed_while_r_t_is_above_target()
    {
        using var ada = Pipe(ada: true); // interval 4, target 0.6, 500 kimg
        double last = 0;
        for (int interval = 1; interval <= 3; interval++)
        {
            for (int step = 1; step <= 4; step++)
            {
                ada.Observe(torch.ones(32, 1) * 2); // an over-fitted D: every real called real
                var report = ada.EndStep();
                if (step < 4) Assert.True(double.IsNaN(report.Rt));
                else Assert.Equal(1.0, report.Rt);
            }
            Assert.Equal(last + 32 * 4 / 500_000.0, ada.P, 12);
            last = ada.P;
        }
    }

    [Fact]
    public void P_falls_when_r_t_is_below_target_and_stops_at_zero()
    {
        using var ada = Pipe(ada: true, p: 0.001);
        // r_t = 0.25 (5 of 8 positive, 3 negative): below the 0.6 target.
        var mixed = torch.tensor(new float[] { 1, 2, 3, 0.5f, 0.1f, -1, -2, -3 }).reshape(8, 1);
        for (int step = 0; step < 4; step++) ada.Observe(mixed);
        Assert.Equal(0.25, ada.EndStep().Rt, 12);
        Assert.Equal(0.001 - 32 / 500_000.0, ada.P, 12);
        for (int step = 0; step < 400; step++) { ada.Observe(-torch.ones(8, 1)); ada.EndStep(); }
        Assert.Equal(0.0, ada.P);
    }

    [Fact]
    public void Fixed_p_logs_r_t_but_never_moves()
    {
        using var ada = Pipe(ada: false, p: 0.3);
        for (int step = 0; step < 8; step++) { ada.Observe(torch.ones(16, 1)); ada.EndStep(); }
        Assert.Equal(0.3, ada.P, 12);
        var logged = ada.EndStep(new Dictionary<string, double> { ["D"] = 0.5 });
        Assert.Equal(0.3, logged[AdaAugment.PKey], 12);
        Assert.True(double.IsNaN(logged[AdaAugment.RtKey]));
        Assert.Equal(0.5, logged["D"]);
    }

    [Fact]
    public void Options_name_what_is_wrong()
    {
        Assert.Null(new AdaOptions { Ada = true }.Problem(3));
        Assert.Contains("unknown group 'x'", new AdaOptions { AugmentPipe = "bgx" }.Problem(3));
        Assert.Contains("given twice", new AdaOptions { AugmentPipe = "bb" }.Problem(3));
        Assert.Contains("adaTarget", new AdaOptions { AdaTarget = 1.5 }.Problem(3));
        Assert.Contains("augmentP", new AdaOptions { AugmentP = -0.1 }.Problem(3));
        Assert.Contains("1 or 3 image channels", new AdaOptions { Ada = true }.Problem(4));
        Assert.Throws<ArgumentException>(() => Pipe("q"));
    }
}
