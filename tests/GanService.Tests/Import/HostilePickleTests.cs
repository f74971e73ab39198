using System.IO.Compression;
using GanService.Training.Import;

namespace GanService.Tests.Import;

/// <summary>
/// Pickles are programs: a checkpoint can name any Python function and call it. The reader must refuse every global
/// outside its allow-list at the opcode that names it, in every container, and never run or write anything.
/// </summary>
public sealed class HostilePickleTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("gan-hostile-").FullName;
    private string Marker => Path.Combine(_dir, "pwned");

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    public static TheoryData<string, string> Dangerous => new()
    {
        { "os", "system" },
        { "posix", "system" },
        { "nt", "system" },
        { "builtins", "eval" },
        { "builtins", "exec" },
        { "__builtin__", "eval" },
        { "builtins", "getattr" },
        { "builtins", "__import__" },
        { "subprocess", "Popen" },
        { "subprocess", "check_output" },
        { "shutil", "rmtree" },
        { "torch", "load" },
        { "torch.serialization", "load" },
        { "numpy", "load" },
        { "torch._utils", "_rebuild_device_tensor_from_numpy" },
    };

    /// <summary>callable(*('touch MARKER',)) — the classic payload.</summary>
    private byte[] CallPayload(string module, string name, bool stackGlobal, int proto = 2)
    {
        var p = new PickleBuilder().Proto(proto);
        if (stackGlobal) p.StackGlobal(module, name); else p.Global(module, name);
        return p.Mark().Str($"touch {Marker}").Tuple().Reduce().Stop().ToArray();
    }

    private static void AssertRefused(Action load, string fullName)
    {
        var e = Assert.Throws<TorchFileException>(load);
        Assert.Contains($"'{fullName}'", e.Message);
        Assert.Contains("refused", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Theory]
    [MemberData(nameof(Dangerous))]
    public void Plain_pickle_with_a_global_off_the_allow_list_is_refused_without_running(string module, string name)
    {
        var full = (module == "__builtin__" ? "builtins" : module) + "." + name;
        AssertRefused(() => TorchFile.Load(CallPayload(module, name, stackGlobal: false), "evil.pkl"), full);
        AssertRefused(() => TorchFile.Load(CallPayload(module, name, stackGlobal: true, proto: 4), "evil.pkl"), full);
        Assert.False(File.Exists(Marker));
    }

    [Theory]
    [MemberData(nameof(Dangerous))]
    public void Zip_checkpoint_whose_data_pkl_names_a_dangerous_global_is_refused(string module, string name)
    {
        var path = Path.Combine(_dir, "evil.pth");
        using (var zip = ZipFile.Open(path, ZipArchiveMode.Create))
        using (var s = zip.CreateEntry("evil/data.pkl", CompressionLevel.NoCompression).Open())
            s.Write(CallPayload(module, name, stackGlobal: false));
        AssertRefused(() => TorchFile.Load(path), (module == "__builtin__" ? "builtins" : module) + "." + name);
        Assert.False(File.Exists(Marker));
    }

    [Theory]
    [MemberData(nameof(Dangerous))]
    public void Legacy_checkpoint_whose_main_pickle_names_a_dangerous_global_is_refused(string module, string name)
    {
        var path = Path.Combine(_dir, "evil.pth");
        File.WriteAllBytes(path, PickleBuilder.LegacyFile(CallPayload(module, name, stackGlobal: false)));
        Assert.Equal(TorchFileFormat.Legacy, TorchFile.DetectFormat(path));
        AssertRefused(() => TorchFile.Load(path), (module == "__builtin__" ? "builtins" : module) + "." + name);
        Assert.False(File.Exists(Marker));
    }

    [Fact]
    public void Refusal_happens_at_the_global_before_any_later_opcode_is_read()
    {
        // After the GLOBAL comes an opcode that does not exist: the error must still be about the global.
        var p = new PickleBuilder().Proto().Global("os", "system").Raw([0xff, 0xfe]).ToArray();
        AssertRefused(() => TorchFile.Load(p, "evil.pkl"), "os.system");
    }

    [Fact]
    public void Inst_and_obj_opcodes_naming_dangerous_classes_are_refused()
    {
        var inst = new PickleBuilder().Proto().Mark().Str($"touch {Marker}").Inst("os", "system").Stop().ToArray();
        AssertRefused(() => TorchFile.Load(inst, "evil.pkl"), "os.system");
        var obj = new PickleBuilder().Proto().Mark().Global("subprocess", "Popen").Str($"touch {Marker}").Obj().Stop().ToArray();
        AssertRefused(() => TorchFile.Load(obj, "evil.pkl"), "subprocess.Popen");
        Assert.False(File.Exists(Marker));
    }

    [Fact]
    public void Reduce_of_an_allowed_name_that_is_not_a_function_is_refused()
    {
        var p = new PickleBuilder().Proto().Global("torch", "FloatStorage").Mark().Int(3).Tuple().Reduce().Stop().ToArray();
        var e = Assert.Throws<TorchFileException>(() => TorchFile.Load(p, "odd.pkl"));
        Assert.Contains("torch.FloatStorage", e.Message);
    }

    [Fact]
    public void Extension_registry_opcodes_are_refused()
    {
        var p = new PickleBuilder().Proto().Op(0x82).Op(1).Stop().ToArray();
        var e = Assert.Throws<TorchFileException>(() => TorchFile.Load(p, "ext.pkl"));
        Assert.Contains("extension registry", e.Message);
    }

    [Fact]
    public void Persistent_object_is_an_inert_record_and_its_module_src_is_never_run()
    {
        var src = $"import os\nopen({System.Text.Json.JsonSerializer.Serialize(Marker)}, 'w').write('x')\nos.system('touch {Marker}')\n";
        var p = new PickleBuilder().Proto(4)
            .StackGlobal("torch_utils.persistence", "_reconstruct_persistent_obj")
            .EmptyDict().Mark()
            .Str("type").Str("class").Str("version").Int(6).Str("module_src").Str(src).Str("class_name").Str("Evil")
            .Str("state").EmptyDict().Mark().Str("_init_kwargs").EmptyDict().SetItems()
            .SetItems().Op(0x85).Reduce().Stop().ToArray();
        var obj = Assert.IsType<PickleObject>(TorchFile.Load(p, "snapshot.pkl"));
        Assert.Equal("Evil", obj.Name);
        Assert.Equal(src, ((Dictionary<string, object?>)obj.Args[0]!)["module_src"]);
        Assert.False(File.Exists(Marker));
    }

    [Fact]
    public void Embedded_storage_blob_may_not_nest_another_blob()
    {
        var inner = PickleBuilder.LegacyFile(new PickleBuilder().Proto()
            .Global("torch.storage", "_load_from_bytes").Mark().Bytes([1, 2, 3]).Tuple().Reduce().Stop().ToArray());
        var outer = new PickleBuilder().Proto(4).StackGlobal("torch.storage", "_load_from_bytes").Mark().Bytes(inner).Tuple().Reduce().Stop().ToArray();
        var e = Assert.Throws<TorchFileException>(() => TorchFile.Load(outer, "nested.pkl"));
        Assert.Contains("inside an embedded blob", e.Message);
    }

    /// <summary>torch.save(model) pickles a module by class: GLOBAL models.networks.X, NEWOBJ (), BUILD {__dict__}.</summary>
    private static byte[] WholeModuleFile()
    {
        var main = new PickleBuilder().Proto()
            .Global("models.networks", "TinyNet").EmptyTuple().NewObj()
            .EmptyDict().Mark()
            .Str("training").False()
            .Str("_parameters").Global("collections", "OrderedDict").EmptyTuple().Reduce().Mark()
            .Str("weight").Global("torch._utils", "_rebuild_tensor_v2").Mark()
            .LegacyStorage("FloatStorage", "0", 2).Int(0).IntTuple(2).IntTuple(1).False()
            .Global("collections", "OrderedDict").EmptyTuple().Reduce().Tuple().Reduce()
            .SetItems()
            .Str("_buffers").Global("collections", "OrderedDict").EmptyTuple().Reduce()
            .Str("_modules").Global("collections", "OrderedDict").EmptyTuple().Reduce()
            .SetItems().Build().Stop().ToArray();
        return PickleBuilder.LegacyFile(main, ("0", 2, PickleBuilder.Floats(1.5f, -2f)));
    }

    [Fact]
    public void Whole_module_pickled_by_class_is_refused_by_default_and_read_as_inert_record_on_request()
    {
        var file = WholeModuleFile();
        AssertRefused(() => TorchFile.Load(file, "model.pth"), "models.networks.TinyNet");

        var module = Assert.IsType<PickleObject>(TorchFile.Load(file, "model.pth", new TorchLoadOptions { ModuleClasses = true }));
        Assert.Equal("models.networks.TinyNet", module.FullName);
        var sd = StateDicts.FromModule(module);
        Assert.Equal([1.5f, -2f], Assert.Single(sd, kv => kv.Key == "weight").Value.Data);
    }

    [Fact]
    public void Module_classes_option_still_refuses_calling_a_class_or_function()
    {
        var options = new TorchLoadOptions { ModuleClasses = true };
        var call = CallPayload("os", "system", stackGlobal: false);
        var e = Assert.Throws<TorchFileException>(() => TorchFile.Load(call, "evil.pkl", options));
        Assert.Contains("'os.system'", e.Message);
        var newWithArgs = new PickleBuilder().Proto().Global("subprocess", "Popen").Mark().Str($"touch {Marker}").Tuple().NewObj().Stop().ToArray();
        e = Assert.Throws<TorchFileException>(() => TorchFile.Load(newWithArgs, "evil.pkl", options));
        Assert.Contains("'subprocess.Popen'", e.Message);
        Assert.False(File.Exists(Marker));
    }
}
