using GanService.Training.Checkpoints;
using GanService.Training.Data;
using GanService.Training.Families.StyleGan2;
using GanService.Training.Training;
using GanService.Training.Tricks;

namespace GanService.Tests.Training;

/// <summary>--init-from (transfer learning, NVlabs's resume_pkl for a new run): a 64² StyleGAN2 starts from a 8²… run's
/// checkpoint — every tensor of the same name and shape copied, the new top block left as initialised, the optimiser
/// and step counters fresh; a checkpoint of another family or architecture is refused; a resume ignores it.</summary>
public class InitFromTests
{
    private static StyleGan2TrainOptions Tiny(string output, int resolution) => new()
    {
        // channels(res) = min(64 / res, 16): 16 at 4², 8 at 8², 4 at 16², so the 8² blocks are the same in both sizes.
        Arch = new StyleGan2Architecture { Resolution = resolution, ZDim = 8, WDim = 8, MappingLayers = 2, ChannelBase = 64, ChannelMax = 16 },
        Batch = 4, Augment = "", Mirror = false, EmaKimg = 0.02, R1Interval = 2, Out = output, SampleCount = 4,
        CheckpointMinutes = 60, Augmentation = new AdaOptions { Ada = true, AugmentP = 0.25, AdaKimg = 0.04, AdaInterval = 1 },
    };

    private static StyleGanImageFolder Data(int size) =>
        StyleGanImageFolder.FromTensor(torch.rand([8, 3, size, size], generator: new torch.Generator(5)) * 2 - 1);

    /// <summary>A small 8² run of <paramref name="steps"/> steps in ROOT/s8; returns its checkpoint folder.</summary>
    private static string TrainSource(string root, int steps)
    {
        string small = Path.Combine(root, "s8");
        using (var data = Data(8))
        using (var trainer = new StyleGan2Trainer(Tiny(small, 8) with { MaxSteps = steps }))
            trainer.Train(data, resume: false, TextWriter.Null);
        return Path.Combine(small, TrainingRun.CheckpointFolder);
    }

