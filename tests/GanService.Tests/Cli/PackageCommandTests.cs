using GanService.Cli.Commands;
using GanService.Contracts;
using GanService.Training.Export;
using GanService.Training.Layers;
using GanService.Training.Onnx;
using static GanService.Tests.Import.ImportTestData;

namespace GanService.Tests.Cli;

/// <summary>`gan package --onnx`: a foreign ONNX file gets a manifest from its own interface, asking only for what the
/// graph leaves open.</summary>
public class PackageCommandTests
{
    private static (int Exit, string Out, string Err) Gan(params string[] args) => CommandRunner.Run(PackageCommand.Create(), args);

    private static string Pix2PixOnnx(string dir, bool dynamicSpatial)
    {
        torch.manual_seed(3);
        var (_, graphs) = FamilyRegistry.Get("pix2pix").BuildExport("x", null,
            new Dictionary<string, string> { ["netG"] = "unet_32", ["cropSize"] = "32", ["ngf"] = "2" });
        var model = graphs[0].Model;
        foreach (var io in model.Graph.Input.Concat(model.Graph.Output))
        {   // dynamic: what torch.onnx.export(dynamic_axes={"image": {2: "h", 3: "w"}}) declares; fixed: what it declares
            // without them (our own export leaves height and width free)
            io.Type.TensorType.Shape.Dim[2] = dynamicSpatial ? new global::Onnx.TensorShapeProto.Types.Dimension { DimParam = "h" } : new global::Onnx.TensorShapeProto.Types.Dimension { DimValue = 32 };
            io.Type.TensorType.Shape.Dim[3] = dynamicSpatial ? new global::Onnx.TensorShapeProto.Types.Dimension { DimParam = "w" } : new global::Onnx.TensorShapeProto.Types.Dimension { DimValue = 32 };
        }
        string path = Path.Combine(dir, dynamicSpatial ? "dynamic.onnx" : "fixed.onnx");
        OnnxExporter.Save(model, path);
        return path;
    }

    [Fact]
    public void Fixed_size_translate_graph_is_packaged_with_inferred_shape_and_range_and_served_unchanged()
    {
        using var tmp = new TempDir();
        string onnx = Pix2PixOnnx(tmp.Path, dynamicSpatial: false);
        var (exit, output, error) = Gan("--onnx", onnx, "--name", "p2p", "--task", "translate", "--models", tmp.Path);
        Assert.True(exit == 0, error);
        Assert.Contains("size 32×32 (fixed in the graph)", output);
        Assert.Contains("range [-1, 1] (the output is a Tanh)", output);
        var m = ModelManifest.Load(Path.Combine(tmp.Path, "p2p", "model.json"));
        Assert.Equal(new ImageSpec(3, 32, 32, -1, 1), m.Image);
        Assert.Equal(ModelManifest.Sha256Of(onnx), m.Graphs[0].Sha256); // the file is copied byte for byte
        Assert.Equal(File.ReadAllBytes(onnx), File.ReadAllBytes(Path.Combine(tmp.Path, "p2p", "model.onnx")));
        Assert.Equal(("fixed.onnx", "onnx"), (m.Source!.File, m.Source.Format));
        Assert.Equal([TensorRoles.Image], m.Graphs[0].Inputs.Select(i => i.Role));
        using var model = ModelArguments.Open(Path.Combine(tmp.Path, "p2p"));
        using var png = new MemoryStream();
        using (var img = new SixLabors.ImageSharp.Image<SixLabors.ImageSharp.PixelFormats.Rgb24>(40, 40)) SixLabors.ImageSharp.ImageExtensions.SaveAsPng(img, png);
        Assert.NotEmpty(TranslateCommand.Translate(model, png.ToArray(), null, ResizePolicy.Crop));
    }

