using GanService.Cli.Commands;
using GanService.Contracts;
using GanService.Tests.Import;
using static GanService.Tests.Import.ImportTestData;

namespace GanService.Tests.Cli;

/// <summary>`gan import` through the command line: what it prints, and one clear error line for every bad input.</summary>
public class ImportCommandTests
{
    private static (int Exit, string Out, string Err) Gan(params string[] args) => CommandRunner.Run(ImportCommand.Create(), args);

    private static void AssertOneErrorLine(string err, string contains)
    {
        var lines = err.TrimEnd().Split('\n');
        Assert.True(lines.Length == 1, $"expected one line, got:\n{err}");
        Assert.StartsWith("error: ", lines[0]);
        Assert.Contains(contains, lines[0]);
        Assert.DoesNotContain("   at ", err); // no stack trace
    }

    [Fact]
    public void Cyclegan_checkpoint_imports_printing_what_was_inferred()
    {
        using var tmp = new TempDir();
        var (exit, output, error) = Gan("cyclegan", "--checkpoint", PeerFixtures.File("cyclegan_resnet9_ngf8", "latest_net_G_pre04.pth"),
            "--name", "h2z", "--models", tmp.Path, "--size", "64", "--licence", "BSD (test fixture)");
        Assert.True(exit == 0, error);
        Assert.Contains("inferred: ResnetGenerator resnet_9blocks: ngf 8, 9 residual blocks, norm instance (no affine)", output);
        Assert.Contains("inferred: dropped 46 keys", output);
        Assert.Contains("imported cyclegan model 'h2z'", output);
        var m = ModelManifest.Load(Path.Combine(tmp.Path, "h2z", "model.json"));
        Assert.Equal("BSD (test fixture)", m.License);
        Assert.Equal(("latest_net_G_pre04.pth", "junyanz", "legacy"), (m.Source!.File, m.Source.Format, m.Source.Container));
        Assert.True(File.Exists(Path.Combine(tmp.Path, "h2z", "card.md")));
        Assert.DoesNotContain(tmp.Path, File.ReadAllText(Path.Combine(tmp.Path, "h2z", "model.json"))); // no machine paths
    }

    [Fact]
    public void Bn_stats_flag_reaches_the_pix2pix_importer()
    {
        using var tmp = new TempDir();
        var (exit, output, error) = Gan("pix2pix", "--checkpoint", Path.Combine(ConfigurationsDir, "unet32_ngf1_batch.pth"), "--name", "p",
            "--models", tmp.Path, "--size", "32", "--bn-stats", "instance");
        Assert.True(exit == 0, error);
        Assert.Contains("inferred: --bn-stats instance: 7 BatchNorm layers normalise each image with its own statistics", output);
        Assert.Contains("BatchNorm statistics: instance", ModelManifest.Load(Path.Combine(tmp.Path, "p", "model.json")).Description);
        var refused = Gan("stargan", "--checkpoint", PeerFixtures.File("stargan_G_conv8", "200000-G.ckpt"), "--name", "s", "--models", tmp.Path,
            "--bn-stats", "instance");
        AssertOneErrorLine(refused.Err, "--bn-stats applies to pix2pix/cyclegan");
    }

    [Fact]
    public void Psi_and_cutoff_reach_the_stylegan2_importer_and_are_refused_elsewhere()
    {
        using var tmp = new TempDir();
        var (exit, _, error) = Gan("stylegan2", "--checkpoint", PeerFixtures.File("stylegan2_nvlabs_ada_s16_z32_map3", "network-snapshot-000200.pkl"),
            "--name", "sg", "--models", tmp.Path, "--psi", "0.5");
        Assert.True(exit == 0, error);
        Assert.Equal(0.5f, ModelManifest.Load(Path.Combine(tmp.Path, "sg", "model.json")).Style!.DefaultPsi);
        var badPsi = Gan("stylegan2", "--checkpoint", PeerFixtures.File("stylegan2_nvlabs_ada_s16_z32_map3", "network-snapshot-000200.pkl"),
            "--name", "sg2", "--models", tmp.Path, "--psi", "-1");
        AssertOneErrorLine(badPsi.Err, "psi '-1'");
        var notStyle = Gan("cyclegan", "--checkpoint", PeerFixtures.File("cyclegan_resnet9_ngf8", "latest_net_G.pth"), "--name", "c",
            "--models", tmp.Path, "--cutoff", "2");
        AssertOneErrorLine(notStyle.Err, "--psi and --cutoff apply to stylegan2");
        var bnOnStyle = Gan("stylegan2", "--checkpoint", PeerFixtures.File("stylegan2_nvlabs_ada_s16_z32_map3", "network-snapshot-000200.pkl"),
            "--name", "sg3", "--models", tmp.Path, "--bn-stats", "instance");
        AssertOneErrorLine(bnOnStyle.Err, "--bn-stats applies to pix2pix/cyclegan");
        Assert.False(Directory.Exists(Path.Combine(tmp.Path, "c")));
    }

