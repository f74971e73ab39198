using GanService.Contracts;
using GanService.Tests.Onnx;
using GanService.Training.Export;
using GanService.Training.Onnx;
using Xunit.Abstractions;

namespace GanService.Tests.Families.Translation;

/// <summary>`gan export` families: manifest shape, deterministic graphs, StarGAN packaged graph vs a rebuilt TorchSharp G.</summary>
public class TranslationExportTests(ITestOutputHelper log)
{
    [Theory]
    [InlineData("pix2pix", "netG=unet_32,cropSize=32,ngf=4", 32)]
    [InlineData("cyclegan", "netG=resnet_6blocks,cropSize=32,ngf=4,direction=BtoA", 4)]
    public void Image_to_image_export_is_deterministic_with_an_image_input(string family, string sets, int sizeMultiple)
    {
        var overrides = sets.Split(',').Select(s => s.Split('=')).ToDictionary(p => p[0], p => p[1]);
        var (draft, graphs) = FamilyRegistry.Get(family).BuildExport("t", null, overrides);
        Assert.Equal(ModelTasks.Translate, draft.Task);
        Assert.Equal(family, draft.Family);
        var g = Assert.Single(graphs);
        // Fully convolutional: any height and width that are multiples of the generator's stride; trained at 32².
        Assert.Equal([-1, 3, -1, -1], g.Inputs[0].Shape);
        Assert.Equal(new ImageSpec(3, 32, 32, SizeMultiple: sizeMultiple), draft.Image);
        // The same seed and options give the same bytes (generator parity itself: TranslationNetworkTests).
        var again = FamilyRegistry.Get(family).BuildExport("t", null, overrides);
        var bytes = OnnxExporter.ToBytes(g.Model);
        Assert.Equal(bytes, OnnxExporter.ToBytes(again.Graphs[0].Model)); // deterministic export
        using var session = Parity.Session(bytes);
        Assert.Equal(["image"], session.InputNames);
    }

    [Fact]
    public void Stargan_export_has_image_and_label_vector_inputs_and_domain_labels()
    {
        var (draft, graphs) = FamilyRegistry.Get("stargan").BuildExport("s", null,
            new Dictionary<string, string> { ["labels"] = "blue,green,red", ["cropSize"] = "16", ["gConvDim"] = "4", ["gRepeat"] = "2" });
        Assert.Equal(["blue", "green", "red"], draft.Labels);
        var g = Assert.Single(graphs);
        Assert.Equal(TensorRoles.LabelVector, g.Inputs[1].Role);
        Assert.Equal([-1, 3], g.Inputs[1].Shape);
        torch.manual_seed(0);
        var rebuilt = GanService.Training.Families.Translation.StarGanTrainer.Build(
            new GanService.Training.Families.Translation.StarGanOptions { Labels = ["blue", "green", "red"], CropSize = 16, GConvDim = 4, GRepeat = 2 });
        var x = torch.randn(2, 3, 16, 16);
        var c = torch.tensor(new float[] { 0, 1, 0, 1, 0, 0 }).view(2, 3);
        float d = Parity.Compare(OnnxExporter.ToBytes(g.Model),
            [(new OnnxIo("image", [-1, 3, 16, 16]), x), (new OnnxIo("label", [-1, 3]), c)], [new OnnxIo("output", [-1, 3, 16, 16])],
            rebuilt, t => [rebuilt.forward(t[0], t[1])], log, "stargan export");
        Assert.True(d <= Parity.Tolerance, $"max |Δ| {d}");
    }

    [Fact]
    public void Stargan_export_from_a_checkpoint_renames_the_served_domains_but_keeps_their_count_and_order()
    {
        var dir = Directory.CreateTempSubdirectory("gan-stargan-rename").FullName;
        try
        {
            var o = new GanService.Training.Families.Translation.StarGanOptions
            { Labels = ["fluent-flat", "noto", "openmoji"], CropSize = 16, LoadSize = 16, GConvDim = 4, DConvDim = 4, GRepeat = 1, DRepeat = 2 };
            var checkpoint = Path.Combine(dir, "checkpoint");
            using (var trainer = new GanService.Training.Families.Translation.StarGanTrainer(o))
                GanService.Training.Checkpoints.Checkpoint.Save(checkpoint, "stargan", o,
                    new GanService.Training.Checkpoints.TrainingState(1, 10, 60, 0), trainer.Networks);
            var family = FamilyRegistry.Get("stargan");
            Assert.Equal(["fluent-flat", "noto", "openmoji"], family.BuildExport("s", checkpoint, new Dictionary<string, string>()).Draft.Labels);
            var (renamed, graphs) = family.BuildExport("s", checkpoint, new Dictionary<string, string> { ["labels"] = "fluent, noto, openmoji" });
            Assert.Equal(["fluent", "noto", "openmoji"], renamed.Labels);
            Assert.Equal([-1, 3], graphs[0].Inputs[1].Shape);
            var e = Assert.Throws<ArgumentException>(() => family.BuildExport("s", checkpoint, new Dictionary<string, string> { ["labels"] = "fluent,noto" }));
            Assert.Contains("2 names for the 3 trained domains", e.Message);
            // Other architecture options still come from the checkpoint only.
            Assert.Throws<ArgumentException>(() => family.BuildExport("s", checkpoint, new Dictionary<string, string> { ["gConvDim"] = "8" }));
        }
        finally { Directory.Delete(dir, true); }
    }
}
