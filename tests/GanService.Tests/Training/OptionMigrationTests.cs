using System.Text.Json.Nodes;
using GanService.Training.Checkpoints;
using GanService.Training.Families.Encoders;
using GanService.Training.Families.Gan;
using GanService.Training.Families.InfoGan;
using GanService.Training.Families.Translation;
using GanService.Training.Training;

namespace GanService.Tests.Training;

/// <summary>
/// One spelling per concept (the latent size is <c>zDim</c>, the adversarial loss <c>loss</c>): options files written
/// before the renames (<c>nz</c>, pix2pix/CycleGAN <c>ganMode</c>) still load as the current names, and the former
/// names still work with <c>--set</c>.
/// </summary>
public sealed class OptionMigrationTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("gan-migrate").FullName;
    public void Dispose() => Directory.Delete(_dir, true);

    private void WriteOld(string family, JsonObject options) =>
        File.WriteAllText(Path.Combine(_dir, Checkpoint.OptionsFile), new JsonObject { ["family"] = family, ["options"] = options }.ToJsonString());

    private T ReadOld<T>(string family, JsonObject options)
    {
        WriteOld(family, options);
        return Checkpoint.ReadOptions<T>(_dir, family);
    }

    [Fact]
    public void Old_options_files_read_under_the_current_names()
    {
        Assert.Equal(12, ReadOld<GenerationOptions>("dcgan", new JsonObject { ["nz"] = 12, ["family"] = "dcgan" }).ZDim);
        Assert.Equal(7, ReadOld<InfoGanOptions>("infogan", new JsonObject { ["nz"] = 7 }).ZDim);
        Assert.Equal(5, ReadOld<EncoderGanOptions>("aae", new JsonObject { ["nz"] = 5, ["family"] = "aae" }).ZDim);
        Assert.Equal("lsgan", ReadOld<Pix2PixOptions>("pix2pix", new JsonObject { ["ganMode"] = "lsgan" }).Loss);
        Assert.Equal("vanilla", ReadOld<CycleGanOptions>("cyclegan", new JsonObject { ["ganMode"] = "vanilla" }).Loss);
        // A file without the key keeps the default.
        Assert.Equal(100, ReadOld<GenerationOptions>("dcgan", new JsonObject { ["family"] = "dcgan" }).ZDim);
    }

    [Fact]
    public void Former_names_still_set_the_option()
    {
        var notes = new StringWriter();
        Assert.Equal(9, OptionsBinder.Apply(new GenerationOptions(), [new("nz", "9")], notes).ZDim);
        Assert.Equal("wgan-gp", OptionsBinder.Apply(new Pix2PixOptions(), [new("ganMode", "wgan-gp")], notes).Loss);
        Assert.Contains("zDim", notes.ToString());
    }

    [Fact]
    public void A_checkpoint_of_another_family_is_refused()
    {
        WriteOld("infogan", new JsonObject { ["nz"] = 7 });
        var e = Assert.Throws<ArgumentException>(() => Checkpoint.ReadOptions<GenerationOptions>(_dir, "dcgan"));
        Assert.Contains("infogan checkpoint, not dcgan", e.Message);
    }
}
