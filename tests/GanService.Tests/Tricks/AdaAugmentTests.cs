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
    [InlineData("filter")]
    [InlineData("noise")]
    [InlineData("cutout")]
    [InlineData("bgcfnc")]
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
        foreach (var pipe in new[] { "b", "g", "c", "bgc", "filter", "noise", "cutout", "bgcfnc" })
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
        using var ada = Pipe("bgcfnc", p: 1);
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
        Assert.Contains("given twice", new AdaOptions { AugmentPipe = "bgc,color" }.Problem(3));
        Assert.Contains("empty part", new AdaOptions { AugmentPipe = "bg," }.Problem(3));
        // Only the colour group needs RGB or grey: cutout (which has a 'c' in its name) does not.
        Assert.Null(new AdaOptions { Ada = true, AugmentPipe = "geom,cutout" }.Problem(4));
        Assert.Contains("1 or 3 image channels", new AdaOptions { Ada = true, AugmentPipe = "bgcfnc" }.Problem(4));
        Assert.Contains("adaTarget", new AdaOptions { AdaTarget = 1.5 }.Problem(3));
        Assert.Contains("augmentP", new AdaOptions { AugmentP = -0.1 }.Problem(3));
        Assert.Contains("1 or 3 image channels", new AdaOptions { Ada = true }.Problem(4));
        Assert.Throws<ArgumentException>(() => Pipe("q"));
    }

    [Theory]
    [InlineData("blit", "b")]
    [InlineData("geom", "g")]
    [InlineData("color", "c")]
    [InlineData("filter", "f")]
    [InlineData("noise", "n")]
    [InlineData("cutout", "x")]
    [InlineData("bg", "bg")]
    [InlineData("bgc", "bgc")]
    [InlineData("bgcf", "bgcf")]
    [InlineData("bgcfn", "bgcfn")]
    [InlineData("bgcfnc", "bgcfnx")]
    [InlineData("gc", "gc")]
    [InlineData("nf", "fn")]
    [InlineData("bg,cutout", "bgx")]
    [InlineData("geom, noise", "gn")]
    public void Pipelines_read_NVlabs_names_letters_and_joined_parts(string pipe, string groups)
    {
        // groups: the letters of the groups expected on (x = cutout, which has no letter of its own).
        Assert.Null(AugmentGroups.Parse(pipe, out var g));
        Assert.Equal(groups.Contains('b'), g.Blit);
        Assert.Equal(groups.Contains('g'), g.Geometric);
        Assert.Equal(groups.Contains('c'), g.Colour);
        Assert.Equal(groups.Contains('f'), g.Filter);
        Assert.Equal(groups.Contains('n'), g.Noise);
        Assert.Equal(groups.Contains('x'), g.Cutout);
    }

    [Fact]
    public void The_filter_bank_is_four_symmetric_octave_bands_that_sum_to_an_impulse()
    {
        var bank = AdaAugment.FilterBank;
        Assert.Equal(4, bank.GetLength(0));
        int taps = bank.GetLength(1);
        Assert.Equal(43, taps); // 1 tap, three times upsampled by 2 and convolved with the 7-tap H(z)H(1/z)/2
        for (int k = 0; k < taps; k++)
        {
            double sum = 0;
            for (int band = 0; band < 4; band++) sum += bank[band, k];
            // To 1e-9: the published sym2 coefficients are orthogonal to about 1e-12, not exactly.
            Assert.Equal(k == taps / 2 ? 1.0 : 0.0, sum, 9);
            for (int band = 0; band < 4; band++) Assert.Equal(bank[band, k], bank[band, taps - 1 - k], 12);
        }
        for (int band = 0; band < 4; band++)
        {
            // Response at DC (Σ h) and at Nyquist (Σ (−1)^k h): the lowest band passes DC, the highest passes Nyquist.
            double dc = 0, nyquist = 0;
            for (int k = 0; k < taps; k++) { dc += bank[band, k]; nyquist += (k % 2 == 0 ? 1 : -1) * bank[band, k]; }
            Assert.Equal(band == 0 ? 1.0 : 0.0, dc, 9);
            Assert.Equal(band == 3 ? 1.0 : 0.0, Math.Abs(nyquist), 9);
        }
    }

    // A constant a plus a checkerboard b·(−1)^(row+col), on (n, 1, size, size).
    private static Tensor ConstantPlusCheckerboard(int n, int size, float a, float b)
    {
        var r = torch.arange(size).reshape(size, 1); var c = torch.arange(size).reshape(1, size);
        var board = ((r + c).remainder(2) * -2 + 1).to_type(ScalarType.Float32);
        return (board * b + a).expand(n, 1, size, size).contiguous();
    }

    [Fact]
    public void Filtering_scales_each_band_by_its_gain_once_per_direction_and_gains_of_one_filter_nothing()
    {
        foreach (int size in new[] { 32, 8 }) // 8: smaller than the 43-tap bank, reflected more than once
        {
            var x = ConstantPlusCheckerboard(2, size, 0.3f, 0.2f);
            var gains = torch.tensor(new float[] { 2, 1, 1, 1, 0.5f, 7, 7, 3 }, [2, 4]);
            var y = AdaAugment.Filter(x, gains);
            // Separable: rows then columns, so the constant (band 0 only) gets g0² and the checkerboard (band 3 only) g3².
            var expected = torch.cat([ConstantPlusCheckerboard(1, size, 0.3f * 4, 0.2f), ConstantPlusCheckerboard(1, size, 0.3f * 0.25f, 0.2f * 9)]);
            Assert.True((y - expected).abs().max().item<float>() < 1e-5f, $"size {size}");
            var images = Images(b: 2, size: size);
            var same = AdaAugment.Filter(images, torch.ones(2, 4));
            Assert.True((same - images).abs().max().item<float>() < 1e-5f, $"size {size}: gains of one changed the image");
        }
    }

    [Fact]
    public void Filter_gains_follow_NVlabs_distribution()
    {
        // One band's draw keeps the expected power of a 1/f image (10:1:1:1) at 1, and a gain of 1 is the identity.
        foreach (double gain in new[] { 0.25, 1, 3.5 })
        {
            var t = AdaAugment.FilterGainVector(2, gain);
            Assert.Equal(1.0, (10 * t[0] * t[0] + t[1] * t[1] + t[2] * t[2] + t[3] * t[3]) / 13, 12);
            Assert.Equal(gain, t[2] / t[0], 12);
        }
        Assert.All(AdaAugment.FilterGainVector(1, 1), v => Assert.Equal(1.0, v, 12));

        // Through the pipeline at p = 1: g3 / g0 = t3 / t0 (the normalisations cancel), so log2(g3 / g0) = N₃ − N₀ with
        // σ = √2 (imgfilter_std 1). Read g0² and g3² off a constant + checkerboard image.
        const int n = 2000;
        using var ada = Pipe("filter", p: 1, seed: 5);
        var y = ada.Apply(ConstantPlusCheckerboard(n, 8, 0.5f, 0.5f));
        var even = y[.., 0, 0, 0]; var odd = y[.., 0, 0, 1];
        var g0Squared = (even + odd); var g3Squared = (even - odd);
        var logRatio = (g3Squared / g0Squared).log2() / 2;
        Assert.InRange(logRatio.mean().item<float>(), -0.1, 0.1);
        Assert.InRange(logRatio.std().item<float>(), 1.3, 1.53);

        // At p = 0.5 each band is drawn with 0.5: one image in 16 has none drawn and comes back bit for bit.
        using var half = Pipe("filter", p: 0.5, seed: 6);
        var images = Images(b: n, c: 1, size: 8);
        var filtered = half.Apply(images);
        double unchanged = (filtered - images).abs().amax([1, 2, 3]).eq(0).to_type(ScalarType.Float64).mean().item<double>();
        Assert.InRange(unchanged, 0.035, 0.09);
    }

    [Fact]
    public void Noise_has_NVlabs_standard_deviation_and_touches_p_of_the_images()
    {
        const int n = 2000;
        using var ada = Pipe("noise", p: 1, seed: 7);
        var y = ada.Apply(torch.zeros(n, 3, 16, 16));
        // σ = |N(0, 1)| · 0.1 per image: E[σ] = 0.1·√(2/π) ≈ 0.0798, E[σ²] = 0.01; the noise itself has mean 0.
        var sigma = y.reshape(n, -1).std(1);
        Assert.InRange(sigma.mean().item<float>(), 0.0758, 0.0838);
        Assert.InRange(y.square().mean().item<float>(), 0.0090, 0.0110);
        Assert.InRange(y.mean().item<float>(), -0.002, 0.002);
        using var half = Pipe("noise", p: 0.5, seed: 8);
        var x = Images(b: n, size: 8);
        double untouched = (half.Apply(x) - x).abs().amax([1, 2, 3]).eq(0).to_type(ScalarType.Float64).mean().item<double>();
        Assert.InRange(untouched, 0.45, 0.55);
    }

    [Fact]
    public void Cutout_zeroes_one_rectangle_half_the_size_with_the_expected_area()
    {
        const int n = 2000, size = 16;
        using var ada = Pipe("cutout", p: 1, seed: 9);
        var y = ada.Apply(torch.ones(n, 3, size, size));
        var cut = y[.., 0].eq(0);                                   // (n, H, W)
        Assert.True(y.eq(0).eq(cut.unsqueeze(1)).all().item<bool>(), "every channel cut alike");
        Assert.True(y.eq(0).logical_or(y.eq(1)).all().item<bool>(), "pixels outside the cut are untouched");
        var rows = cut.any(2); var cols = cut.any(1);               // (n, H), (n, W)
        for (int i = 0; i < n; i += 97)
        {
            // One axis-aligned rectangle: the cut pixels are exactly its rows × its columns, each a run of at most 8.
            var rect = rows[i].unsqueeze(1).logical_and(cols[i].unsqueeze(0));
            Assert.True(rect.eq(cut[i]).all().item<bool>(), $"image {i}: the cut is not a rectangle");
            foreach (var axis in new[] { rows[i], cols[i] })
            {
                var on = axis.data<bool>().ToArray();
                int first = Array.IndexOf(on, true), last = Array.LastIndexOf(on, true), count = on.Count(v => v);
                Assert.Equal(last - first + 1, count);
                Assert.InRange(count, 4, size / 2);
            }
        }
        // Expected cut fraction along one axis: pixel c is cut when the centre u ~ U(0, 1) lies within ¼ of (c + ½)/16.
        double axisFraction = Enumerable.Range(0, size).Sum(c => Math.Min(1, (c + 0.5) / size + 0.25) - Math.Max(0, (c + 0.5) / size - 0.25)) / size;
        double area = cut.to_type(ScalarType.Float64).mean().item<double>();
        Assert.InRange(area, axisFraction * axisFraction - 0.01, axisFraction * axisFraction + 0.01);

        using var half = Pipe("cutout", p: 0.5, seed: 10);
        var x = Images(b: n, size: 8);
        double untouched = (half.Apply(x) - x).abs().amax([1, 2, 3]).eq(0).to_type(ScalarType.Float64).mean().item<double>();
        Assert.InRange(untouched, 0.45, 0.55);
    }
}