    private static Dictionary<string, float[]> Values(nn.Module m) =>
        m.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.detach().cpu().flatten().to_type(ScalarType.Float32).data<float>().ToArray());

    [Fact]
    public void A_16_run_starts_from_an_8_run_where_names_and_shapes_match_and_keeps_its_own_top_block()
    {
        var root = Path.Combine(Path.GetTempPath(), "init-from-" + Guid.NewGuid().ToString("N"));
        try
        {
            string large = Path.Combine(root, "s16");
            var source = TrainSource(root, 3);
            Dictionary<string, float[]> g8, gEma8, d8;
            double p8;
            using (var s = new StyleGan2Trainer(Tiny(Path.GetDirectoryName(source)!, 8)))
            {
                TrainingLoop.Restore(s, source);
                (g8, gEma8, d8) = (Values(s.G), Values(s.GEma), Values(s.D));
                p8 = s.Augmentation!.P;
            }
            Assert.NotEqual(0.25, p8, 9); // three moves of 0.1 from 0.25: a copied p differs from a fresh one

            Dictionary<string, float[]> gFresh, dFresh;
            using (var fresh = new StyleGan2Trainer(Tiny(large, 16))) (gFresh, dFresh) = (Values(fresh.G), Values(fresh.D));

            var log = new StringWriter();
            using var target = new StyleGan2Trainer(Tiny(large, 16) with { InitFrom = source, MaxSteps = 0 });
            var reports = TrainingLoop.InitFrom(target, source, log);
            var g = Values(target.G);
            var gEma = Values(target.GEma);
            var d = Values(target.D);

            // G: the mapping and the 4² and 8² blocks are the 8² run's (G_ema from G_ema); the 16² block is as initialised.
            Assert.Contains(g.Keys, k => k.StartsWith("synthesis.b16.", StringComparison.Ordinal));
            foreach (var (k, v) in g)
            {
                bool copied = !k.StartsWith("synthesis.b16.", StringComparison.Ordinal);
                Assert.True(copied ? v.SequenceEqual(g8[k]) : v.SequenceEqual(gFresh[k]), k);
                if (copied) Assert.True(gEma[k].SequenceEqual(gEma8[k]), k);
            }
            // D: its blocks below the top are the 8² run's; the top block (b16) and fromrgb (16² → 4 channels, where the
            // 8² run's had 8) are its own.
            Assert.Equal(dFresh["fromrgb.weight"], d["fromrgb.weight"]);
            Assert.NotEqual(d8["fromrgb.weight"].Length, d["fromrgb.weight"].Length);
            Assert.Contains(d.Keys, k => k.StartsWith("b8.", StringComparison.Ordinal));
            foreach (var k in d.Keys.Where(k => k.StartsWith("b8.", StringComparison.Ordinal) || k.StartsWith("b4.", StringComparison.Ordinal) || k.StartsWith("out.", StringComparison.Ordinal)))
                Assert.True(d[k].SequenceEqual(d8[k]), k);
            Assert.Equal(p8, target.Augmentation!.P, 12);

            var dReport = reports.Single(r => r.Network == "D");
            Assert.Contains(dReport.OtherShape, s => s.StartsWith("fromrgb.weight", StringComparison.Ordinal));
            Assert.Contains(dReport.Fresh, k => k.StartsWith("b16.", StringComparison.Ordinal));
            Assert.Equal(dReport.Total - dReport.Fresh.Count, dReport.Copied);
            Assert.InRange(dReport.CopiedShare, 0.2, 0.99);
            Assert.Contains("init-from: G: ", log.ToString());
            Assert.Contains("own initialisation", log.ToString());
        }
        finally { if (Directory.Exists(root)) Directory.Delete(root, true); }
    }

    [Fact]
    public void Widened_init_from_a_narrower_run_computes_what_it_did_and_its_new_channels_then_train()
    {
        var root = Path.Combine(Path.GetTempPath(), "init-from-" + Guid.NewGuid().ToString("N"));
        try
        {
            // 16² both; channel-base 64 → 128 widens 8² (8 → 16 channels) and 16² (4 → 8); 4² stays at 16 (channel-max).
            string narrowDir = Path.Combine(root, "narrow");
            using (var data = Data(16))
            using (var t = new StyleGan2Trainer(Tiny(narrowDir, 16) with { MaxSteps = 3 }))
                t.Train(data, resume: false, TextWriter.Null);
            var source = Path.Combine(narrowDir, TrainingRun.CheckpointFolder);
            var wideArch = Tiny("", 16).Arch with { ChannelBase = 128 };

            using var narrow = new StyleGan2Trainer(Tiny(narrowDir, 16));
            TrainingLoop.Restore(narrow, source);
            using var z = torch.randn([4, 8], generator: new torch.Generator(11));
            using var images = torch.rand([4, 3, 16, 16], generator: new torch.Generator(12)) * 2 - 1;
            using var before = narrow.GEma.Generate(z, psi: 0.7);
            using var dBefore = narrow.D.forward(images);

            var log = new StringWriter();
            using var wide = new StyleGan2Trainer(Tiny(Path.Combine(root, "wide"), 16) with { Arch = wideArch, MaxSteps = 2 });
            var reports = TrainingLoop.InitFrom(wide, source, log, widen: true);
            using var after = wide.GEma.Generate(z, psi: 0.7);
            using var dAfter = wide.D.forward(images);
            Assert.True(after.allclose(before, rtol: 1e-4, atol: 1e-5), $"G_ema moved by {(after - before).abs().max().item<float>()}");
            Assert.True(dAfter.allclose(dBefore, rtol: 1e-4, atol: 1e-5), $"D moved by {(dAfter - dBefore).abs().max().item<float>()}");
            var g = reports.Single(r => r.Network == "G");
            Assert.Contains(g.Widened, w => w.StartsWith("synthesis.b16.conv1.weight [4×4×3×3] → [8×8×3×3]", StringComparison.Ordinal));
            Assert.Empty(g.OtherShape);
            Assert.Equal(g.Total, g.Copied);
            Assert.Contains("widened: ", log.ToString());

            // The zero inputs of an old output channel are what training opens up: a few steps move them.
            static float[] OldRowsNewInputs(StyleGan2Trainer t) =>
                t.G.state_dict()["synthesis.b16.conv1.weight"].narrow(0, 0, 4).narrow(1, 4, 4).flatten().data<float>().ToArray();
            Assert.All(OldRowsNewInputs(wide), v => Assert.Equal(0f, v));
            using var data16 = Data(16);
            wide.Train(data16, resume: false, TextWriter.Null);
            Assert.Contains(OldRowsNewInputs(wide), v => v != 0f);

            // --init-widen alone (no --init-from) is a mistake, said before any work.
            using (var alone = new StyleGan2Trainer(Tiny(Path.Combine(root, "alone"), 16) with { InitWiden = true, MaxSteps = 1 }))
                Assert.Contains("give --init-from", Assert.Throws<ArgumentException>(() => alone.Train(data16, resume: false, TextWriter.Null)).Message);
            Assert.False(Directory.Exists(Path.Combine(root, "alone")));

            // Without --init-widen the same checkpoint leaves those layers as initialised (and names them).
            using var plain = new StyleGan2Trainer(Tiny(Path.Combine(root, "plain"), 16) with { Arch = wideArch });
            var plainG = TrainingLoop.InitFrom(plain, source, TextWriter.Null).Single(r => r.Network == "G");
            Assert.Empty(plainG.Widened);
            Assert.Contains(plainG.OtherShape, s => s.StartsWith("synthesis.b16.conv1.weight", StringComparison.Ordinal));
        }
        finally { if (Directory.Exists(root)) Directory.Delete(root, true); }
    }

    [Fact]
    public void A_new_run_with_init_from_trains_from_step_zero_and_a_resume_does_not_copy_again()
    {
        var root = Path.Combine(Path.GetTempPath(), "init-from-" + Guid.NewGuid().ToString("N"));
        try
        {
            string large = Path.Combine(root, "s16");
            var source = TrainSource(root, 2);
            using var data16 = Data(16);
            var log = new StringWriter();
            using (var trainer = new StyleGan2Trainer(Tiny(large, 16) with { InitFrom = source, MaxSteps = 2 }))
                Assert.Equal(2, trainer.Train(data16, resume: false, log).Step);
            Assert.Contains("init-from: G_ema: ", log.ToString());

            var ckpt = Path.Combine(large, TrainingRun.CheckpointFolder);
            var options = Checkpoint.ReadOptions<StyleGan2TrainOptions>(ckpt).Options;
            Assert.Equal(source, options.InitFrom);
            Dictionary<string, float[]> saved;
            using (var s = new StyleGan2Trainer(options)) { TrainingLoop.Restore(s, ckpt); saved = Values(s.G); }
            var resumedLog = new StringWriter();
            using var resumed = new StyleGan2Trainer(options with { MaxSteps = 2 });
            Assert.Equal(2, resumed.Train(data16, resume: true, resumedLog).Step); // nothing left to train: weights as saved
            Assert.DoesNotContain("init-from: ", resumedLog.ToString());
            Assert.All(Values(resumed.G), kv => Assert.True(kv.Value.SequenceEqual(saved[kv.Key]), kv.Key));
        }
        finally { if (Directory.Exists(root)) Directory.Delete(root, true); }
    }

    [Fact]
    public void Another_family_a_missing_folder_and_another_architecture_are_refused()
    {
        var root = Path.Combine(Path.GetTempPath(), "init-from-" + Guid.NewGuid().ToString("N"));
        try
        {
            var source = TrainSource(root, 1);

            using var target = new StyleGan2Trainer(Tiny(Path.Combine(root, "t"), 8));
            var missing = Assert.Throws<ArgumentException>(() => TrainingLoop.InitFrom(target, Path.Combine(root, "nothing"), TextWriter.Null));
            Assert.Contains("no checkpoint", missing.Message);

            var options = File.ReadAllText(Path.Combine(source, Checkpoint.OptionsFile));
            File.WriteAllText(Path.Combine(source, Checkpoint.OptionsFile), options.Replace("\"stylegan2\"", "\"progan\""));
            var family = Assert.Throws<ArgumentException>(() => TrainingLoop.InitFrom(target, source, TextWriter.Null));
            Assert.Contains("is a progan checkpoint, not stylegan2", family.Message);
            File.WriteAllText(Path.Combine(source, Checkpoint.OptionsFile), options);

            // Another width: only biases of the RGB layers, filters and scalars fit — an error, not a silent fresh start.
            using var wide = new StyleGan2Trainer(Tiny(Path.Combine(root, "w"), 8) with
            { Arch = Tiny("", 8).Arch with { ZDim = 12, WDim = 12, ChannelBase = 128, ChannelMax = 32 } });
            var other = Assert.Throws<ArgumentException>(() => TrainingLoop.InitFrom(wide, source, TextWriter.Null));
            Assert.Contains("another architecture", other.Message);
        }
        finally { if (Directory.Exists(root)) Directory.Delete(root, true); }
    }
}