    [Fact]
    public void Truncated_checkpoint_gives_one_error_line()
    {
        using var tmp = new TempDir();
        var full = File.ReadAllBytes(PeerFixtures.File("pix2pix_unet256_ngf4", "latest_net_G_legacy.pth"));
        string truncated = Path.Combine(tmp.Path, "truncated.pth");
        File.WriteAllBytes(truncated, full[..(full.Length / 2)]);
        var (exit, _, error) = Gan("pix2pix", "--checkpoint", truncated, "--name", "t", "--models", tmp.Path);
        Assert.NotEqual(0, exit);
        AssertOneErrorLine(error, "");
        Assert.False(Directory.Exists(Path.Combine(tmp.Path, "t")));
    }

    [Fact]
    public void A_file_that_is_not_a_checkpoint_gives_one_error_line()
    {
        using var tmp = new TempDir();
        string png = Path.Combine(tmp.Path, "horse.jpg");
        File.WriteAllBytes(png, [0xFF, 0xD8, 0xFF, 0xE0, 0, 16, (byte)'J', (byte)'F', (byte)'I', (byte)'F', 0, 1, 1, 0, 0, 1]);
        var (exit, _, error) = Gan("cyclegan", "--checkpoint", png, "--name", "x", "--models", tmp.Path);
        Assert.Equal(2, exit);
        AssertOneErrorLine(error, "");
    }

    [Fact]
    public void Missing_checkpoint_names_the_path()
    {
        var (exit, _, error) = Gan("cyclegan", "--checkpoint", "no-such.pth", "--name", "x", "--models", Path.GetTempPath());
        Assert.Equal(2, exit);
        AssertOneErrorLine(error, "'no-such.pth' does not exist");
    }

    [Fact]
    public void Unknown_key_and_impossible_shape_are_named()
    {
        using var tmp = new TempDir();
        var extra = Gan("cyclegan", "--checkpoint", Path.Combine(ConfigurationsDir, "invalid_extra_key.pth"), "--name", "x", "--models", tmp.Path, "--size", "16");
        Assert.Equal(2, extra.Exit);
        AssertOneErrorLine(extra.Err, "unexpected key 'model.3.weight'");
        var shape = Gan("stargan", "--checkpoint", Path.Combine(ConfigurationsDir, "invalid_shape.ckpt"), "--name", "x", "--models", tmp.Path, "--labels", "a,b,c");
        Assert.Equal(2, shape.Exit);
        AssertOneErrorLine(shape.Err, "key 'main.3.weight' has shape [4, 2, 3, 3]");
    }

    [Fact]
    public void Wrong_family_size_and_labels_are_refused_with_the_reason()
    {
        using var tmp = new TempDir();
        string stargan = PeerFixtures.File("stargan_G_conv8", "200000-G.ckpt");
        AssertOneErrorLine(Gan("cyclegan", "--checkpoint", stargan, "--name", "x", "--models", tmp.Path).Err, "gan import stargan");
        AssertOneErrorLine(Gan("stargan", "--checkpoint", stargan, "--name", "x", "--models", tmp.Path, "--labels", "a,b").Err,
            "--labels gives 2 names, but the generator has c_dim 5");
        AssertOneErrorLine(Gan("pix2pix", "--checkpoint", PeerFixtures.File("pix2pix_unet256_ngf4", "latest_net_G.pth"), "--name", "x",
            "--models", tmp.Path, "--size", "128").Err, "--size 128 must be a multiple of 256");
        AssertOneErrorLine(Gan("pix2pix", "--checkpoint", PeerFixtures.File("pix2pix_nlayerD_ndf8", "latest_net_D.pth"), "--name", "x",
            "--models", tmp.Path).Err, "NLayerDiscriminator");
        AssertOneErrorLine(Gan("stargan", "--checkpoint", stargan, "--name", "x", "--models", tmp.Path, "--format", "junyanz").Err,
            "--format junyanz does not apply to stargan");
        Assert.Empty(Directory.EnumerateFileSystemEntries(tmp.Path));
    }
}
