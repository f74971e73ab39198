using GanService.Tests.Training;
using GanService.Training.Checkpoints;
using GanService.Training.Data;
using GanService.Training.Families.Gan;

namespace GanService.Tests.Families.Gan;

public class GenerationTrainerTests
{
    [Fact]
    public void Trains_writes_samples_csv_checkpoint_and_resumes()
    {
        var dir = Directory.CreateTempSubdirectory("gentrain").FullName;
        try
        {
            torch.manual_seed(0);
            using var data = new LabelledImageSet(torch.randint(0, 256, [64, 1, 16, 16]).to_type(ScalarType.Byte),
                torch.randint(0, 2, [64], dtype: ScalarType.Int64), ["a", "b"]);
            var o = new GenerationOptions { Family = "cgan", NumClasses = 2, ClassNames = ["a", "b"], Size = 16, Ngf = 4, Ndf = 4, ZDim = 8, Batch = 16, Epochs = 1 };
            Runs.Generation(o with { Out = dir }, data, false);
            Assert.True(File.Exists(Path.Combine(dir, "samples", "epoch_001.png")));
            Assert.True(File.Exists(Path.Combine(dir, "samples", "loss_plot.png")));
            Assert.Equal(4, File.ReadAllLines(Path.Combine(dir, "metrics.jsonl")).Length);
            Assert.Equal(new TrainingState(1, 4, 0, 0).Step, Checkpoint.ReadState(Path.Combine(dir, "checkpoint")).Step);
            Runs.Generation((o with { Epochs = 2 }) with { Out = dir }, data, true);
            var state = Checkpoint.ReadState(Path.Combine(dir, "checkpoint"));
            Assert.Equal((2, 8L), (state.Epoch, state.Step));
            Assert.True(File.Exists(Path.Combine(dir, "samples", "epoch_002.png")));
            Assert.Equal("cgan", Checkpoint.ReadOptions<GenerationOptions>(Path.Combine(dir, "checkpoint")).Options.Family);
        }
        finally { Directory.Delete(dir, true); }
    }
}
