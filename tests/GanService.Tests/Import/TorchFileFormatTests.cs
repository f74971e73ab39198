using System.IO.Compression;
using GanService.Training.Import;

namespace GanService.Tests.Import;

/// <summary>
/// Tensor records the fixtures do not cover (PyTorch ≤ 0.3 `_rebuild_tensor`, strided views, shared and view storages,
/// other dtypes), and damaged or foreign files: each must give one clear line, never a crash or a huge allocation.
/// </summary>
public sealed class TorchFileFormatTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("gan-torchfile-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static PickleBuilder OrderedDict(PickleBuilder p) => p.Global("collections", "OrderedDict").EmptyTuple().Reduce();

    [Fact]
    public void Old_rebuild_tensor_records_apply_offset_and_strides_and_share_their_storage()
    {
        // PyTorch ≤ 0.3: _rebuild_tensor(storage, offset, size, stride). Storage = 0..7.
        // 'w': offset 2, size (2, 3), strides (1, 2) → w[i][j] = storage[2 + i + 2j] (a transposed view).
        // 'v': the same storage, offset 0, size (4,).  'u': a legacy view storage (root offset 4, 4 elements).
        var p = OrderedDict(new PickleBuilder().Proto()).Mark()
            .Str("w").Global("torch._utils", "_rebuild_tensor").Mark()
            .LegacyStorage("FloatStorage", "root", 8).Int(2).IntTuple(2, 3).IntTuple(1, 2).Tuple().Reduce()
            .Str("v").Global("torch._utils", "_rebuild_tensor").Mark()
            .LegacyStorage("FloatStorage", "root", 8).Int(0).IntTuple(4).IntTuple(1).Tuple().Reduce()
            .Str("u").Global("torch._utils", "_rebuild_tensor").Mark()
            .Mark().Str("storage").Global("torch", "FloatStorage").Str("root").Str("cpu").Int(8)
            .Mark().Str("view").Int(4).Int(4).Tuple().Tuple().BinPersId()
            .Int(1).IntTuple(2).IntTuple(2).Tuple().Reduce()
            .SetItems().Stop().ToArray();
        var file = PickleBuilder.LegacyFile(p, ("root", 8, PickleBuilder.Floats(0, 1, 2, 3, 4, 5, 6, 7)));

        var sd = StateDicts.FromDict(TorchFile.Load(file, "old.pth"));
        Assert.Equal([2L, 3L], sd["w"].Shape);
        Assert.Equal([2f, 4f, 6f, 3f, 5f, 7f], sd["w"].Data);
        Assert.Equal([0f, 1f, 2f, 3f], sd["v"].Data);
        // u: view storage [4, 5, 6, 7], offset 1, stride 2 → [5, 7].
        Assert.Equal([5f, 7f], sd["u"].Data);
        Assert.All(sd.Values, t => Assert.Equal("float32", t.DType));
    }

    [Fact]
    public void Python2_era_file_with_cuda_storages_and_byte_string_keys_loads()
    {
        // StarGAN's official 2018 checkpoints: saved from the GPU (torch.cuda.FloatStorage, 'cuda:0') by Python 2.
        var p = new PickleBuilder().Proto().Global("collections", "OrderedDict").EmptyTuple().Reduce().Mark()
            .Py2Str("main.0.weight").Global("torch._utils", "_rebuild_tensor_v2").Mark()
            .LegacyStorage("FloatStorage", "94123", 3, module: "torch.cuda", location: "cuda:0")
            .Int(0).IntTuple(3).IntTuple(1).False()
            .Global("collections", "OrderedDict").EmptyTuple().Reduce().Tuple().Reduce()
            .Op((byte)'u').Stop().ToArray();
        var sd = StateDicts.FromDict(TorchFile.Load(PickleBuilder.LegacyFile(p, ("94123", 3, PickleBuilder.Floats(1, 2, 3))), "200000-G.ckpt"));
        Assert.Equal([1f, 2f, 3f], sd["main.0.weight"].Data);
    }

    public static TheoryData<string, byte[], string, float[]> DTypes => new()
    {
        { "DoubleStorage", [.. BitConverter.GetBytes(0.25), .. BitConverter.GetBytes(-3.5)], "float64", [0.25f, -3.5f] },
        { "HalfStorage", [.. BitConverter.GetBytes((Half)1.5), .. BitConverter.GetBytes((Half)(-2))], "float16", [1.5f, -2f] },
        // bfloat16 = upper 16 bits of float32: 1.0 = 0x3F80, -2.0 = 0xC000.
        { "BFloat16Storage", [0x80, 0x3F, 0x00, 0xC0], "bfloat16", [1f, -2f] },
        { "LongStorage", [.. BitConverter.GetBytes(7L), .. BitConverter.GetBytes(-9L)], "int64", [7f, -9f] },
        { "IntStorage", [.. BitConverter.GetBytes(11), .. BitConverter.GetBytes(-1)], "int32", [11f, -1f] },
        { "ByteStorage", [200, 3], "uint8", [200f, 3f] },
        { "BoolStorage", [1, 0], "bool", [1f, 0f] },
    };

    [Theory]
    [MemberData(nameof(DTypes))]
    public void Storage_types_convert_to_float32_and_keep_their_dtype_name(string storage, byte[] bytes, string dtype, float[] expected)
    {
        var p = OrderedDict(new PickleBuilder().Proto()).Mark()
            .Str("t").Global("torch._utils", "_rebuild_tensor_v2").Mark()
            .LegacyStorage(storage, "0", 2).Int(0).IntTuple(2).IntTuple(1).False()
            .Global("collections", "OrderedDict").EmptyTuple().Reduce().Tuple().Reduce()
            .SetItems().Stop().ToArray();
        var t = StateDicts.FromDict(TorchFile.Load(PickleBuilder.LegacyFile(p, ("0", 2, bytes)), "dtypes.pth"))["t"];
        Assert.Equal(dtype, t.DType);
        Assert.Equal(expected, t.Data);
    }

    // ------------------------------------------------------------------ damaged and foreign files

    private string Write(string name, byte[] bytes)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    private static TorchFileException OneLine(Action load, string mustContain)
    {
        var e = Assert.Throws<TorchFileException>(load);
        Assert.DoesNotContain('\n', e.Message);
        Assert.True(e.Message.Contains(mustContain, StringComparison.Ordinal), $"\"{mustContain}\" not in: {e.Message}");
        return e;
    }

    [Fact]
    public void Empty_image_text_and_random_files_give_one_line_saying_so()
    {
        OneLine(() => TorchFile.Load(Write("empty.pth", [])), "empty file");
        OneLine(() => TorchFile.Load(Write("horse.pth", [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13])), "PNG image");
        OneLine(() => TorchFile.Load(Write("notes.pth", "hello, this is not a checkpoint\n"u8.ToArray())), "not a PyTorch checkpoint");
        var random = new byte[4096];
        new Random(7).NextBytes(random);
        random[0] = 0x42;
        OneLine(() => TorchFile.Load(Write("random.pth", random)), "not a PyTorch checkpoint");
        OneLine(() => TorchFile.Load(Path.Combine(_dir, "missing.pth")), "missing.pth: no such file");
    }

    public static TheoryData<string, string> FixtureFiles => new()
    {
        { "cyclegan_resnet9_ngf8", "latest_net_G.pth" },
        { "cyclegan_resnet9_ngf8", "latest_net_G_pre04.pth" },
        { "stylegan2_nvlabs_ada_s16_z32_map3", "network-snapshot-000200.pkl" },
        { "stylegan2_rosinality_s32_w32_small", "000100_legacy.pt" },
    };

    [Theory]
    [MemberData(nameof(FixtureFiles))]
    public void Truncated_checkpoints_give_one_line_at_every_cut(string folder, string file)
    {
        var bytes = File.ReadAllBytes(PeerFixtures.File(folder, file));
        foreach (var keep in new[] { 20, 200, bytes.Length / 3, bytes.Length / 2, bytes.Length - 9, bytes.Length - 1 })
        {
            var path = Write("cut-" + file, bytes[..keep]);
            var e = Assert.Throws<TorchFileException>(() => TorchFile.Load(path));
            Assert.DoesNotContain('\n', e.Message);
            Assert.StartsWith("cut-" + file, e.Message);
        }
    }

    [Fact]
    public void Zip_without_data_pkl_is_not_a_checkpoint()
    {
        var path = Path.Combine(_dir, "other.zip");
        using (var zip = ZipFile.Open(path, ZipArchiveMode.Create))
        using (var s = zip.CreateEntry("archive/readme.txt").Open())
            s.Write("hello"u8);
        OneLine(() => TorchFile.Load(path), "without data.pkl");
    }

    private static byte[] OneTensorPickle(long storageNumel, long[] size, bool legacy)
    {
        var p = OrderedDict(new PickleBuilder().Proto()).Mark().Str("t").Global("torch._utils", "_rebuild_tensor_v2").Mark();
        if (legacy) p.LegacyStorage("FloatStorage", "0", storageNumel);
        else p.Mark().Str("storage").Global("torch", "FloatStorage").Str("0").Str("cpu").Int(storageNumel).Tuple().BinPersId();
        var stride = new long[size.Length];
        for (int d = size.Length - 1, s = 1; d >= 0; s *= (int)size[d], d--) stride[d] = s;
        return p.Int(0).IntTuple(size).IntTuple(stride).False()
            .Global("collections", "OrderedDict").EmptyTuple().Reduce().Tuple().Reduce().SetItems().Stop().ToArray();
    }

    private string ZipFileWith(string name, byte[] pickle, byte[] storage0)
    {
        var path = Path.Combine(_dir, name);
        using var zip = ZipFile.Open(path, ZipArchiveMode.Create);
        using (var s = zip.CreateEntry("archive/data.pkl", CompressionLevel.NoCompression).Open()) s.Write(pickle);
        using (var s = zip.CreateEntry("archive/data/0", CompressionLevel.NoCompression).Open()) s.Write(storage0);
        return path;
    }

    [Fact]
    public void Storage_shorter_than_its_tensor_needs_is_one_line()
    {
        // Legacy: a storage of 4 floats under a 3x3 tensor.
        var legacy = PickleBuilder.LegacyFile(OneTensorPickle(4, [3, 3], legacy: true), ("0", 4, PickleBuilder.Floats(1, 2, 3, 4)));
        OneLine(() => TorchFile.Load(Write("short.pth", legacy)), "needs 9 elements but its storage '0' holds 4");
        // Zip: the pickle says 9 floats, the entry holds 4.
        OneLine(() => TorchFile.Load(ZipFileWith("short.zip", OneTensorPickle(9, [3, 3], legacy: false), PickleBuilder.Floats(1, 2, 3, 4))),
            "shorter than its tensors need");
        // The zip loads when the entry is whole.
        var ok = StateDicts.FromDict(TorchFile.Load(ZipFileWith("whole.pth", OneTensorPickle(4, [2, 2], legacy: false), PickleBuilder.Floats(1, 2, 3, 4))));
        Assert.Equal([1f, 2f, 3f, 4f], ok["t"].Data);
    }

    [Fact]
    public void Storage_sizes_beyond_the_file_are_refused_before_allocating()
    {
        // 10^12 floats (4 TB) in a header: refused outright.
        var huge = PickleBuilder.LegacyFile(OneTensorPickle(1_000_000_000_000, [2], legacy: true), ("0", 1_000_000_000_000, []));
        OneLine(() => TorchFile.Load(Write("huge.pth", huge)), "larger than this reader supports");
        // 400 MB claimed in a file of a few hundred bytes: the data section is checked against the file.
        var big = PickleBuilder.LegacyFile(OneTensorPickle(100_000_000, [2], legacy: true), ("0", 100_000_000, PickleBuilder.Floats(1, 2)));
        OneLine(() => TorchFile.Load(Write("big.pth", big)), "truncated");
        OneLine(() => TorchFile.Load(ZipFileWith("big.zip", OneTensorPickle(100_000_000, [2], legacy: false), PickleBuilder.Floats(1, 2))),
            "shorter than its tensors need");
        // A tensor whose size needs far more elements than its storage holds.
        var wide = PickleBuilder.LegacyFile(OneTensorPickle(2, [1_000_000, 1_000_000], legacy: true), ("0", 2, PickleBuilder.Floats(1, 2)));
        OneLine(() => TorchFile.Load(Write("wide.pth", wide)), "holds 2");
    }

    [Fact]
    public void Deeply_nested_and_self_referring_pickles_neither_overflow_the_stack_nor_explode()
    {
        // 200,000 nested lists, and a dict key that is a tuple nested 200,000 deep: read without recursion.
        var lists = new PickleBuilder().Proto();
        for (int i = 0; i < 200_000; i++) lists.EmptyList();
        for (int i = 1; i < 200_000; i++) lists.Op((byte)'a');
        Assert.IsType<List<object?>>(TorchFile.Load(lists.Stop().ToArray(), "lists.pkl"));
        var key = new PickleBuilder().Proto().EmptyDict().Str("x");
        for (int i = 0; i < 200_000; i++) key.Op(0x85);
        Assert.Single(Assert.IsType<Dictionary<string, object?>>(TorchFile.Load(key.Int(1).Op((byte)'s').Stop().ToArray(), "key.pkl")));

        // 40 levels of {a: d, b: d} where d is the level below (memo references): 2^40 paths, a few hundred bytes.
        var dag = new PickleBuilder().Proto().EmptyDict().Op((byte)'q').Op(0);
        for (int level = 1; level <= 40; level++)
            dag.EmptyDict().Mark().Str("a").Op((byte)'h').Op((byte)(level - 1)).Str("b").Op((byte)'h').Op((byte)(level - 1))
                .SetItems().Op((byte)'q').Op((byte)level);
        var root = TorchFile.Load(dag.Stop().ToArray(), "dag.pkl");
        OneLine(() => StateDicts.FromDict(root), "refused");
        var deep = new PickleBuilder().Proto().EmptyDict();
        for (int i = 0; i < 100; i++) deep.Str("k").EmptyDict();
        for (int i = 0; i < 100; i++) deep.Op((byte)'s');
        OneLine(() => StateDicts.FromDict(TorchFile.Load(deep.Stop().ToArray(), "deep.pkl")), "nested deeper than 64 levels");
    }

    /// <summary>Random damage to the pickle part of real checkpoints: every outcome is a load or one TorchFileException line.</summary>
    [Fact]
    public void Randomly_damaged_checkpoints_load_or_fail_with_one_line_only()
    {
        var rng = new Random(11);
        var legacy = File.ReadAllBytes(PeerFixtures.File("stargan_G_conv8", "200000-G_legacy.ckpt"));
        var pkl = File.ReadAllBytes(PeerFixtures.File("stylegan2_nvlabs_ada_s16_z32_map3", "network-snapshot-000200.pkl"));
        byte[] dataPkl;
        using (var zip = ZipFile.OpenRead(PeerFixtures.File("stylegan2_rosinality_s32_w32_small", "converted.pt")))
        using (var s = zip.Entries.Single(e => e.FullName.EndsWith("/data.pkl")).Open())
        {
            var ms = new MemoryStream();
            s.CopyTo(ms);
            dataPkl = ms.ToArray();
        }
        var outcomes = new Dictionary<string, int>();
        for (int trial = 0; trial < 300; trial++)
        {
            var (name, bytes, region) = (trial % 3) switch
            {
                0 => ("legacy.ckpt", (byte[])legacy.Clone(), 12_000),
                1 => ("snapshot.pkl", (byte[])pkl.Clone(), 2_000),
                _ => ("data.pkl", (byte[])dataPkl.Clone(), dataPkl.Length),
            };
            for (int k = rng.Next(1, 4); k > 0; k--) bytes[rng.Next(Math.Min(region, bytes.Length))] = (byte)rng.Next(256);
            if (name == "data.pkl") bytes = ZipOf(bytes, File.ReadAllBytes(PeerFixtures.File("stylegan2_rosinality_s32_w32_small", "converted.pt")));
            try
            {
                TorchFile.Load(bytes, name);
                outcomes["loaded"] = outcomes.GetValueOrDefault("loaded") + 1;
            }
            catch (TorchFileException e)
            {
                Assert.DoesNotContain('\n', e.Message);
                Assert.True(e.Message.Length <= 401, e.Message);
                outcomes["refused"] = outcomes.GetValueOrDefault("refused") + 1;
            }
        }
        Assert.True(outcomes.GetValueOrDefault("refused") > 50, string.Join(", ", outcomes));
    }

    /// <summary>The original zip with its data.pkl replaced.</summary>
    private static byte[] ZipOf(byte[] dataPkl, byte[] original)
    {
        var output = new MemoryStream();
        using (var src = new ZipArchive(new MemoryStream(original), ZipArchiveMode.Read))
        using (var dst = new ZipArchive(output, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var e in src.Entries)
            {
                using var w = dst.CreateEntry(e.FullName, CompressionLevel.NoCompression).Open();
                if (e.FullName.EndsWith("/data.pkl")) w.Write(dataPkl);
                else { using var r = e.Open(); r.CopyTo(w); }
            }
        }
        return output.ToArray();
    }

    [Fact]
    public void Malformed_pickles_give_one_line_not_an_exception_from_inside()
    {
        // Stack underflow, a memo read before a write, an unknown opcode, a persistent id in a plain pickle.
        OneLine(() => TorchFile.Load(new PickleBuilder().Proto().Reduce().Stop().ToArray(), "a.pkl"), "stack underflow");
        OneLine(() => TorchFile.Load(new PickleBuilder().Proto().Op((byte)'h').Op(5).Stop().ToArray(), "b.pkl"), "memo entry 5");
        OneLine(() => TorchFile.Load(new PickleBuilder().Proto().Op(0xff).ToArray(), "c.pkl"), "unknown opcode 0xff");
        OneLine(() => TorchFile.Load(new PickleBuilder().Proto().Str("x").BinPersId().Stop().ToArray(), "d.pkl"), "persistent id");
        OneLine(() => TorchFile.Load(new PickleBuilder().Proto().Op((byte)'X').Raw([0xff, 0xff, 0xff, 0x7f]).ToArray(), "e.pkl"), "truncated");
    }
}
