using System.Diagnostics;
using GanService.Training.Platform;
using Xunit.Abstractions;

namespace GanService.Tests.Platform;

/// <summary>
/// The convolution check and its remedies (docs/platform.md). Each remedy is forced on here and compared with float64
/// on the probe's shapes, so these hold on any x86 CPU; on one where libtorch's oneDNN is wrong (AMD Zen 5) they are
/// the proof that the remedy fixes it.
/// </summary>
public sealed class ConvolutionBackendTests(ITestOutputHelper log)
{
    private static readonly IReadOnlyList<string> Wrong = ["conv 3×3 20→32: output off by 0.94"];

    /// <summary>A backend with the Zen 5 defect, simulated: wrong whenever a convolution has more than 16 input
    /// channels that are not a multiple of 16, as libtorch 2.10's oneDNN is there.</summary>
    private static readonly ConvFunction Defective = (x, w, b, stride, padding, groups, transposed) =>
    {
        var y = ConvolutionProbe.Plain(x, w, b, stride, padding, groups, transposed);
        long cin = x.shape[1] / groups;
        return x.dtype == ScalarType.Float32 && cin > 16 && cin % 16 != 0 ? y + 0.5 : y;
    };

    [Fact]
    public void The_probe_finds_a_defective_backend_and_names_the_shapes()
    {
        var wrong = ConvolutionProbe.Run(Defective);
        log.WriteLine(string.Join("\n", wrong));
        Assert.Contains(wrong, w => w.StartsWith("conv 3×3 20→32: output", StringComparison.Ordinal));
        Assert.Contains(wrong, w => w.StartsWith("convT 4×4 100→256 on 1×1: output", StringComparison.Ordinal));
        Assert.DoesNotContain(wrong, w => w.StartsWith("conv 3×3 64→64", StringComparison.Ordinal)); // a right shape stays right
    }

    [Fact]
    public void The_probe_does_not_move_the_global_random_generator()
    {
        torch.manual_seed(123);
        var expected = torch.rand(4);
        torch.manual_seed(123);
        ConvolutionProbe.Run(ConvolutionProbe.Plain);
        Assert.Equal(expected.data<float>().ToArray(), torch.rand(4).data<float>().ToArray());
    }

    [Fact]
    public void Forced_pad_gives_the_float64_answer_to_first_order()
    {
        // The pad remedy's first-order results (output, input/weight/bias gradients) on every probe shape; its
        // second-order weight gradient is not claimed: libtorch's double backward runs convolutions whose channels are
        // the batch (see the check's choice below).
        var firstOrder = ConvolutionProbe.Run(ConvolutionProbe.Padded).Where(w => !w.Contains("second-order", StringComparison.Ordinal)).ToList();
        Assert.True(firstOrder.Count == 0, string.Join("; ", firstOrder));
    }

    [Fact]
    public void Padded_convolutions_equal_the_plain_ones_exactly_in_float64()
    {
        // float64 does not go through oneDNN: this isolates the padding arithmetic (zeros in, slices out, groups).
        var gen = new torch.Generator(7);
        foreach (var (cin, cout, groups, transposed) in new[] { (20L, 3L, 1L, false), (40L, 40L, 2L, false), (3L, 48L, 1L, true), (40L, 6L, 2L, true) })
        {
            var x = torch.randn([2, cin, 6, 6], dtype: ScalarType.Float64, generator: gen);
            var w = torch.randn(transposed ? [cin, cout / groups, 3, 3] : [cout, cin / groups, 3, 3], dtype: ScalarType.Float64, generator: gen);
            var b = torch.randn([cout], dtype: ScalarType.Float64, generator: gen);
            var plain = ConvolutionProbe.Plain(x, w, b, 2, 1, groups, transposed);
            var padded = ConvolutionProbe.Padded(x, w, b, 2, 1, groups, transposed);
            Assert.Equal(plain.shape, padded.shape);
            Assert.True((plain - padded).abs().max().item<double>() < 1e-12, $"{cin}→{cout} g{groups} T{transposed}");
        }
    }

    [Fact]
    public void Forced_no_mkldnn_gives_the_float64_answer()
    {
        bool before = LibTorchNative.MkldnnEnabled ?? true;
        try
        {
            Assert.True(LibTorchNative.SetMkldnnEnabled(false));
            var wrong = ConvolutionProbe.Run(ConvolutionProbe.Plain);
            Assert.True(wrong.Count == 0, string.Join("; ", wrong));
        }
        finally { LibTorchNative.SetMkldnnEnabled(before); }
    }

    [Fact]
    public void Forced_isa_in_a_fresh_process_gives_the_float64_answer_and_doctor_says_so()
    {
        // oneDNN reads its ISA cap once, before its first convolution: only a new process can show it.
        var (exit, output) = Doctor("isa");
        log.WriteLine(output);
        Assert.Equal(0, exit);
        Assert.Contains("remedy        isa (oneDNN capped at SSE41", output);
        Assert.Contains("checked against float64", output);
    }

