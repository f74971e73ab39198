using System.Globalization;
using GanService.Bench;
using GanService.Training.Families.Pix2Pix;
using GanService.Training.Onnx;
using Microsoft.ML.OnnxRuntime;
using TorchSharp;
using static TorchSharp.torch;

// Inference benchmark: the same weights run by TorchSharp (libtorch, eval, no_grad) and by ONNX Runtime (CPU, full
// graph optimisation) in one process, so the ratio is meaningful even on a noisy machine. Prints a Markdown table.
//   dotnet run -c Release --project bench/GanService.Bench [-- --iterations 20 --threads 2]
// `results` writes bench/RESULTS.md (runtimes, roofline, service under load): scripts/bench-results.sh.
// `fuzz` posts the hostile image corpus to the API and writes bench/fuzz.md (`fuzz --help` lists its options).
// `upscale --model M --lr DIR` times a 2048² POST /upscale through the API in-process and compares tiles with a whole
// run (bench/upscale.md).
if (args.FirstOrDefault() == "results") return await ResultsRun.MainAsync(args[1..]);
if (args.FirstOrDefault() == "fuzz") return await FuzzCommand.Create().Parse(args[1..]).InvokeAsync();
if (args.FirstOrDefault() == "upscale") return await UpscaleBench.RunAsync(args[1..]);

int iterations = Arg("--iterations", 10), threads = Arg("--threads", Environment.ProcessorCount);
torch.set_num_threads(threads);

var cases = new (string Name, Func<nn.Module<Tensor, Tensor>> Build, long[] Shape)[]
{
    ("U-Net-128 (ngf 64, BN)", () => new UnetGenerator(3, 3, 7, 64), [1, 3, 128, 128]),
    ("U-Net-256 (ngf 64, BN)", () => new UnetGenerator(3, 3, 8, 64), [1, 3, 256, 256]),
    ("U-Net-64 (ngf 16, BN) batch 16", () => new UnetGenerator(3, 3, 6, 16), [16, 3, 64, 64]),
};

Console.WriteLine($"threads {threads}, iterations {iterations}, {RuntimeInformationLine()}");
Console.WriteLine();
Console.WriteLine("| model | input | TorchSharp ms/batch | ORT ms/batch | ORT speed-up | max abs diff |");
Console.WriteLine("|---|---|---:|---:|---:|---:|");
foreach (var (name, build, shape) in cases)
{
    torch.manual_seed(0);
    var module = build();
    module.eval();
    var x = torch.rand(shape) * 2 - 1;
    var onnx = OnnxExporter.ToBytes(OnnxExporter.Export(module, [new OnnxIo("image", [-1, .. shape[1..]])], [new OnnxIo("output", [-1, .. shape[1..]])]));

    float[] torchOut = [];
    double torchMs = Timing.Median(iterations, () =>
    {
        using var scope = torch.NewDisposeScope();
        using var _ = torch.no_grad();
        torchOut = module.forward(x).data<float>().ToArray();
    });

    using var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL, IntraOpNumThreads = threads };
    using var session = new InferenceSession(onnx, options);
    var input = x.contiguous().data<float>().ToArray();
    float[] ortOut = [];
    double ortMs = Timing.Median(iterations, () =>
    {
        using var value = OrtValue.CreateTensorValueFromMemory(input, shape);
        using var runOptions = new RunOptions();
        using var results = session.Run(runOptions, ["image"], [value], ["output"]);
        ortOut = results[0].GetTensorDataAsSpan<float>().ToArray();
    });
    float maxDiff = torchOut.Zip(ortOut, (a, b) => Math.Abs(a - b)).Max();
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"| {name} | {string.Join('×', shape)} | {torchMs:F1} | {ortMs:F1} | {torchMs / ortMs:F2}× | {maxDiff:E1} |"));
}
return 0;

int Arg(string name, int fallback)
{
    int i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
}

static string RuntimeInformationLine() =>
    $"{System.Runtime.InteropServices.RuntimeInformation.OSDescription}, {Environment.ProcessorCount} cores, .NET {Environment.Version}";
