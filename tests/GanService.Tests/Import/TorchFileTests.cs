using System.Text.Json;
using GanService.Training.Import;

namespace GanService.Tests.Import;

/// <summary>
/// The reader against the reference checkpoints: keys and shapes against each fixture's meta.json, values against
/// what PyTorch 1.13 itself read from the same files (torch_reference.json, see make_torch_reference.py).
/// </summary>
public class TorchFileTests
{
    private const string Nvlabs = "stylegan2_nvlabs_ada_s16_z32_map3";
    private const string Rosinality = "stylegan2_rosinality_s32_w32_small";

    /// <summary>(folder, file, expected container, what to take from the loaded object: "" = the whole state dict).</summary>
    public static TheoryData<string, string, TorchFileFormat, string> Checkpoints => new()
    {
        { "cyclegan_resnet9_ngf8", "latest_net_G.pth", TorchFileFormat.Zip, "" },
        { "cyclegan_resnet9_ngf8", "latest_net_G_pre04.pth", TorchFileFormat.Legacy, "" },
        { "pix2pix_unet256_ngf4", "latest_net_G.pth", TorchFileFormat.Zip, "" },
        { "pix2pix_unet256_ngf4", "latest_net_G_legacy.pth", TorchFileFormat.Legacy, "" },
        { "pix2pix_nlayerD_ndf8", "latest_net_D.pth", TorchFileFormat.Zip, "" },
        { "stargan_G_conv8", "200000-G.ckpt", TorchFileFormat.Zip, "" },
        { "stargan_G_conv8", "200000-G_legacy.ckpt", TorchFileFormat.Legacy, "" },
        { Rosinality, "000100.pt", TorchFileFormat.Zip, "g_ema" },
        { Rosinality, "000100_legacy.pt", TorchFileFormat.Legacy, "g_ema" },
        { Rosinality, "converted.pt", TorchFileFormat.Zip, "g_ema" },
        { Nvlabs, "network-snapshot-000200.pkl", TorchFileFormat.Pickle, "G_ema" },
    };

    private static IReadOnlyDictionary<string, TorchTensor> StateDictOf(object? loaded, string entry)
    {
        if (entry == "") return StateDicts.FromDict(loaded);
        var root = Assert.IsType<Dictionary<string, object?>>(loaded);
        return root[entry] is PickleObject module ? StateDicts.FromModule(module) : StateDicts.FromDict(root[entry]);
    }

    [Theory]
    [MemberData(nameof(Checkpoints))]
    public void Fixture_checkpoint_loads_with_the_keys_shapes_and_dtypes_meta_json_lists(string folder, string file, TorchFileFormat format, string entry)
    {
        var path = PeerFixtures.File(folder, file);
        Assert.Equal(format, TorchFile.DetectFormat(path));
        var sd = StateDictOf(TorchFile.Load(path), entry);

        var meta = PeerFixtures.Meta(folder);
        var extra = meta.TryGetProperty("checkpoint_variants", out var variants) && variants.TryGetProperty(file, out var v)
            && v.TryGetProperty("extra_keys", out var keys)
            ? keys.EnumerateArray().Select(k => k.GetString()!).ToHashSet() : [];
        var listed = meta.GetProperty("state_dict").EnumerateArray().ToList();
        // The listing's order is torch's state_dict order; extra keys (2017-style InstanceNorm statistics) sit among them.
        Assert.Equal(listed.Select(e => e.GetProperty("key").GetString()), sd.Keys.Where(k => !extra.Contains(k)));
        Assert.Equal(extra.Order(), sd.Keys.Where(extra.Contains).Order());
        foreach (var e in listed)
        {
            var t = sd[e.GetProperty("key").GetString()!];
            Assert.Equal(e.GetProperty("shape").EnumerateArray().Select(x => x.GetInt64()), t.Shape);
            Assert.Equal(e.GetProperty("dtype").GetString(), t.DType);
            Assert.Equal(t.Shape.Aggregate(1L, (a, b) => a * b), t.Count);
        }
        if (entry is "" or "g_ema" or "G_ema")
            Assert.Equal(meta.GetProperty("param_count").GetInt64(),
                sd.Where(kv => !extra.Contains(kv.Key) && IsParameterName(kv.Key, kv.Value, entry)).Sum(kv => kv.Value.Count));
    }

    /// <summary>meta.json's param_count counts parameters only: no running statistics, counters, noise or filter buffers.</summary>
    private static bool IsParameterName(string key, TorchTensor t, string entry) =>
        entry == "G_ema" ? t.IsParameter
        : !key.EndsWith("running_mean") && !key.EndsWith("running_var") && !key.EndsWith("num_batches_tracked")
          && !key.StartsWith("noises.") && !key.EndsWith(".kernel");

