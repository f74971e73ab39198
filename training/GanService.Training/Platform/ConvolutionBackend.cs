using System.Diagnostics;

namespace GanService.Training.Platform;

/// <summary>How the project keeps libtorch's f32 convolutions right on a CPU where oneDNN gets them wrong.</summary>
public enum ConvRemedy
{
    /// <summary>libtorch as it comes.</summary>
    None,
    /// <summary>The project's convolutions pad their channels to shapes oneDNN gets right (<see cref="ChannelPadding"/>).</summary>
    Pad,
    /// <summary>oneDNN capped at SSE4.1 (ONEDNN_MAX_CPU_ISA, set before its first convolution).</summary>
    Isa,
    /// <summary>libtorch's oneDNN (mkldnn) kernels switched off: its own convolution code runs instead.</summary>
    NoMkldnn,
}

/// <summary>What the numerics check found and what it put in force.</summary>
public sealed record NumericsReport(
    string Setting, IReadOnlyList<string> WrongByDefault, ConvRemedy Remedy, IReadOnlyList<string> WrongWithRemedy, string Summary, double Milliseconds)
{
    /// <summary>The default backend was right, or a remedy made it right.</summary>
    public bool Right => WrongWithRemedy.Count == 0;
    /// <summary>The default backend was wrong on this machine (null: not checked — settings "off" and "isa").</summary>
    public bool? DefectFound => Setting is "off" or "isa" ? null : WrongByDefault.Count > 0;
}

/// <summary>
/// The one way the project's layers run a convolution, and the platform check behind it. Before the first
/// convolution of a process (and at the start of every training run), <see cref="Ensure"/> runs
/// <see cref="ConvolutionProbe"/> against float64. libtorch 2.10's oneDNN computes some f32 convolutions wrong on AMD
/// Zen 5 (docs/platform.md); when the probe finds that, a remedy that the probe then finds right is put in force and
/// said once on <see cref="Log"/>. The environment variable <see cref="SettingVariable"/> overrides the choice:
/// <c>auto</c> (default), <c>off</c> (no check, libtorch as it comes), <c>pad</c>, <c>isa</c>, <c>no-mkldnn</c>
/// (that remedy whatever the probe finds; checked all the same, and a remedy that does not take effect falls back to the
/// next one). Training never continues silently on a backend the probe finds wrong: with no remedy right,
/// <see cref="Ensure"/> throws.
/// </summary>
public static class ConvolutionBackend
{
    public const string SettingVariable = "GAN_CONV_REMEDY";
    public static readonly IReadOnlyList<string> Settings = ["auto", "off", "pad", "isa", "no-mkldnn"];

    /// <summary>oneDNN's ISA cap that the isa remedy sets: the highest level measured right on Zen 5 (AVX and AVX2 are
    /// wrong there too).</summary>
    public const string IsaCap = "SSE41";

    /// <summary>Where the one line about a defect and its remedy goes (standard error by default).</summary>
    public static TextWriter Log { get; set; } = Console.Error;

    private static readonly Lock Gate = new();
    private static NumericsReport? _report;
    private static volatile int _remedy = -1; // ConvRemedy once decided; read on every convolution

    /// <summary>The check's result, running it the first time (thread-safe; later calls return the same report);
    /// throws when the probe found the convolutions wrong and no remedy made them right.</summary>
    public static NumericsReport Ensure()
    {
        var report = Check();
        return report.Right ? report : throw new Training.TrainingNumericsException(report.Summary);
    }

    /// <summary>The check's result, running it the first time, without throwing (for <c>gan doctor</c>).</summary>
    public static NumericsReport Check()
    {
        if (_report is { } done) return done;
        lock (Gate)
        {
            if (_report is not null) return _report;
            var setting = ReadSetting(Environment.GetEnvironmentVariable(SettingVariable));
            var sw = Stopwatch.StartNew();
            // NNPACK is reached only by convolutions oneDNN does not take (float64 — the probe's reference — and every one
            // under no-mkldnn); where it cannot start, libtorch warns "Could not initialize NNPACK" on each such call.
            if (setting != "off") LibTorchNative.SetNnpackEnabled(false);
            var report = Decide(setting, Probe, Apply) with { Milliseconds = sw.Elapsed.TotalMilliseconds };
            _remedy = (int)report.Remedy;
            _report = report;
            if (report.DefectFound == true || report.Remedy != ConvRemedy.None || !report.Right) Log.WriteLine(report.Summary);
            return report;
        }
    }

    private static readonly Dictionary<string, IReadOnlyList<string>> DeviceChecks = [];

    /// <summary>
    /// The settings a CUDA run trains with, as NVlabs' stylegan2-ada-pytorch training_loop.py sets them: TF32 off for
    /// cuDNN convolutions and cuBLAS matmuls (its <c>allow_tf32=False</c>: libtorch's default lets cuDNN use TF32, a
    /// 10-bit mantissa) and cuDNN's algorithm search on (<c>cudnn_benchmark=True</c>: the fastest kernel per shape).
    /// Returns whether the benchmark switch could be reached.
    /// </summary>
    public static bool ApplyCudaTrainingSettings()
    {
        torch.backends.cudnn.allow_tf32 = false;
        torch.backends.cuda.matmul.allow_tf32 = false;
        return LibTorchNative.SetCudnnBenchmark(true);
    }