    [Fact]
    public void Dynamic_spatial_dims_need_size_and_then_serve_that_size()
    {
        using var tmp = new TempDir();
        string onnx = Pix2PixOnnx(tmp.Path, dynamicSpatial: true);
        var refused = Gan("--onnx", onnx, "--name", "dyn", "--task", "translate", "--models", tmp.Path);
        Assert.Equal(2, refused.Exit);
        Assert.Contains("dynamic: pass --size N", refused.Err);
        Assert.False(Directory.Exists(Path.Combine(tmp.Path, "dyn")));

        var (exit, output, error) = Gan("--onnx", onnx, "--name", "dyn", "--task", "translate", "--size", "64", "--models", tmp.Path);
        Assert.True(exit == 0, error);
        Assert.Contains("size 64×64 (--size", output);
        var m = ModelManifest.Load(Path.Combine(tmp.Path, "dyn", "model.json"));
        Assert.Equal(64, m.Image.Height);
        Assert.Equal([-1L, 3, 64, 64], m.Graphs[0].Inputs[0].Shape);
    }

    [Fact]
    public void Conditional_generator_needs_its_class_names_and_infers_the_latent_size()
    {
        using var tmp = new TempDir();
        torch.manual_seed(1);
        var (_, graphs) = FamilyRegistry.Get("cgan").BuildExport("c", null, new Dictionary<string, string> { ["numClasses"] = "3", ["ngf"] = "4", ["nz"] = "12" });
        string onnx = Path.Combine(tmp.Path, "cgan.onnx");
        OnnxExporter.Save(graphs[0].Model, onnx);
        var refused = Gan("--onnx", onnx, "--name", "c", "--task", "generate", "--models", tmp.Path);
        Assert.Equal(2, refused.Exit);
        Assert.Contains("--labels", refused.Err);

        var (exit, output, error) = Gan("--onnx", onnx, "--name", "c", "--task", "generate", "--labels", "a,b,c", "--models", tmp.Path);
        Assert.True(exit == 0, error);
        var m = ModelManifest.Load(Path.Combine(tmp.Path, "c", "model.json"));
        Assert.Equal(12, m.Latent!.Size);
        Assert.Equal(["a", "b", "c"], m.Labels);
        Assert.Equal([TensorRoles.Latent, TensorRoles.Label], m.Graphs[0].Inputs.Select(i => i.Role));
        Assert.Contains("latent input: 'z' (B, 12)", output);
    }

    [Fact]
    public void An_output_whose_range_the_graph_does_not_fix_needs_range()
    {
        using var tmp = new TempDir();
        torch.manual_seed(2);
        using var conv = new Seq(new Conv2d(3, 3, 3, padding: 1));
        string onnx = Path.Combine(tmp.Path, "conv.onnx");
        OnnxExporter.Save(OnnxExporter.Export(conv, [new OnnxIo("x", [-1, 3, 16, 16])], [new OnnxIo("y", [-1, 3, 16, 16])]), onnx);
        var refused = Gan("--onnx", onnx, "--name", "conv", "--task", "translate", "--models", tmp.Path);
        Assert.Equal(2, refused.Exit);
        Assert.Contains("pass --range -1,1 or --range 0,1", refused.Err);
        var ok = Gan("--onnx", onnx, "--name", "conv", "--task", "translate", "--range", "0,1", "--models", tmp.Path);
        Assert.True(ok.Exit == 0, ok.Err);
        Assert.Equal(0f, ModelManifest.Load(Path.Combine(tmp.Path, "conv", "model.json")).Image.RangeMin);
    }