    [Theory]
    [MemberData(nameof(Checkpoints))]
    public void Fixture_tensor_values_equal_what_pytorch_reads(string folder, string file, TorchFileFormat format, string entry)
    {
        _ = format;
        var reference = JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Import", "torch_reference.json")))
            .RootElement.GetProperty("files").GetProperty($"{folder}/{file}");
        var loaded = TorchFile.Load(PeerFixtures.File(folder, file));
        // The reference flattens the whole file (every nested state dict) or, for the snapshot, G_ema's state_dict().
        var sd = entry == "G_ema" ? StateDictOf(loaded, entry) : StateDicts.FromDict(loaded);
        var expected = reference.GetProperty(entry == "G_ema" ? "G_ema" : "flat");

        Assert.Equal(expected.EnumerateObject().Select(p => p.Name), sd.Keys);
        foreach (var p in expected.EnumerateObject())
        {
            var t = sd[p.Name];
            var r = p.Value;
            Assert.Equal(r.GetProperty("shape").EnumerateArray().Select(x => x.GetInt64()), t.Shape);
            Assert.Equal(r.GetProperty("dtype").GetString(), t.DType);
            double sum = 0, abs = 0;
            foreach (var x in t.Data) { sum += x; abs += Math.Abs(x); }
            double refAbs = r.GetProperty("abs_sum").GetDouble();
            Assert.True(Math.Abs(sum - r.GetProperty("sum").GetDouble()) <= 1e-5 * Math.Max(1, refAbs), $"{p.Name}: sum {sum}");
            Assert.True(Math.Abs(abs - refAbs) <= 1e-5 * Math.Max(1, refAbs), $"{p.Name}: abs sum {abs}");
            if (t.Count > 0)
            {
                Assert.Equal(r.GetProperty("first").GetDouble(), t.Data[0], 6);
                Assert.Equal(r.GetProperty("last").GetDouble(), t.Data[^1], 6);
            }
        }
    }

    [Theory]
    [InlineData("cyclegan_resnet9_ngf8", "latest_net_G.pth", "latest_net_G_pre04.pth", "")]
    [InlineData("pix2pix_unet256_ngf4", "latest_net_G.pth", "latest_net_G_legacy.pth", "")]
    [InlineData("stargan_G_conv8", "200000-G.ckpt", "200000-G_legacy.ckpt", "")]
    [InlineData(Rosinality, "000100.pt", "000100_legacy.pt", "g_ema")]
    public void Zip_and_legacy_formats_of_one_checkpoint_give_identical_tensors(string folder, string zip, string legacy, string entry)
    {
        var a = StateDictOf(TorchFile.Load(PeerFixtures.File(folder, zip)), entry);
        var b = StateDictOf(TorchFile.Load(PeerFixtures.File(folder, legacy)), entry);
        foreach (var (key, t) in a)
        {
            Assert.Equal(t.Shape, b[key].Shape);
            Assert.Equal(t.DType, b[key].DType);
            Assert.Equal(t.Data, b[key].Data);
        }
    }

    [Fact]
    public void Nvlabs_snapshot_gives_G_ema_state_dict_and_init_kwargs_without_running_its_source()
    {
        var root = Assert.IsType<Dictionary<string, object?>>(TorchFile.Load(PeerFixtures.File(Nvlabs, "network-snapshot-000200.pkl")));
        Assert.Equal(["training_set_kwargs", "G", "D", "G_ema", "augment_pipe"], root.Keys);
        var gEma = Assert.IsType<PickleObject>(root["G_ema"]);
        Assert.Equal("Generator", gEma.Name);
        // module_src is kept as inert text (in the fixture, a placeholder for NVIDIA's source).
        var meta = Assert.IsType<Dictionary<string, object?>>(Assert.Single(gEma.Args));
        Assert.StartsWith("# training/networks.py source omitted", Assert.IsType<string>(meta["module_src"]));

        var state = Assert.IsType<Dictionary<string, object?>>(gEma.State);
        var kw = Assert.IsType<Dictionary<string, object?>>(state["_init_kwargs"]);
        Assert.Equal(32L, kw["z_dim"]);
        Assert.Equal(48L, kw["w_dim"]);
        Assert.Equal(0L, kw["c_dim"]);
        Assert.Equal(16L, kw["img_resolution"]);
        Assert.Equal(3, ((Dictionary<string, object?>)kw["mapping_kwargs"]!)["num_layers"]! is long n ? (int)n : -1);
        var synthesis = Assert.IsType<Dictionary<string, object?>>(kw["synthesis_kwargs"]);
        Assert.Equal(512L, synthesis["channel_base"]);
        Assert.Equal(32L, synthesis["channel_max"]);
        Assert.Equal(256L, synthesis["conv_clamp"]);
        Assert.Equal(0L, synthesis["num_fp16_res"]);

        var sd = StateDicts.FromModule(gEma);
        Assert.Equal(65_886, sd.Values.Where(t => t.IsParameter).Sum(t => t.Count));
        Assert.Contains("mapping.w_avg", sd.Keys);
        Assert.False(sd["mapping.w_avg"].IsParameter);
        Assert.Contains("synthesis.b8.conv0.noise_const", sd.Keys);
        // numpy float64 scalars (gains) become doubles: FullyConnectedLayer's weight_gain = lr_multiplier / sqrt(in).
        var fc0 = Assert.IsType<PickleObject>(((Dictionary<string, object?>)((Dictionary<string, object?>)((PickleObject)((Dictionary<string, object?>)state["_modules"]!)["mapping"]!).State!)["_modules"]!)["fc0"]);
        Assert.IsType<double>(((Dictionary<string, object?>)fc0.State!)["weight_gain"]);
        // G (the non-EMA generator) is a different network.
        var g = StateDicts.FromModule(root["G"]);
        Assert.Equal(sd.Keys, g.Keys);
        Assert.NotEqual(sd["mapping.fc0.weight"].Data, g["mapping.fc0.weight"].Data);
    }