    /// <summary>The probe's f32 convolutions on <paramref name="device"/> against float64 on the CPU, under the CUDA
    /// training settings (<see cref="ApplyCudaTrainingSettings"/>); empty when right, or when the setting is <c>off</c>.
    /// Run once per device and process.</summary>
    public static IReadOnlyList<string> CheckDevice(Device device)
    {
        lock (Gate)
        {
            var key = device.ToString();
            if (DeviceChecks.TryGetValue(key, out var done)) return done;
            if (device.type == DeviceType.CUDA) ApplyCudaTrainingSettings();
            // GAN_CONV_REMEDY=off means no check here too (measuring libtorch as it comes).
            IReadOnlyList<string> wrong = ReadSetting(Environment.GetEnvironmentVariable(SettingVariable)) == "off"
                ? [] : ConvolutionProbe.Run(ConvolutionProbe.Plain, device);
            DeviceChecks[key] = wrong;
            return wrong;
        }
    }

    /// <summary>Before a run on a GPU: its convolutions checked as the CPU's are (<see cref="CheckDevice"/>); throws
    /// when the probe finds them wrong — there is no remedy to put in force on a GPU. Nothing to do on the CPU
    /// (<see cref="Ensure"/> covers it).</summary>
    public static void EnsureDevice(Device device)
    {
        if (device.type == DeviceType.CPU) return;
        var wrong = CheckDevice(device);
        if (wrong.Count > 0)
            throw new Training.TrainingNumericsException(
                $"numerics: f32 convolutions on {device} differ from float64 ({wrong.Count} of the probe's results, e.g. {wrong[0]}); " +
                "refusing to train. See `gan doctor`.");
    }

    /// <summary>The remedy in force (runs the check if it has not run).</summary>
    public static ConvRemedy Remedy => _remedy >= 0 ? (ConvRemedy)_remedy : Ensure().Remedy;

    /// <summary>The setting named by <paramref name="value"/> (null or empty: auto).</summary>
    public static string ReadSetting(string? value)
    {
        var s = string.IsNullOrWhiteSpace(value) ? "auto" : value.Trim().ToLowerInvariant();
        return Settings.Contains(s) ? s
            : throw new ArgumentException($"{SettingVariable}={value}: expected one of {string.Join(", ", Settings)}");
    }

    public static string Name(ConvRemedy r) => r switch
    {
        ConvRemedy.None => "none",
        ConvRemedy.Pad => "pad",
        ConvRemedy.Isa => "isa",
        ConvRemedy.NoMkldnn => "no-mkldnn",
        _ => throw new ArgumentOutOfRangeException(nameof(r)),
    };

    public static string Describe(ConvRemedy r) => r switch
    {
        ConvRemedy.None => "none (libtorch as it comes)",
        ConvRemedy.Pad => "pad (the project's convolutions run with zero-padded channels, to 16 or a multiple of 32; exact)",
        ConvRemedy.Isa => $"isa (oneDNN capped at {IsaCap} through ONEDNN_MAX_CPU_ISA)",
        ConvRemedy.NoMkldnn => "no-mkldnn (libtorch's oneDNN kernels off; slower convolutions)",
        _ => throw new ArgumentOutOfRangeException(nameof(r)),
    };

