using System.CommandLine;
using System.Runtime.InteropServices;
using GanService.Training.Platform;
using Microsoft.ML.OnnxRuntime;

namespace GanService.Cli.Commands;

/// <summary>
/// `gan doctor`: what this machine is and whether training numbers are right on it — the CPU (vendor, family/model,
/// ISA), libtorch / oneDNN / ONNX Runtime versions, where libtorch was loaded from, threads, whether CUDA is available to
/// libtorch and whether the CUDA libraries load, and the convolution check (<see cref="ConvolutionBackend"/>) with the
/// remedy in force — on the GPU too when there is one. Exit 0 when the numbers are right (remedied or not), 1 when the
/// check found them wrong and nothing made them right.
/// </summary>
public static class DoctorCommand
{
    /// <summary>Where libtorch was loaded from: the folder named by --libtorch / GAN_LIBTORCH, or the build's own.</summary>
    private static string LibTorchRow()
    {
        if (LibTorchLocation.Folder is { } folder)
            return $"{folder} (from --libtorch or {LibTorchLocation.Variable}; libtorch {LibTorchLocation.Version})";
        var loaded = LibTorchLocation.LoadedFiles().FirstOrDefault(f => Path.GetFileName(f) == "libtorch_cpu.so");
        return loaded is null ? "libtorch_cpu.so is not among the loaded libraries" : $"{Path.GetDirectoryName(loaded)} (the libtorch this build ships)";
    }

    public static Command Create()
    {
        var cmd = new Command("doctor", "check this machine: CPU, native libraries, CUDA, and whether libtorch's convolutions are right here " +
            $"(and the remedy in force; {ConvolutionBackend.SettingVariable}=auto|off|pad|isa|no-mkldnn overrides it)");
        cmd.SetAction(parse =>
        {
            var o = parse.InvocationConfiguration.Output;
            void Row(string key, string value) => o.WriteLine($"{key,-13} {value}");
            var cpu = MachineFacts.Cpu();
            Row("cpu", cpu.ToString());
            Row("isa", cpu.Isa.Count > 0 ? string.Join(" ", cpu.Isa) : "—");
            Row("runtime", $".NET {Environment.Version}, {RuntimeInformation.RuntimeIdentifier}, {Environment.ProcessorCount} logical CPUs");
            NumericsReport report;
            var log = new StringWriter();
            var previous = ConvolutionBackend.Log;
            ConvolutionBackend.Log = log; // the report below says it all; the one-line notice would repeat it
            try { report = ConvolutionBackend.Check(); }
            finally { ConvolutionBackend.Log = previous; }
            var (libtorch, onednn, capability) = MachineFacts.LibTorchBuild();
            Row("torchsharp", $"{MachineFacts.TorchSharpVersion()}; libtorch {libtorch}; oneDNN {onednn}; CPU capability {capability}");
            Row("threads", $"libtorch intra-op {torch.get_num_threads()}, inter-op {torch.get_num_interop_threads()}");
            string providers;
            try { providers = string.Join(", ", OrtEnv.Instance().GetAvailableProviders()); }
            catch (Exception e) { providers = $"could not list ({e.Message})"; }
            Row("onnxruntime", $"{OrtEnv.Instance().GetVersionString()}; providers {providers}");
            Row("libtorch", LibTorchRow());
            // is_available() makes TorchSharp try libtorch_cuda.so first: the CUDA build shows among the loaded files after it.
            bool cuda = torch.cuda.is_available();
            bool cudaBuild = LibTorchLocation.LoadedFiles().Any(f => Path.GetFileName(f).StartsWith("libtorch_cuda.so", StringComparison.Ordinal));
            Row("cuda", (cuda ? $"available: {torch.cuda.device_count()} device(s), cuDNN {(torch.cuda.is_cudnn_available() ? "available" : "not available")}" : "not available") +
                $"; libtorch here is {(cudaBuild ? "a CUDA build" : "the CPU build")}; " +
                string.Join("; ", MachineFacts.CudaLibraries().Select(l => $"{l.Library} {(l.Loads ? "loads" : "not found")}")));
            IReadOnlyList<string> cudaWrong = [];
            if (cuda)
            {
                var clock = System.Diagnostics.Stopwatch.StartNew();
                cudaWrong = ConvolutionBackend.CheckDevice(torch.CUDA);
                Row("cuda check", report.Setting == "off" ? "not run (off)" : cudaWrong.Count == 0
                    ? $"cuda:0's f32 convolutions match float64 ({ConvolutionProbe.Cases.Count} shapes, forward and backward; TF32 off and cuDNN " +
                      $"benchmark on, as CUDA training sets them) ({clock.Elapsed.TotalMilliseconds:F0} ms)"
                    : $"WRONG: {cudaWrong.Count} of the probe's results on cuda:0: {string.Join("; ", cudaWrong.Take(4))}{(cudaWrong.Count > 4 ? "; …" : "")}");
            }
            else Row("cuda check", "not run (no CUDA device)");
            Row("setting", $"{ConvolutionBackend.SettingVariable}={report.Setting}");
            Row("notice", report.Summary);
            Row("check", report.DefectFound switch
            {
                null => report.Setting == "off" ? "not run (off)" : "libtorch as it comes not probed (the isa cap must precede oneDNN's first convolution)",
                false => $"libtorch's f32 convolutions match float64 ({ConvolutionProbe.Cases.Count} shapes, forward and backward)",
                true => $"DEFECT: {report.WrongByDefault.Count} of the probe's results are wrong by default: " +
                        string.Join("; ", report.WrongByDefault.Take(4)) + (report.WrongByDefault.Count > 4 ? "; …" : ""),
            });
            Row("remedy", report.Right
                ? $"{ConvolutionBackend.Describe(report.Remedy)}{(report.Setting == "off" ? "" : "; checked against float64")} ({report.Milliseconds:F0} ms)"
                : $"none made the results right: {string.Join("; ", report.WrongWithRemedy.Take(3))}");
            Row("result", !report.Right ? "WRONG: training on this machine would give wrong numbers (see docs/platform.md)"
                : cudaWrong.Count > 0 ? "WRONG: training on cuda:0 would give wrong numbers (see docs/platform.md)"
                : report.Setting == "off" ? "not checked (off)"
                : report.Remedy == ConvRemedy.None ? "OK" : $"OK (remedied: {ConvolutionBackend.Name(report.Remedy)})");
            return report.Right && cudaWrong.Count == 0 ? 0 : 1;
        });
        return cmd;
    }
}