    /// <summary>An upscaler exported with dynamic height and width (as ESRGAN's are): the scale comes from the
    /// validation run, --size-multiple makes it served at any size and is checked with a second, non-square run.</summary>
    [Fact]
    public void A_dynamic_upscaler_gets_its_scale_from_a_run_and_serves_any_size_with_size_multiple()
    {
        using var tmp = new TempDir();
        torch.manual_seed(4);
        var (_, graphs) = FamilyRegistry.Get("srgan").BuildExport("sr", null,
            new Dictionary<string, string> { ["nf"] = "4", ["nb"] = "1", ["gc"] = "2" });
        string onnx = Path.Combine(tmp.Path, "sr.onnx");
        OnnxExporter.Save(graphs[0].Model, onnx);

        // Without --size-multiple: one size, the output 4× it.
        var one = Gan("--onnx", onnx, "--name", "sr1", "--task", "translate", "--size", "16", "--range", "0,1", "--models", tmp.Path);
        Assert.True(one.Exit == 0, one.Err);
        Assert.Contains("output scale ×4", one.Out);
        var fixedSize = ModelManifest.Load(Path.Combine(tmp.Path, "sr1", "model.json"));
        Assert.Equal(new ImageSpec(3, 16, 16, 0, 1, SizeMultiple: null, TileMargin: null, OutputScale: 4), fixedSize.Image);
        Assert.Equal([-1L, 3, 64, 64], fixedSize.Graphs[0].Outputs[0].Shape);

        var (exit, output, error) = Gan("--onnx", onnx, "--name", "sr", "--task", "translate", "--size", "16", "--range", "0,1",
            "--size-multiple", "1", "--tile-margin", "8", "--models", tmp.Path);
        Assert.True(exit == 0, error);
        Assert.Contains("any size whose sides are multiples of 1 (--size-multiple; checked with a 17×16 run)", output);
        var m = ModelManifest.Load(Path.Combine(tmp.Path, "sr", "model.json"));
        Assert.Equal(new ImageSpec(3, 16, 16, 0, 1, SizeMultiple: 1, TileMargin: 8, OutputScale: 4), m.Image);
        Assert.Equal([-1L, 3, -1, -1], m.Graphs[0].Inputs[0].Shape);
        using var model = ModelArguments.Open(Path.Combine(tmp.Path, "sr"));
        using var png = new MemoryStream();
        using (var img = new SixLabors.ImageSharp.Image<SixLabors.ImageSharp.PixelFormats.Rgb24>(23, 11)) SixLabors.ImageSharp.ImageExtensions.SaveAsPng(img, png);
        using var result = SixLabors.ImageSharp.Image.Load(TranslateCommand.Translate(model, png.ToArray(), null, ResizePolicy.Crop));
        Assert.Equal((92, 44), (result.Width, result.Height));

        // What cannot be: a size the multiple does not divide, a margin without the multiple, a fixed graph.
        Assert.Contains("must be 1…4096 and divide the size 16×16", Gan("--onnx", onnx, "--name", "x", "--task", "translate", "--size", "16",
            "--range", "0,1", "--size-multiple", "3", "--models", tmp.Path).Err);
        Assert.Contains("--tile-margin needs --size-multiple", Gan("--onnx", onnx, "--name", "x", "--task", "translate", "--size", "16",
            "--range", "0,1", "--tile-margin", "3", "--models", tmp.Path).Err);
        string fixedOnnx = Pix2PixOnnx(tmp.Path, dynamicSpatial: false);
        Assert.Contains("re-export it with dynamic height and width", Gan("--onnx", fixedOnnx, "--name", "x", "--task", "translate",
            "--size-multiple", "4", "--models", tmp.Path).Err);
        Assert.False(Directory.Exists(Path.Combine(tmp.Path, "x")));
    }

    [Fact]
    public void A_file_that_is_not_onnx_gives_one_error_line()
    {
        using var tmp = new TempDir();
        string bogus = Path.Combine(tmp.Path, "model.onnx");
        File.WriteAllText(bogus, "this is not a protobuf");
        var (exit, _, error) = Gan("--onnx", bogus, "--name", "b", "--task", "translate", "--models", tmp.Path);
        Assert.Equal(2, exit);
        Assert.StartsWith("error: 'model.onnx' is not an ONNX model", error);
        Assert.Single(error.TrimEnd().Split('\n'));
    }
}
