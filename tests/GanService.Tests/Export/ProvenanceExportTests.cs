using GanService.Contracts;
using GanService.Tests.Training;
using GanService.Training.Checkpoints;
using GanService.Training.Data;
using GanService.Training.Export;
using GanService.Training.Families.Gan;
using GanService.Training.Families.Translation;
using Google.Protobuf;

namespace GanService.Tests.Export;

/// <summary>Export writes a description of the data and the run (never the local data path), and `gan repackage`
/// rewrites a manifest without touching the weights.</summary>
public sealed class ProvenanceExportTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("gan-provenance").FullName;
    public void Dispose() => Directory.Delete(_dir, true);

    private static Pix2PixOptions TinyPix2Pix(string dataDescription) => new()
    {
        Data = "/tmp/someone/shapes64", DataDescription = dataDescription, DataLicense = dataDescription == "" ? "" : "CC0",
        NetG = "unet_32", CropSize = 32, LoadSize = 32, Ngf = 4, Ndf = 4,
    };

    private string Pix2PixCheckpoint(Pix2PixOptions o)
    {
        var checkpoint = Path.Combine(_dir, "checkpoint");
        using var trainer = new Pix2PixTrainer(o);
        Checkpoint.Save(checkpoint, "pix2pix", o, new TrainingState(3, 120, 150, 0), trainer.Networks);
        return checkpoint;
    }

    [Fact]
    public void Translation_export_names_the_dataset_folder_not_its_path_and_records_minutes_on_the_device()
    {
        var (draft, _) = FamilyRegistry.Get("pix2pix").BuildExport("p", Pix2PixCheckpoint(TinyPix2Pix("")), new Dictionary<string, string>());
        Assert.Equal("dataset 'shapes64'", draft.Training!.Data);
        Assert.Equal("2.5 min on CPU", draft.Training.Duration);
        Assert.Empty(TrainingProvenance.MachineSpecific(draft.ToJson()));
    }

    [Fact]
    public void Translation_export_uses_the_description_and_licence_given_at_training()
    {
        var (draft, graphs) = FamilyRegistry.Get("pix2pix").BuildExport("p", Pix2PixCheckpoint(TinyPix2Pix("shapes, 800 generated pairs")), new Dictionary<string, string>());
        Assert.Equal(("shapes, 800 generated pairs", "CC0", "CC0"), (draft.Training!.Data, draft.Training.DataLicense, draft.License));
        var written = ModelPackage.Write(Path.Combine(_dir, "p"), draft, graphs);
        Assert.DoesNotContain("/tmp/", ModelPackage.EmbeddedManifest(Path.Combine(_dir, "p", "model.onnx")));
        Assert.Equal(written.Training, ModelManifest.Load(Path.Combine(_dir, "p", "model.json")).Training);
    }

    [Fact]
    public void Generation_training_records_the_data_size_and_export_says_it_without_the_path()
    {
        torch.manual_seed(0);
        using var data = new LabelledImageSet(torch.randint(0, 256, [32, 1, 16, 16]).to_type(ScalarType.Byte), torch.zeros([32], dtype: ScalarType.Int64), ["a"]);
        var o = new GenerationOptions { Family = "dcgan", Size = 16, Ngf = 4, Ndf = 4, ZDim = 8, Batch = 16, Epochs = 1, Data = "/home/someone/fashion-mnist" };
        var run = Path.Combine(_dir, "run");
        Runs.Generation(o with { Out = run }, data, false);
        var checkpoint = Path.Combine(run, "checkpoint");
        Assert.Equal("dataset 'fashion-mnist', 32 samples", Checkpoint.ReadOptions<GenerationOptions>(checkpoint).Options.DataDescription);
        var (draft, _) = FamilyRegistry.Get("dcgan").BuildExport("g", checkpoint, new Dictionary<string, string>());
        Assert.Equal("dataset 'fashion-mnist', 32 samples", draft.Training!.Data);
        Assert.EndsWith(" min on CPU", draft.Training.Duration);
    }

    [Fact]
    public void A_local_path_in_the_manifest_is_refused_before_anything_is_written()
    {
        var (draft, graphs) = FamilyRegistry.Get("pix2pix").BuildExport("p", Pix2PixCheckpoint(TinyPix2Pix("")), new Dictionary<string, string>());
        var folder = Path.Combine(_dir, "refused");
        var e = Assert.Throws<ManifestException>(() => ModelPackage.Write(folder, draft with { Training = draft.Training! with { Data = "/tmp/x/shapes" } }, graphs));
        Assert.Contains("/tmp/", e.Message);
        Assert.False(File.Exists(Path.Combine(folder, "model.onnx")));
    }

    private string CopyOfShippedModel(string name)
    {
        var source = Path.Combine(GanService.Tests.Repository.RepositoryLayoutTests.Root(), "models", name);
        var copy = Path.Combine(_dir, name);
        Directory.CreateDirectory(copy);
        foreach (var f in Directory.GetFiles(source)) File.Copy(f, Path.Combine(copy, Path.GetFileName(f)));
        return copy;
    }

    [Fact]
    public void Repackage_rewrites_model_json_and_the_embedded_manifest_and_leaves_the_graph_bytes_alone()
    {
        var folder = CopyOfShippedModel("shapes-recolor-stargan");
        var onnx = Path.Combine(folder, "model.onnx");
        var before = global::Onnx.ModelProto.Parser.ParseFrom(File.ReadAllBytes(onnx));
        var manifest = ModelPackage.Repackage(folder, m => m with { Training = m.Training! with { Duration = "7 min on CPU" } });

        var after = global::Onnx.ModelProto.Parser.ParseFrom(File.ReadAllBytes(onnx));
        Assert.Equal(before.Graph.ToByteArray(), after.Graph.ToByteArray());
        Assert.Equal(before.OpsetImport, after.OpsetImport);
        Assert.Equal((before.IrVersion, before.ProducerName, before.ProducerVersion), (after.IrVersion, after.ProducerName, after.ProducerVersion));
        Assert.Equal(ModelManifest.Sha256Of(onnx), manifest.Graphs[0].Sha256);
        var loaded = ModelManifest.Load(Path.Combine(folder, "model.json"));
        Assert.Equal("7 min on CPU", loaded.Training!.Duration);
        Assert.Equal(ModelPackage.MetadataJson(loaded), ModelPackage.EmbeddedManifest(onnx));
    }

    [Fact]
    public void Repackage_refuses_onnx_files_that_do_not_match_model_json()
    {
        var folder = CopyOfShippedModel("shapes-recolor-stargan");
        var onnx = Path.Combine(folder, "model.onnx");
        var bytes = File.ReadAllBytes(onnx);
        bytes[^1] ^= 1;
        File.WriteAllBytes(onnx, bytes);
        var e = Assert.Throws<InvalidDataException>(() => ModelPackage.Repackage(folder));
        Assert.Contains("SHA-256", e.Message);
    }
}