    /// <summary>
    /// The decision, apart from libtorch: <paramref name="probe"/> returns what is wrong with a remedy in force, and
    /// <paramref name="apply"/> puts a remedy in force (false: it could not). <c>auto</c> probes libtorch as it comes
    /// and, when it is wrong, takes the first of no-mkldnn and pad that the probe finds right. no-mkldnn comes first:
    /// it is right for every shape and for the double backward of gradient penalties (pad is not, on Zen 5), and its
    /// cost is within a third of the isa cap's (docs/platform.md). The isa cap cannot be chosen after the fact: oneDNN
    /// reads it once, before its first convolution, which the probe has then run. A named remedy is applied first
    /// (isa before any probe), then checked; if it is wrong the others are tried in the same order.
    /// </summary>
    public static NumericsReport Decide(string setting, Func<ConvRemedy, IReadOnlyList<string>> probe, Func<ConvRemedy, bool> apply)
    {
        if (setting == "off")
            return new(setting, [], ConvRemedy.None, [], $"numerics: convolution check off ({SettingVariable}=off)", 0);
        var order = new List<ConvRemedy> { ConvRemedy.NoMkldnn, ConvRemedy.Pad };
        IReadOnlyList<string> wrongByDefault = [];
        var notes = new List<string>();
        // The isa cap must be set before oneDNN's first convolution, so a named isa is not preceded by a probe.
        if (setting != "isa") wrongByDefault = probe(ConvRemedy.None);
        if (setting == "auto")
        {
            if (wrongByDefault.Count == 0)
                return new(setting, [], ConvRemedy.None, [], "numerics: libtorch's f32 convolutions match float64 on this CPU; no remedy needed", 0);
        }
        else
        {
            var named = setting switch { "pad" => ConvRemedy.Pad, "isa" => ConvRemedy.Isa, _ => ConvRemedy.NoMkldnn };
            order.Remove(named);
            order.Insert(0, named);
        }
        IReadOnlyList<string> wrong = wrongByDefault;
        foreach (var remedy in order)
        {
            if (!apply(remedy)) { notes.Add($"{Name(remedy)} could not be applied"); continue; }
            wrong = probe(remedy);
            if (wrong.Count == 0)
            {
                var defect = wrongByDefault.Count > 0
                    ? $"libtorch's f32 convolutions are wrong on this CPU ({wrongByDefault.Count} of the probe's results, e.g. {wrongByDefault[0]})"
                    : setting == "isa" ? $"{SettingVariable}=isa (libtorch as it comes not probed)" : $"{SettingVariable}={setting} (libtorch as it comes is right here)";
                if (setting != "auto" && wrongByDefault.Count > 0) defect += $" — {SettingVariable}={setting}";
                var extra = notes.Count > 0 ? $" ({string.Join("; ", notes)})" : "";
                return new(setting, wrongByDefault, remedy, [],
                    $"numerics: {defect}; remedy in force: {Describe(remedy)}, checked against float64{extra}. " +
                    $"Override with {SettingVariable}=auto|off|pad|isa|no-mkldnn; see `gan doctor`.", 0);
            }
            notes.Add($"{Name(remedy)} still wrong ({wrong[0]})");
            apply(ConvRemedy.None);
        }
        return new(setting, wrongByDefault, ConvRemedy.None, wrong,
            $"numerics: libtorch's f32 convolutions are wrong on this CPU and no remedy made them right ({string.Join("; ", notes)}); " +
            $"refusing to train. Set {SettingVariable}=off to run anyway.", 0);
    }

    /// <summary>The probe through the project's convolution with <paramref name="remedy"/> in force.</summary>
    private static IReadOnlyList<string> Probe(ConvRemedy remedy) =>
        ConvolutionProbe.Run(remedy == ConvRemedy.Pad ? ConvolutionProbe.Padded : ConvolutionProbe.Plain);

    /// <summary>Puts <paramref name="remedy"/> in force (None: undoes the switchable ones).</summary>
    private static bool Apply(ConvRemedy remedy)
    {
        switch (remedy)
        {
            case ConvRemedy.None:
                LibTorchNative.SetMkldnnEnabled(true);
                return true;
            case ConvRemedy.Pad:
                return true;
            case ConvRemedy.Isa:
                // Takes effect only if oneDNN has not yet run a kernel in this process; the probe that follows tells.
                return LibTorchNative.SetNativeEnvironment("ONEDNN_MAX_CPU_ISA", IsaCap);
            case ConvRemedy.NoMkldnn:
                return LibTorchNative.SetMkldnnEnabled(false);
            default:
                throw new ArgumentOutOfRangeException(nameof(remedy));
        }
    }

    /// <summary>f32 CPU tensors are the ones oneDNN computes; float64, other devices and the remedies that act inside
    /// libtorch take the plain call.</summary>
    private static bool PadHere(Tensor x) =>
        Remedy == ConvRemedy.Pad && x.dtype == ScalarType.Float32 && x.device_type == DeviceType.CPU;

    /// <summary><c>nn.functional.conv2d</c> (same parameters), right on every CPU: every convolution the project trains or
    /// evaluates with TorchSharp goes through here.</summary>
    public static Tensor Conv2d(Tensor input, Tensor weight, Tensor? bias = null, long[]? strides = null, long[]? padding = null,
        long[]? dilation = null, long groups = 1)
    {
        strides ??= [1, 1];
        padding ??= [0, 0];
        dilation ??= [1, 1];
        return PadHere(input)
            ? ChannelPadding.Conv2d(input, weight, bias, strides, padding, dilation, groups)
            : nn.functional.conv2d(input, weight, bias, strides, padding, dilation, groups);
    }

    /// <summary><c>nn.functional.conv_transpose2d</c> (same parameters), right on every CPU.</summary>
    public static Tensor ConvTranspose2d(Tensor input, Tensor weight, Tensor? bias = null, long[]? strides = null, long[]? padding = null,
        long[]? output_padding = null, long[]? dilation = null, long groups = 1)
    {
        strides ??= [1, 1];
        padding ??= [0, 0];
        output_padding ??= [0, 0];
        dilation ??= [1, 1];
        return PadHere(input)
            ? ChannelPadding.ConvTranspose2d(input, weight, bias, strides, padding, output_padding, dilation, groups)
            : nn.functional.conv_transpose2d(input, weight, bias, strides, padding, output_padding, dilation, groups);
    }
}
