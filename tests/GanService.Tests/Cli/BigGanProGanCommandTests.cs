using GanService.Cli.Commands;
using GanService.Tests.Import;

namespace GanService.Tests.Cli;

/// <summary>`gan export progan|biggan` and `gan generate --label --trunc` on what they wrote, in-process.</summary>
public class BigGanProGanCommandTests
{
    [Fact]
    public void Export_then_generate_with_label_and_trunc_and_refuse_a_bad_trunc()
    {
        using var tmp = new ImportTestData.TempDir();
        var big = CommandRunner.Run(ExportCommand.Create(), "biggan", "--name", "b", "--models", tmp.Path,
            "--set", "size=16", "--set", "gCh=8", "--set", "zDim=24", "--set", "numClasses=3", "--set", "attentionResolution=8");
        Assert.True(big.Exit == 0, big.Err);
        var pro = CommandRunner.Run(ExportCommand.Create(), "progan", "--name", "p", "--models", tmp.Path,
            "--set", "size=8", "--set", "zDim=8", "--set", "fmapMax=8");
        Assert.True(pro.Exit == 0, pro.Err);

        string Grid(string name, params string[] extra)
        {
            var file = Path.Combine(tmp.Path, $"{name}-{Guid.NewGuid():N}.png");
            var (exit, _, err) = CommandRunner.Run(GenerateCommand.Create(), ["--model", Path.Combine(tmp.Path, name), "--seeds", "0-3", "--grid", file, .. extra]);
            Assert.True(exit == 0, err);
            return file;
        }
        var truncated = File.ReadAllBytes(Grid("b", "--label", "2", "--trunc", "0.5"));
        Assert.Equal(truncated, File.ReadAllBytes(Grid("b", "--label", "2", "--trunc", "0.5")));
        Assert.NotEqual(truncated, File.ReadAllBytes(Grid("b", "--label", "2")));
        Assert.NotEqual(truncated, File.ReadAllBytes(Grid("b", "--label", "1", "--trunc", "0.5")));
        Assert.True(File.Exists(Grid("p")));

        var bad = CommandRunner.Run(GenerateCommand.Create(), "--model", Path.Combine(tmp.Path, "b"), "--trunc", "0.001", "--grid", Path.Combine(tmp.Path, "x.png"));
        Assert.NotEqual(0, bad.Exit);
        Assert.Contains("trunc", bad.Err);
    }
}
