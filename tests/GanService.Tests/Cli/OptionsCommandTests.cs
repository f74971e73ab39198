using System.Text.Json.Nodes;
using GanService.Cli.Commands;
using GanService.Training.Checkpoints;
using GanService.Training.Export;
using GanService.Training.Families.StyleGan2;

namespace GanService.Tests.Cli;

/// <summary>One options vocabulary: every `gan export` family and every `gan train` subcommand bind options through
/// the one binder (unknown keys refused with the known ones), and every `gan train` subcommand takes the common flags.</summary>
public class OptionsCommandTests
{
    public static TheoryData<string> ExportFamilies() => [.. FamilyRegistry.All.Select(f => f.Name).Order()];

    [Theory]
    [MemberData(nameof(ExportFamilies))]
    public void Export_rejects_an_unknown_set_key_naming_it_and_the_known_keys(string family)
    {
        var models = Path.Combine(Path.GetTempPath(), "opt-export-" + Guid.NewGuid().ToString("N"));
        var (exit, _, err) = CommandRunner.Run(ExportCommand.Create(), family, "--name", "t", "--models", models, "--set", "bogus=1");
        Assert.NotEqual(0, exit);
        Assert.Contains("unknown option 'bogus'", err);
        Assert.Contains("known: ", err);
        Assert.Contains(family == "unet" ? "ngf" : family == "stylegan2" ? "zDim" : "seed", err);
        Assert.False(Directory.Exists(models), "nothing is written when an option is refused");
    }

    public static TheoryData<string> TrainFamilies() => [.. GanService.Training.Families.GanFamilies.All.Where(f => f.Training is not null).Select(f => f.Name)];

    [Theory]
    [MemberData(nameof(TrainFamilies))]
    public void Train_accepts_the_common_flags_and_shows_them_in_the_resolved_options(string family)
    {
        var (exit, output, err) = CommandRunner.Run(TrainCommand.Create(), family, "--data", "some/data", "--out", "runs/x",
            "--batch-size", "8", "--max-minutes", "2.5", "--max-steps", "7", "--checkpoint-minutes", "1", "--device", "cpu", "--seed", "5", "--dry-run");
        Assert.True(exit == 0, err);
        var o = JsonNode.Parse(output)!;
        Assert.Equal("some/data", (string?)o["data"]);
        Assert.Equal("runs/x", (string?)o["out"]);
        Assert.Equal(8, (int)o["batchSize"]!);
        Assert.Equal(2.5, (double)o["maxMinutes"]!);
        Assert.Equal(7, (long)o["maxSteps"]!);
        Assert.Equal(1, (double)o["checkpointMinutes"]!);
        Assert.Equal("cpu", (string?)o["device"]);
        Assert.Equal(5, (int)o["seed"]!);
    }

    [Theory]
    [MemberData(nameof(TrainFamilies))]
    public void Train_rejects_an_unknown_set_key_and_a_value_of_the_wrong_type(string family)
    {
        var (exit, _, err) = CommandRunner.Run(TrainCommand.Create(), family, "--data", "d", "--set", "bogus=1", "--dry-run");
        Assert.Equal(2, exit);
        Assert.Contains("unknown option 'bogus'; known: ", err);
        Assert.Contains("batchSize", err);
        (exit, _, err) = CommandRunner.Run(TrainCommand.Create(), family, "--data", "d", "--batch-size", "many", "--dry-run");
        Assert.Equal(2, exit);
        Assert.Contains("option 'batchSize' expects an integer, got 'many'", err);
    }

    [Fact]
    public void Former_flag_spellings_still_work_with_a_note()
    {
        var (exit, output, err) = CommandRunner.Run(TrainCommand.Create(), "stylegan2", "--data", "d", "--batch", "8", "--minutes", "3", "--dry-run");
        Assert.True(exit == 0, err);
        Assert.Contains("--batch is deprecated; use --batch-size", err);
        var o = JsonNode.Parse(output)!;
        Assert.Equal(8, (int)o["batchSize"]!);
        Assert.Equal(3, (double)o["maxMinutes"]!);
    }

    [Theory]
    [InlineData("out")]
    [InlineData("OUT")]
    [InlineData("output")] // StyleGAN2's former key, now every family's alias of out
    public void The_run_folder_set_under_any_spelling_of_its_key_is_the_one_used(string key)
    {
        foreach (var family in new[] { "stylegan2", "dcgan", "pix2pix" })
        {
            var (exit, output, err) = CommandRunner.Run(TrainCommand.Create(), family, "--data", "d", "--set", $"{key}=runs/elsewhere", "--dry-run");
            Assert.True(exit == 0, err);
            Assert.Equal("runs/elsewhere", (string?)JsonNode.Parse(output)!["out"]);
        }
    }

    [Fact]
    public void Device_cuda_fails_with_a_clear_line_when_libtorch_has_no_cuda()
    {
        if (torch.cuda.is_available()) return; // a CUDA libtorch accepts it; this machine's CPU libtorch must not
        foreach (var family in new[] { "pix2pix", "dcgan", "stylegan2" })
        {
            var (exit, _, err) = CommandRunner.Run(TrainCommand.Create(), family, "--data", "d", "--device", "cuda", "--dry-run");
            Assert.Equal(2, exit);
            Assert.Contains("--device cuda: CUDA is not available", err);
        }
    }

    [Fact]
    public void Stylegan2_checkpoint_with_former_option_names_still_resumes_and_exports()
    {
        var run = Path.Combine(Path.GetTempPath(), "opt-old-sg2-" + Guid.NewGuid().ToString("N"));
        var models = run + "-models";
        try
        {
            // A checkpoint as this project wrote it before the keys were unified: batch, output (no batchSize, out, device).
            var arch = new StyleGan2Architecture { Resolution = 8, ZDim = 8, WDim = 8, ChannelBase = 64, ChannelMax = 8 };
            var ckpt = Path.Combine(run, "checkpoint");
            torch.manual_seed(3);
            var g = new StyleGan2Generator(arch);
            Checkpoint.Save(ckpt, "stylegan2", new { arch, data = "emoji", batch = 8, output = "runs/old", maxMinutes = 60.0 },
                new TrainingState(2, 40, 120), new Dictionary<string, nn.Module> { ["G_ema"] = g });
            var (_, options) = Checkpoint.ReadOptions<StyleGan2TrainOptions>(ckpt);
            Assert.Equal(8, options.Batch);
            Assert.Equal("runs/old", options.Out);
            Assert.Equal(arch.ZDim, options.Arch.ZDim);

            var (exit, output, err) = CommandRunner.Run(TrainCommand.Create(), "stylegan2", "--out", run, "--resume", "--dry-run");
            Assert.True(exit == 0, err);
            Assert.Equal(8, (int)JsonNode.Parse(output)!["batchSize"]!);

            (exit, _, err) = CommandRunner.Run(ExportCommand.Create(), "stylegan2", "--name", "old", "--models", models, "--checkpoint", ckpt);
            Assert.True(exit == 0, err);
            Assert.True(File.Exists(Path.Combine(models, "old", "synthesis.onnx")));
            (exit, _, err) = CommandRunner.Run(ExportCommand.Create(), "stylegan2", "--name", "old2", "--models", models, "--checkpoint", ckpt, "--set", "zDim=4");
            Assert.Equal(2, exit);
            Assert.Contains("the architecture comes from the checkpoint", err);
        }
        finally
        {
            if (Directory.Exists(run)) Directory.Delete(run, true);
            if (Directory.Exists(models)) Directory.Delete(models, true);
        }
    }
}
