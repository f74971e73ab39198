using System.CommandLine;
using System.Runtime.InteropServices;
using GanService.Training.Platform;
using Microsoft.ML.OnnxRuntime;

namespace GanService.Cli.Commands;

/// <summary>
/// `gan doctor`: what this machine is and whether training numbers are right on it — the CPU (vendor, family/model,
/// ISA), libtorch / oneDNN / ONNX Runtime versions, threads, whether the CUDA libraries load, and the convolution check
/// (<see cref="ConvolutionBackend"/>) with the remedy in force. Exit 0 when the numbers are right (remedied or not),
/// 1 when the check found them wrong and nothing made them right.
/// </summary>
public static class DoctorCommand
{
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
            Row("cuda", string.Join("; ", MachineFacts.CudaLibraries().Select(l => $"{l.Library} {(l.Loads ? "loads" : "not found")}")) +
                "; libtorch here is the CPU build");
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
                : report.Setting == "off" ? "not checked (off)"
                : report.Remedy == ConvRemedy.None ? "OK" : $"OK (remedied: {ConvolutionBackend.Name(report.Remedy)})");
            return report.Right ? 0 : 1;
        });
        return cmd;
    }
}