    private static JsonElement Reference(string file) =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Import", "torch_reference.json")))
            .RootElement.GetProperty("files").GetProperty(file);

    private static void AssertEqualToReference(JsonElement expected, IReadOnlyDictionary<string, TorchTensor> actual)
    {
        Assert.Equal(expected.EnumerateObject().Select(p => p.Name), actual.Keys);
        foreach (var p in expected.EnumerateObject())
        {
            var t = actual[p.Name];
            Assert.Equal(p.Value.GetProperty("shape").EnumerateArray().Select(x => x.GetInt64()), t.Shape);
            Assert.Equal(p.Value.GetProperty("dtype").GetString(), t.DType);
            // Every element is listed (the files are small); an empty tensor lists none.
            var values = p.Value.TryGetProperty("values", out var v) ? v.EnumerateArray().Select(x => (float)x.GetDouble()) : [];
            Assert.Equal(values, t.Data);
        }
    }

    /// <summary>Files torch.save wrote itself (TorchSaved/, see make_torch_reference.py): views with offsets, strides
    /// and stride 0, storages shared between tensors, every storage dtype, Parameters, nested dicts, protocol 4.</summary>
    [Theory]
    [InlineData("views.pt")]
    [InlineData("views_legacy.pt")]
    [InlineData("views_protocol4.pt")]
    [InlineData("views_legacy_protocol4.pt")]
    [InlineData("dtypes.pt")]
    [InlineData("dtypes_legacy.pt")]
    [InlineData("params.pt")]
    [InlineData("params_legacy.pt")]
    public void Torch_saved_views_dtypes_and_parameters_equal_what_pytorch_reads(string file)
    {
        var loaded = TorchFile.Load(Path.Combine(AppContext.BaseDirectory, "Import", "TorchSaved", file));
        var sd = StateDicts.FromDict(loaded);
        AssertEqualToReference(Reference("TorchSaved/" + file).GetProperty("flat"), sd);
        if (file.StartsWith("params"))
        {
            Assert.True(sd["w"].IsParameter);
            Assert.True(sd["b"].IsParameter);
            Assert.False(sd["nested.deep.t"].IsParameter);
            var root = (Dictionary<string, object?>)loaded!;
            Assert.Equal(7L, root["step"]);
            Assert.Equal("x", root["name"]);
        }
    }

    [Theory]
    [InlineData("module.pt")]
    [InlineData("module_legacy.pt")]
    public void Whole_module_saved_by_torch_reads_as_inert_records_only_on_request(string file)
    {
        var path = Path.Combine(AppContext.BaseDirectory, "Import", "TorchSaved", file);
        var e = Assert.Throws<TorchFileException>(() => TorchFile.Load(path));
        Assert.Contains("'torch.nn.modules.container.Sequential'", e.Message);

        var module = Assert.IsType<PickleObject>(TorchFile.Load(path, new TorchLoadOptions { ModuleClasses = true }));
        Assert.Equal("torch.nn.modules.container.Sequential", module.FullName);
        AssertEqualToReference(Reference("TorchSaved/" + file).GetProperty("module"), StateDicts.FromModule(module));
    }

    [Fact]
    public void Rosinality_checkpoint_keeps_args_namespace_and_scalars()
    {
        var root = Assert.IsType<Dictionary<string, object?>>(TorchFile.Load(PeerFixtures.File(Rosinality, "000100.pt")));
        var args = Assert.IsType<PickleObject>(root["args"]);
        Assert.Equal("argparse.Namespace", args.FullName);
        var fields = Assert.IsType<Dictionary<string, object?>>(args.State);
        Assert.Equal(32L, fields["size"]);
        Assert.IsType<double>(root["ada_aug_p"]);

        var converted = Assert.IsType<Dictionary<string, object?>>(TorchFile.Load(PeerFixtures.File(Rosinality, "converted.pt")));
        var latentAvg = Assert.IsType<TorchTensor>(converted["latent_avg"]);
        Assert.Equal(PeerFixtures.Npy(Rosinality, "in_mean_latent.npy").Data, latentAvg.Data);
    }
}
