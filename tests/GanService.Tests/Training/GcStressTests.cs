using GanService.Training.Platform;
using GanService.Training.Training;
using Xunit.Abstractions;
using static GanService.Tests.Training.GrowingAndConditionalRegressionTests;
using static GanService.Tests.Training.TrainingLoopRegressionTests;

namespace GanService.Tests.Training;

/// <summary>
/// The GC stress mode (docs/platform.md): every family trains a few dozen steps on the pinned runs' tiny nets twice —
/// alone, and with a thread forcing full collections and finalizers throughout — and the two losses.csv must agree bit
/// for bit. A TorchSharp temporary freed under a native call shows here as a crash or as other numbers.
/// </summary>
public sealed class GcStressTests(ITestOutputHelper log) : IDisposable
{
    private const int Steps = 24;
    private readonly string _root = Directory.CreateTempSubdirectory("gan-stress").FullName;
    public void Dispose() { if (Directory.Exists(_root)) Directory.Delete(_root, true); }

    public static TheoryData<string> Families => ["pix2pix", "cyclegan", "stargan", "cgan", "stylegan2", "infogan", "aae", "ali", "biggan", "progan", "stackgan", "srgan"];

    private static string Run(string family, string root, int steps) => family switch
    {
        "pix2pix" => RunPix2pix(root, steps),
        "cyclegan" => RunCyclegan(root, steps),
        "stargan" => RunStargan(root, steps),
        "cgan" => RunCgan(root, steps),
        "stylegan2" => RunStylegan2(root, steps),
        "infogan" => RunInfogan(root, steps),
        "aae" or "ali" => RunEncoder(family, root, steps),
        "biggan" => RunBigGan(root, steps),
        "progan" => RunProGan(root, steps),
        "stackgan" => GanService.Tests.Families.StackGan.StackGanRegressionTests.RunPhases(root, steps / 3),
        "srgan" => GanService.Tests.Families.SrGan.SrGanTrainingTests.RunSrGan(root, steps),
        _ => throw new ArgumentException(family),
    };

    /// <summary>metrics.jsonl (every logged value at full double precision) without the wall-clock field.</summary>
    private static string[] Losses(string runDir) =>
        File.ReadAllLines(Path.Combine(runDir, TrainingRun.MetricsFile)).Select(l =>
        {
            var o = System.Text.Json.Nodes.JsonNode.Parse(l)!.AsObject();
            o.Remove("seconds");
            return o.ToJsonString();
        }).ToArray();

    [Theory]
    [Trait("Category", "Slow")]
    [MemberData(nameof(Families))]
    public void Losses_under_forced_collections_equal_an_unstressed_run_bit_for_bit(string family)
    {
        using var threads = TorchThreads.Use(1);
        var calm = Losses(Run(family, Path.Combine(_root, "calm"), Steps));
        string[] stressed;
        long collections;
        using (var stress = GcStress.Start())
        {
            stressed = Losses(Run(family, Path.Combine(_root, "stressed"), Steps));
            collections = stress.Collections;
        }
        log.WriteLine($"{family}: {calm.Length} steps, {collections} forced collections during the stressed run");
        Assert.True(calm.Length >= Steps, $"only {calm.Length} steps ran");
        Assert.True(collections > Steps, $"only {collections} collections ran beside {Steps} steps");
        Assert.Equal(calm, stressed);
    }
}
