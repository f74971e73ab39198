using System.Globalization;
using System.Text.Json.Nodes;
using GanService.Cli.Commands;
using GanService.Tests.Cli;
using GanService.Tests.Training;
using GanService.Training.Families.StackGan;
using GanService.Training.Training;
using GanService.Training.Tricks;
using Xunit.Abstractions;

namespace GanService.Tests.Families.StackGan;

/// <summary>StackGAN with adaptive discriminator augmentation on both stages' discriminators: nothing changes at p = 0,
/// both Ds (and not the encoders) see augmented images, p rises on a D that over-fits its few reals, the controller
/// starts over with Stage II's new D and not on a resume inside Stage II, and the CLI takes StyleGAN2's ADA flags.</summary>
public sealed class StackGanAdaTests(ITestOutputHelper log) : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "stackgan-ada-" + Guid.NewGuid().ToString("N"));
    public void Dispose() { if (Directory.Exists(_root)) Directory.Delete(_root, true); }

    // The regression test's tiny nets (16² Stage II, 8² Stage I, batch 4) with the given phases and augmentation.
    private static StackGanOptions Tiny(string root, AdaOptions augmentation, long encoder, long one, long two) => new()
    {
        Size = 16, StageOneSize = 8, ZDim = 4, ConditionDim = 4, WordDim = 4, TextDim = 6, StageOneWidth = 16, StageTwoWidth = 4,
        ResidualBlocks = 1, DiscriminatorWidth = 4, EncoderWidth = 4, Batch = 4, MinWordCount = 1, MaxTokens = 3,
        EncoderSteps = encoder, StageOneSteps = one, StageTwoSteps = two, Seed = 9, Out = root, CheckpointMinutes = 60,
        Augmentation = augmentation,
    };

    private static List<JsonObject> Metrics(string dir) =>
        File.ReadAllLines(Path.Combine(dir, TrainingRun.MetricsFile)).Select(l => JsonNode.Parse(l)!.AsObject()).ToList();

    // losses.csv as column → the step's values (text, so equality is bit for bit as written).
    private static Dictionary<string, string[]> Losses(string dir)
    {
        var lines = File.ReadAllLines(Path.Combine(dir, "losses.csv"));
        var header = lines[0].Split(',');
        var rows = lines.Skip(1).Select(l => l.Split(',')).ToList();
        return header.Select((name, k) => (name, k)).ToDictionary(c => c.name, c => rows.Select(r => r[c.k]).ToArray());
    }

    private static readonly string[] LossColumns = ["loss_match", "loss_d1", "loss_g1", "kl1", "loss_d2", "loss_g2", "kl2"];

    private static double P(JsonObject row) => (double)row[AdaAugment.PKey]!;

    [Fact]
    public void At_p_zero_every_step_is_the_step_without_ada()
    {
        using var threads = TorchThreads.Use(1);
        using var data = CaptionedImages.Shapes(16, 16, seed: 2);
        string plain = Path.Combine(_root, "plain"), ada = Path.Combine(_root, "ada");
        Runs.StackGan(Tiny(plain, new AdaOptions(), 2, 2, 2), data);
        // Adaptive with every group on, but an interval longer than the run: p stays 0 while D's logits are observed.
        Runs.StackGan(Tiny(ada, new AdaOptions { Ada = true, AugmentPipe = "bgcfnc", AdaInterval = 1000 }, 2, 2, 2), data);
        var without = Losses(plain);
        var with = Losses(ada);
        Assert.DoesNotContain(AdaAugment.PKey, without.Keys);
        Assert.All(with[AdaAugment.PKey], p => Assert.Equal(0, double.Parse(p, CultureInfo.InvariantCulture)));
        foreach (var column in LossColumns) Assert.Equal(without[column], with[column]);
    }

    [Fact]
    public void Both_stages_discriminators_see_augmented_images_and_the_encoders_do_not()
    {
        using var threads = TorchThreads.Use(1);
        using var data = CaptionedImages.Shapes(16, 16, seed: 2);
        string plain = Path.Combine(_root, "plain"), ada = Path.Combine(_root, "ada");
        Runs.StackGan(Tiny(plain, new AdaOptions(), 1, 1, 1), data);
        Runs.StackGan(Tiny(ada, new AdaOptions { AugmentP = 1, AugmentPipe = "bgcfnc" }, 1, 1, 1), data);
        var without = Losses(plain);
        var with = Losses(ada);
        Assert.Equal(without["loss_match"][0], with["loss_match"][0]);
        // Stage I's step (step 2) and Stage II's (step 3): D's loss is on augmented images. Stage II's first step also
        // starts from a Stage I trained on augmented images, so only D's own loss is compared there.
        Assert.NotEqual(without["loss_d1"][1], with["loss_d1"][1]);
        Assert.NotEqual(without["loss_d2"][2], with["loss_d2"][2]);
        foreach (var column in new[] { "loss_d1", "loss_g1", "loss_d2", "loss_g2" })
            Assert.True(double.IsFinite(double.Parse(with[column][column.EndsWith('1') ? 1 : 2], CultureInfo.InvariantCulture)), column);
        Assert.All(with[AdaAugment.PKey], p => Assert.Equal(1, double.Parse(p, CultureInfo.InvariantCulture))); // fixed p
    }

    [Fact]
    public void P_rises_on_a_stage_one_discriminator_that_over_fits_a_few_reals()
    {
        using var threads = TorchThreads.Use(1);
        // Eight images, encoders trained long enough to tell their captions apart, a wide D with a large learning rate
        // against a narrow G: D soon calls its real pairs real (r_t above 0.6), and only augmentation holds it back.
        using var data = CaptionedImages.Shapes(8, 16, seed: 3);
        // 8 images a step, 4 steps an interval: p moves 32 / 640 = 0.05 per interval.
        var o = Tiny(_root, new AdaOptions { Ada = true, AdaKimg = 0.64 }, 40, 96, 0) with
        {
            Batch = 8,
            Lr = 2e-3,
            EncoderLr = 1e-2,
            DiscriminatorWidth = 32,
            StageOneWidth = 4,
        };
        Runs.StackGan(o, data);
        var adjustments = Metrics(_root).Where(r => r[AdaAugment.RtKey] is not null).Select(r => (Rt: (double)r[AdaAugment.RtKey]!, P: P(r))).ToList();
        Assert.Equal(24, adjustments.Count);
        string trace = string.Join(", ", adjustments.Select(a => $"r_t {a.Rt:F3} p {a.P:F2}"));
        log.WriteLine(trace);
        double previous = 0;
        foreach (var (rt, p) in adjustments)
        {
            Assert.Equal(Math.Clamp(previous + Math.Sign(rt - 0.6) * 0.05, 0, 1), p, 9);
            previous = p;
        }
        // p climbs while D wins and stays up: augmentation is what keeps r_t near the target in the second half.
        Assert.True(adjustments.Max(a => a.P) >= 0.2, trace);
        Assert.True(adjustments.Skip(12).Average(a => a.P) >= 0.15, trace);
    }

    [Fact]
    public void The_controller_starts_over_for_stage_two_and_a_resume_inside_stage_two_continues_it()
    {
        using var threads = TorchThreads.Use(1);
        using var data = CaptionedImages.Shapes(16, 16, seed: 2);
        // A target any D that calls some real real exceeds, so p rises at every interval of this short run. Steps:
        // 1 encoders, 2–9 Stage I (intervals close at 5 and 9), 10–17 Stage II (restart at 10; close at 13 and 17).
        var augmentation = new AdaOptions { Ada = true, AdaTarget = -0.999, AdaKimg = 0.16, AugmentP = 0.05 };
        var o = Tiny(_root, augmentation, 1, 8, 8);
        Runs.StackGan(o with { MaxSteps = 11 }, data);
        Runs.StackGan(o, data, resume: true);
        var rows = Metrics(_root);
        Assert.Equal(17, rows.Count);
        double Logged(int step) => P(rows[step - 1]);
        Assert.Equal(0.05, Logged(1), 9);
        Assert.Equal(0.25, Logged(9), 9);   // two Stage-I intervals
        Assert.Equal(0.05, Logged(10), 9);  // Stage II's D is new: p back to augmentP
        Assert.Equal(0.05, Logged(12), 9);  // resumed after step 11: no second restart
        Assert.Equal(0.15, Logged(13), 9);  // the interval begun before the checkpoint closes on time
        Assert.Equal(0.25, Logged(17), 9);
        Assert.Equal([5L, 9L, 13L, 17L], rows.Where(r => r[AdaAugment.RtKey] is not null).Select(r => (long)r["step"]!));
    }

    [Fact]
    public void The_cli_takes_the_ada_flags_StyleGAN2_has()
    {
        var (exit, output, err) = CommandRunner.Run(TrainCommand.Create(), "stackgan", "--data", "d", "--ada", "true", "--ada-target", "0.7",
            "--ada-kimg", "100", "--augment-pipe", "bgcfnc", "--augment-p", "0.1", "--dry-run");
        Assert.True(exit == 0, err);
        var a = JsonNode.Parse(output)!["augmentation"]!;
        Assert.True((bool)a["ada"]!);
        Assert.Equal(0.7, (double)a["adaTarget"]!);
        Assert.Equal(100, (double)a["adaKimg"]!);
        Assert.Equal("bgcfnc", (string?)a["augmentPipe"]);
        Assert.Equal(0.1, (double)a["augmentP"]!);
        (exit, _, err) = CommandRunner.Run(TrainCommand.Create(), "stackgan", "--data", "d", "--ada", "true", "--augment-pipe", "bgq", "--dry-run");
        Assert.Equal(2, exit);
        Assert.Contains("unknown group 'q'", err);
    }
}