    [Fact]
    public void Doctor_reports_the_cpu_the_versions_and_the_check()
    {
        var (exit, output) = Doctor("auto");
        log.WriteLine(output);
        Assert.Equal(0, exit);
        Assert.DoesNotContain("NNPACK", output); // libtorch's per-call warning where NNPACK cannot start: turned off
        foreach (var row in new[] { "cpu ", "isa ", "torchsharp    0.107", "oneDNN v", "onnxruntime   1.", "cuda ", "threads ", "check ", "remedy ", "result        OK" })
            Assert.Contains(row, output);
        var report = ConvolutionBackend.Check();
        if (report.DefectFound == true)
        {
            Assert.Contains("check         DEFECT", output);
            Assert.Contains("result        OK (remedied: ", output);
        }
    }

    private static (int Exit, string Output) Doctor(string setting)
    {
        var psi = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "gan.dll"), "doctor"])
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        psi.Environment[ConvolutionBackend.SettingVariable] = setting;
        psi.Environment.Remove("ONEDNN_MAX_CPU_ISA");
        using var p = Process.Start(psi)!;
        var stderr = p.StandardError.ReadToEndAsync();
        string stdout = p.StandardOutput.ReadToEnd();
        Assert.True(p.WaitForExit(60_000), "gan doctor did not finish in 60 s");
        return (p.ExitCode, stdout + stderr.Result);
    }

    [Fact]
    public void A_wrong_backend_gets_a_right_remedy_and_says_so()
    {
        var applied = new List<ConvRemedy>();
        var report = ConvolutionBackend.Decide("auto", r => r == ConvRemedy.None ? Wrong : [], r => { applied.Add(r); return true; });
        Assert.Equal(ConvRemedy.NoMkldnn, report.Remedy);
        Assert.True(report.Right);
        Assert.True(report.DefectFound);
        Assert.Equal([ConvRemedy.NoMkldnn], applied);
        Assert.Contains("wrong on this CPU", report.Summary);
        Assert.Contains("remedy in force: no-mkldnn", report.Summary);
    }

    [Fact]
    public void When_a_remedy_cannot_be_applied_or_is_still_wrong_the_next_is_taken()
    {
        var applied = new List<ConvRemedy>();
        var report = ConvolutionBackend.Decide("auto", r => r == ConvRemedy.None ? Wrong : [], r => { applied.Add(r); return r != ConvRemedy.NoMkldnn; });
        Assert.Equal(ConvRemedy.Pad, report.Remedy);
        Assert.Contains("no-mkldnn could not be applied", report.Summary);
        applied.Clear();
        report = ConvolutionBackend.Decide("pad", r => r is ConvRemedy.None or ConvRemedy.Pad ? Wrong : [], r => { applied.Add(r); return true; });
        Assert.Equal(ConvRemedy.NoMkldnn, report.Remedy);
        Assert.Equal([ConvRemedy.Pad, ConvRemedy.None, ConvRemedy.NoMkldnn], applied);
        Assert.Contains("pad still wrong", report.Summary);
    }

    [Fact]
    public void With_no_remedy_right_the_report_refuses()
    {
        var report = ConvolutionBackend.Decide("auto", _ => Wrong, _ => true);
        Assert.False(report.Right);
        Assert.Contains("refusing to train", report.Summary);
    }

    [Fact]
    public void A_right_backend_gets_no_remedy_and_off_probes_nothing()
    {
        var right = ConvolutionBackend.Decide("auto", _ => [], _ => throw new InvalidOperationException("nothing to apply"));
        Assert.Equal(ConvRemedy.None, right.Remedy);
        Assert.False(right.DefectFound);
        var off = ConvolutionBackend.Decide("off", _ => throw new InvalidOperationException("no probe"), _ => throw new InvalidOperationException());
        Assert.True(off.Right);
        Assert.Null(off.DefectFound);
    }

    [Fact]
    public void A_named_isa_is_applied_before_any_probe()
    {
        var calls = new List<string>();
        var report = ConvolutionBackend.Decide("isa", r => { calls.Add($"probe {r}"); return []; }, r => { calls.Add($"apply {r}"); return true; });
        Assert.Equal(["apply Isa", "probe Isa"], calls);
        Assert.Equal(ConvRemedy.Isa, report.Remedy);
        Assert.Null(report.DefectFound);
    }

    [Theory]
    [InlineData(null, "auto")]
    [InlineData(" PAD ", "pad")]
    [InlineData("no-mkldnn", "no-mkldnn")]
    public void The_setting_reads_its_values(string? value, string expected) => Assert.Equal(expected, ConvolutionBackend.ReadSetting(value));

    [Fact]
    public void An_unknown_setting_is_refused_with_the_choices() =>
        Assert.Contains("auto, off, pad, isa, no-mkldnn", Assert.Throws<ArgumentException>(() => ConvolutionBackend.ReadSetting("fast")).Message);
}
