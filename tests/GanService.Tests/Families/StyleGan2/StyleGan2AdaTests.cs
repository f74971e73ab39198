using System.Text.Json.Nodes;
using GanService.Cli.Commands;
using GanService.Tests.Cli;
using GanService.Training.Checkpoints;
using GanService.Training.Data;
using GanService.Training.Families.StyleGan2;
using GanService.Training.Training;
using GanService.Training.Tricks;

namespace GanService.Tests.Families.StyleGan2;

/// <summary>StyleGAN2 with adaptive discriminator augmentation: p and r_t in metrics.jsonl and the loss plot, p in the
/// checkpoint and continued by a resume, R1 through the augmentation, and the options reaching the CLI.</summary>
public class StyleGan2AdaTests
{
    private static StyleGan2TrainOptions Tiny(string output, AdaOptions augmentation) => new()
    {
        Arch = new StyleGan2Architecture { Resolution = 8, ZDim = 8, WDim = 8, MappingLayers = 2, ChannelBase = 64, ChannelMax = 16 },
        Batch = 8, Augment = "", Mirror = false, EmaKimg = 0.02, R1Gamma = 0.01, R1Interval = 4, Out = output, SampleCount = 4,
        CheckpointMinutes = 60, Augmentation = augmentation,
    };

    private static StyleGanImageFolder Data()
    {
        var img = torch.rand([32, 3, 8, 8], generator: new torch.Generator(4)) * 2 - 1;
        return StyleGanImageFolder.FromTensor(img);
    }

    private static List<JsonObject> Metrics(string dir) =>
        File.ReadAllLines(Path.Combine(dir, TrainingRun.MetricsFile)).Select(l => JsonNode.Parse(l)!.AsObject()).ToList();

    [Fact]
    public void A_run_logs_p_and_r_t_plots_them_and_a_resume_continues_p()
    {
        var dir = Path.Combine(Path.GetTempPath(), "sg2-ada-" + Guid.NewGuid().ToString("N"));
        try
        {
            using var data = Data();
            // 8 images a step, 4 steps an interval: p moves by 32 / 320 = 0.1 per interval, so two intervals show.
            var options = Tiny(dir, new AdaOptions { Ada = true, AdaKimg = 0.32 }) with { MaxSteps = 8 };
            using (var trainer = new StyleGan2Trainer(options))
            {
                Assert.Same(trainer.Augmentation, trainer.Networks[AdaAugment.NetworkName]);
                trainer.Train(data, resume: false, TextWriter.Null);
            }
            var rows = Metrics(dir);
            Assert.Equal(8, rows.Count);
            Assert.All(rows, r => Assert.NotNull(r[AdaAugment.PKey]));
            // r_t closes an interval at steps 4 and 8 (null between, as a phase that did not run); p moves 0.1 each time.
            Assert.Equal([4L, 8L], rows.Where(r => r[AdaAugment.RtKey] is not null).Select(r => (long)r["step"]!));
            double p4 = (double)rows[3][AdaAugment.PKey]!, p8 = (double)rows[7][AdaAugment.PKey]!;
            double rt4 = (double)rows[3][AdaAugment.RtKey]!;
            Assert.InRange(rt4, -1, 1);
            Assert.Equal(Math.Clamp(Math.Sign(rt4 - 0.6) * 0.1, 0, 1), p4, 9);
            double rt8 = (double)rows[7][AdaAugment.RtKey]!;
            Assert.Equal(Math.Clamp(p4 + Math.Sign(rt8 - 0.6) * 0.1, 0, 1), p8, 9);
            Assert.Contains("augment_p", File.ReadLines(Path.Combine(dir, "losses.csv")).First());
            Assert.True(File.Exists(Path.Combine(dir, "samples", TrainingRun.LossPlotFile)));

            var checkpoint = Path.Combine(dir, TrainingRun.CheckpointFolder);
            using (var resumed = new StyleGan2Trainer(Checkpoint.ReadOptions<StyleGan2TrainOptions>(checkpoint).Options with { MaxSteps = 10 }))
            {
                Assert.True(resumed.Options.Augmentation.Ada);
                resumed.Train(data, resume: true, TextWriter.Null);
            }
            rows = Metrics(dir);
            Assert.Equal(10, rows.Count);
            // Steps 9 and 10 close no interval: p stays where the checkpoint left it.
            Assert.Equal(p8, (double)rows[8][AdaAugment.PKey]!, 12);
            Assert.Equal(p8, (double)rows[9][AdaAugment.PKey]!, 12);
        }
        finally { if (Directory.Exists(dir)) Directory.Delete(dir, true); }
    }

    [Fact]
    public void Every_phase_runs_finite_at_p_one_with_R1_through_the_augmentation()
    {
        using var data = Data();
        using var trainer = new StyleGan2Trainer(Tiny(Path.GetTempPath(), new AdaOptions { AugmentP = 1 }));
        for (int i = 0; i < 2; i++)
        {
            var losses = TrainingLoop.Step(trainer, data);
            Assert.True(double.IsFinite(losses["D"]) && double.IsFinite(losses["G"]));
            if (i == 0) Assert.True(double.IsFinite(losses["R1"]) && losses["R1"] > 0, "R1's double backward through ADA");
            Assert.Equal(1.0, losses[AdaAugment.PKey]); // fixed p
        }
        Assert.NotNull(trainer.D.parameters().First().grad);
    }

    [Fact]
    public void With_ada_off_nothing_of_it_is_in_the_trainer_or_its_log()
    {
        using var data = Data();
        using var trainer = new StyleGan2Trainer(Tiny(Path.GetTempPath(), new AdaOptions()));
        Assert.Null(trainer.Augmentation);
        Assert.DoesNotContain(AdaAugment.NetworkName, trainer.Networks.Keys);
        var losses = TrainingLoop.Step(trainer, data);
        Assert.DoesNotContain(AdaAugment.PKey, losses.Keys);
        Assert.DoesNotContain(AdaAugment.RtKey, losses.Keys);
    }

    [Fact]
    public void The_cli_sets_ada_and_refuses_it_beside_DiffAugment()
    {
        var (exit, output, err) = CommandRunner.Run(TrainCommand.Create(), "stylegan2", "--data", "d", "--ada", "true", "--ada-target", "0.7",
            "--augment-pipe", "bg", "--augment", "", "--dry-run");
        Assert.True(exit == 0, err);
        var a = JsonNode.Parse(output)!["augmentation"]!;
        Assert.True((bool)a["ada"]!);
        Assert.Equal(0.7, (double)a["adaTarget"]!);
        Assert.Equal("bg", (string?)a["augmentPipe"]);
        Assert.Equal(500, (double)a["adaKimg"]!);

        (exit, _, err) = CommandRunner.Run(TrainCommand.Create(), "stylegan2", "--data", "d", "--ada", "true", "--dry-run");
        Assert.Equal(2, exit);
        Assert.Contains("replaces DiffAugment", err);
        (exit, _, err) = CommandRunner.Run(TrainCommand.Create(), "stylegan2", "--data", "d", "--set", "augmentP=0.2", "--set", "augmentPipe=bz",
            "--augment", "", "--dry-run");
        Assert.Equal(2, exit);
        Assert.Contains("unknown group 'z'", err);
    }
}
