using System.Security.Cryptography;
using GanService.Contracts;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace GanService.Api.Tests.Fixtures;

/// <summary>
/// Tiny models of every shape the API serves, written with correct SHA-256 manifests into a models folder:
/// <list type="bullet">
/// <item><c>sketch</c>: translate, image (B,3,16,16) → Tanh(Conv 1×1); has card.md and samples.png.</item>
/// <item><c>stargan</c>: translate, image + label_vector (B,2) → Tanh(Conv 1×1 + per-domain bias).</item>
/// <item><c>dcgan</c>: generate, z (B,8) → Gemm → Reshape → Tanh image (B,3,8,8).</item>
/// <item><c>cgan</c>: generate, z + label (B,) int64 (cat, dog, bird) → Gather embedding + z → Gemm → Reshape → Tanh.</item>
/// <item><c>stylegan</c>: mapping z (B,8), psi (1,) → w (B,4); synthesis ws (B,4,4) [+ optional noise (1,1,8,8)] → image (B,3,8,8).</item>
/// </list>
/// </summary>
public static class FixtureModels
{
    public const string Translate = "sketch", StarGan = "stargan", Dcgan = "dcgan", Cgan = "cgan", StyleGan = "stylegan";
    /// <summary>Not in <see cref="All"/>: dcgan without its Tanh, so large latents overflow the output to ±Infinity.</summary>
    public const string Unbounded = "unbounded";
    /// <summary>Not in <see cref="All"/>: dcgan whose Reshape fixes the batch to 1 while its input says any batch, so
    /// batch 1 runs and every larger batch fails inside ONNX Runtime (as a batch too large for GPU memory would).</summary>
    public const string BatchOfOne = "batch-of-one";
    /// <summary>Not in <see cref="All"/>: text-to-image, tokens (B, 3) + token_lengths (B,) + z (B, 8) → image (B, 3, 8, 8),
    /// vocabulary <see cref="TextWords"/>; the image depends on the word ids and the count.</summary>
    public const string Text = "text2img";
    /// <summary>The DCGAN fixture plus an encoder graph (image → z): POST /encode, /reconstruct, /interpolate/{model}.</summary>
    public const string Encoder = "encoder";
    /// <summary>Not in <see cref="All"/>: tanh(3×3 conv) exported for any height and width (multiples of 4), receptive
    /// radius 1, so it declares tile margin 1: served at the image's own size, tile by tile above the native-size limit.</summary>
    public const string AnySize = "anysize";
    /// <summary>Not in <see cref="All"/>: nearest ×2 upsampling then tanh(3×3 conv), any size, output scale 2, tile margin 1.</summary>
    public const string Upscale = "upscale2";
    public static readonly string[] TextWords = ["smiling", "cat", "dog", "red"];
    public static readonly string[] All = [Translate, StarGan, Dcgan, Cgan, StyleGan];
    public const int Z = 8, NumWs = 4, WDim = 4;

    /// <summary>Everything this test run writes lives under one folder, removed when the run ends.</summary>
    public static readonly string RunRoot = CreateRunRoot();

    private static string CreateRunRoot()
    {
        var parent = Path.Combine(Path.GetTempPath(), "gan-api-tests");
        RemoveStaleRuns(parent);
        var root = Path.Combine(parent, $"{Environment.ProcessId}-{Guid.NewGuid():N}"[..20]);
        Directory.CreateDirectory(root);
        AppDomain.CurrentDomain.ProcessExit += (_, _) => { try { Directory.Delete(root, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { } };
        return root;
    }

    /// <summary>The test host is not always given time for ProcessExit: remove folders of runs whose process is gone.</summary>
    private static void RemoveStaleRuns(string parent)
    {
        if (!Directory.Exists(parent)) return;
        foreach (var dir in Directory.EnumerateDirectories(parent))
        {
            if (!int.TryParse(Path.GetFileName(dir).Split('-')[0], out var pid)) continue;
            bool alive;
            try { using var p = System.Diagnostics.Process.GetProcessById(pid); alive = !p.HasExited; }
            catch (ArgumentException) { alive = false; }
            if (!alive) try { Directory.Delete(dir, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }

    public static string NewFolder()
    {
        var dir = Path.Combine(RunRoot, Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(dir);
        return dir;
    }

    public static string CreateFolder(params string[] models)
    {
        var root = NewFolder();
        foreach (var m in models.Length == 0 ? All : models) Write(root, m);
        return root;
    }

    public static void Write(string root, string model)
    {
        var dir = Path.Combine(root, model);
        Directory.CreateDirectory(dir);
        var manifest = model switch
        {
            Translate => TranslateModel(dir, model, withLabels: false),
            StarGan => TranslateModel(dir, model, withLabels: true),
            Dcgan => GenerateModel(dir, model, withLabels: false),
            Unbounded => GenerateModel(dir, model, withLabels: false, bounded: false),
            BatchOfOne => GenerateModel(dir, model, withLabels: false, fixedBatch: true),
            Cgan => GenerateModel(dir, model, withLabels: true),
            StyleGan => StyleModel(dir, model),
            Text => TextModel(dir, model),
            Encoder => EncoderModel(dir, model),
            AnySize => AnySizeModel(dir, model, scale: 1),
            Upscale => AnySizeModel(dir, model, scale: 2),
            _ => throw new ArgumentException(model),
        };
        File.WriteAllText(Path.Combine(dir, "model.json"), manifest.ToJson());
        if (model == Translate)
        {
            File.WriteAllText(Path.Combine(dir, "card.md"), "# sketch\nA 1×1 convolution fixture.");
            using var sample = new Image<Rgb24>(4, 4, new Rgb24(10, 200, 30));
            sample.SaveAsPng(Path.Combine(dir, "samples.png"));
        }
    }

    private static ModelManifest TranslateModel(string dir, string name, bool withLabels)
    {
        var b = new OnnxBuilder(1)
            .Input("image", -1, 3, 16, 16)
            .RandomInitializer("conv_w", 0.8f, 3, 3, 1, 1)
            .RandomInitializer("conv_b", 0.1f, 3)
            .Node("Conv", ["image", "conv_w", "conv_b"], "conv", ("kernel_shape", new long[] { 1, 1 }));
        var inputs = new List<TensorSpec> { new("image", [-1, 3, 16, 16]) };
        if (withLabels)
        {
            b.Input("target", -1, 2)
             .Initializer("domain_bias", [0.9f, -0.9f, 0.3f, -0.5f, 0.5f, 0.2f], 2, 3)
             .InitializerInt64("bias_shape", [-1, 3, 1, 1], 4)
             .Node("MatMul", ["target", "domain_bias"], "bias")
             .Node("Reshape", ["bias", "bias_shape"], "bias4")
             .Node("Add", ["conv", "bias4"], "pre");
            inputs.Add(new TensorSpec("target", [-1, 2], Role: TensorRoles.LabelVector));
        }
        b.Node("Tanh", [withLabels ? "pre" : "conv"], "output").Output("output", -1, 3, 16, 16);
        return Manifest(dir, name, withLabels ? "stargan" : "pix2pix", ModelTasks.Translate,
            [Graph(dir, "model", "model.onnx", b, [.. inputs], [new("output", [-1, 3, 16, 16])])],
            new ImageSpec(3, 16, 16), latent: null, labels: withLabels ? ["summer", "winter"] : []);
    }

    private static ModelManifest AnySizeModel(string dir, string name, int scale)
    {
        var b = new OnnxBuilder(7).Input("image", -1, 3, -1, -1);
        string x = "image";
        if (scale > 1)
        {
            b.Initializer("scales", [1f, 1f, scale, scale], 4)
             .Node("Resize", ["image", "", "scales"], "up", ("mode", "nearest"), ("coordinate_transformation_mode", "asymmetric"), ("nearest_mode", "floor"));
            x = "up";
        }
        b.RandomInitializer("conv_w", 0.4f, 3, 3, 3, 3)
         .RandomInitializer("conv_b", 0.1f, 3)
         .Node("Conv", [x, "conv_w", "conv_b"], "conv", ("kernel_shape", new long[] { 3, 3 }), ("pads", new long[] { 1, 1, 1, 1 }))
         .Node("Tanh", ["conv"], "output").Output("output", -1, 3, -1, -1);
        return Manifest(dir, name, scale > 1 ? "srgan" : "pix2pix", ModelTasks.Translate,
            [Graph(dir, "model", "model.onnx", b, [new("image", [-1, 3, -1, -1])], [new("output", [-1, 3, -1, -1])])],
            new ImageSpec(3, 16, 16, SizeMultiple: 4, TileMargin: 1, OutputScale: scale > 1 ? scale : null), latent: null, labels: []);
    }

    private static ModelManifest GenerateModel(string dir, string name, bool withLabels, bool bounded = true, bool fixedBatch = false)
    {
        var b = new OnnxBuilder(2).Input("z", -1, Z);
        var inputs = new List<TensorSpec> { new("z", [-1, Z], Role: TensorRoles.Latent) };
        var zIn = "z";
        if (withLabels)
        {
            b.InputInt64("label", -1).RandomInitializer("embedding", 2f, 3, Z)
             .Node("Gather", ["embedding", "label"], "emb", ("axis", 0L))
             .Node("Add", ["z", "emb"], "zc");
            inputs.Add(new TensorSpec("label", [-1], "int64", TensorRoles.Label));
            zIn = "zc";
        }
        b.RandomInitializer("fc_w", 0.5f, Z, 3 * 8 * 8).RandomInitializer("fc_b", 0.1f, 3 * 8 * 8)
         .InitializerInt64("img_shape", [fixedBatch ? 1 : -1, 3, 8, 8], 4)
         .Node("Gemm", [zIn, "fc_w", "fc_b"], "fc")
         .Node("Reshape", ["fc", "img_shape"], bounded ? "pre" : "image");
        if (bounded) b.Node("Tanh", ["pre"], "image");
        b.Output("image", -1, 3, 8, 8);
        return Manifest(dir, name, withLabels ? "cgan" : "dcgan", ModelTasks.Generate,
            [Graph(dir, "model", "model.onnx", b, [.. inputs], [new("image", [-1, 3, 8, 8])])],
            new ImageSpec(3, 8, 8), new LatentSpec(Z), withLabels ? ["cat", "dog", "bird"] : []);
    }

    private static ModelManifest EncoderModel(string dir, string name)
    {
        var generator = GenerateModel(dir, name, withLabels: false);
        var e = new OnnxBuilder(6).Input("x", -1, 3, 8, 8)
            .RandomInitializer("enc_w", 0.2f, 3 * 8 * 8, Z).RandomInitializer("enc_b", 0.1f, Z)
            .Node("Flatten", ["x"], "flat", ("axis", 1L))
            .Node("Gemm", ["flat", "enc_w", "enc_b"], "z")
            .Output("z", -1, Z);
        var encoder = Graph(dir, GraphRoles.Encoder, "encoder.onnx", e,
            [new("x", [-1, 3, 8, 8], Role: TensorRoles.Image)], [new("z", [-1, Z], Role: TensorRoles.Latent)]);
        return generator with { Graphs = [.. generator.Graphs, encoder] };
    }

    private static ModelManifest TextModel(string dir, string name)
    {
        // z + [ids as floats, length] · W  →  Gemm → Reshape → Tanh
        var b = new OnnxBuilder(5).InputInt64("tokens", -1, 3).InputInt64("token_lengths", -1).Input("z", -1, Z)
            .InitializerInt64("axes1", [1], 1)
            .RandomInitializer("text_w", 1.5f, 4, Z)
            .RandomInitializer("fc_w", 0.5f, Z, 3 * 8 * 8).RandomInitializer("fc_b", 0.1f, 3 * 8 * 8)
            .InitializerInt64("img_shape", [-1, 3, 8, 8], 4)
            .Node("Cast", ["tokens"], "ids_f", ("to", 1L))
            .Node("Cast", ["token_lengths"], "len_f", ("to", 1L))
            .Node("Unsqueeze", ["len_f", "axes1"], "len_col")
            .Node("Concat", ["ids_f", "len_col"], "text", ("axis", 1L))
            .Node("MatMul", ["text", "text_w"], "text_z")
            .Node("Add", ["z", "text_z"], "zc")
            .Node("Gemm", ["zc", "fc_w", "fc_b"], "fc")
            .Node("Reshape", ["fc", "img_shape"], "pre")
            .Node("Tanh", ["pre"], "image").Output("image", -1, 3, 8, 8);
        TensorSpec[] inputs = [new("tokens", [-1, 3], "int64", TensorRoles.Tokens), new("token_lengths", [-1], "int64", TensorRoles.TokenLengths), new("z", [-1, Z], Role: TensorRoles.Latent)];
        return Manifest(dir, name, "stackgan", ModelTasks.Generate, [Graph(dir, "model", "model.onnx", b, inputs, [new("image", [-1, 3, 8, 8])])],
            new ImageSpec(3, 8, 8), new LatentSpec(Z), []) with
        { Text = new TextSpec(TextWords, 3) };
    }

    private static ModelManifest StyleModel(string dir, string name)
    {
        // mapping: w = w_avg + psi · (z·M − w_avg)   (B, 4)
        var mapping = new OnnxBuilder(3)
            .Input("z", -1, Z).Input("psi", 1)
            .RandomInitializer("map_w", 0.7f, Z, WDim).Initializer("w_avg", [0.1f, -0.2f, 0.3f, 0f], WDim)
            .Node("MatMul", ["z", "map_w"], "w_raw")
            .Node("Sub", ["w_raw", "w_avg"], "w_centered")
            .Node("Mul", ["w_centered", "psi"], "w_scaled")
            .Node("Add", ["w_scaled", "w_avg"], "w").Output("w", -1, WDim);
        // synthesis: image = tanh(reshape(flatten(ws)·S) + noise)   (B, 3, 8, 8)
        var synthesis = new OnnxBuilder(4)
            .Input("ws", -1, NumWs, WDim)
            .OptionalInput("noise0", new float[64], 1, 1, 8, 8)
            .InitializerInt64("flat_shape", [-1, NumWs * WDim], 2)
            .InitializerInt64("img_shape", [-1, 3, 8, 8], 4)
            .RandomInitializer("syn_w", 0.5f, NumWs * WDim, 3 * 8 * 8)
            .Node("Reshape", ["ws", "flat_shape"], "flat")
            .Node("MatMul", ["flat", "syn_w"], "fc")
            .Node("Reshape", ["fc", "img_shape"], "x")
            .Node("Add", ["x", "noise0"], "pre")
            .Node("Tanh", ["pre"], "image").Output("image", -1, 3, 8, 8);
        return Manifest(dir, name, "stylegan2", ModelTasks.Generate,
        [
            Graph(dir, "mapping", "mapping.onnx", mapping,
                [new("z", [-1, Z], Role: TensorRoles.Latent), new("psi", [1], Role: TensorRoles.Psi)], [new("w", [-1, WDim], Role: TensorRoles.W)]),
            Graph(dir, "synthesis", "synthesis.onnx", synthesis,
                [new("ws", [-1, NumWs, WDim], Role: TensorRoles.Ws), new("noise0", [1, 1, 8, 8], Role: TensorRoles.Noise)], [new("image", [-1, 3, 8, 8])]),
        ], new ImageSpec(3, 8, 8), new LatentSpec(Z), [], new StyleSpec(NumWs, WDim, DefaultPsi: 0.7f, NumNoiseInputs: 1));
    }

    private static GraphSpec Graph(string dir, string role, string file, OnnxBuilder builder, TensorSpec[] inputs, TensorSpec[] outputs)
    {
        var bytes = builder.ToBytes();
        File.WriteAllBytes(Path.Combine(dir, file), bytes);
        return new GraphSpec(role, file, Convert.ToHexStringLower(SHA256.HashData(bytes)), inputs, outputs);
    }

    private static ModelManifest Manifest(string dir, string name, string family, string task, GraphSpec[] graphs, ImageSpec image,
        LatentSpec? latent, string[] labels, StyleSpec? style = null) => new()
        {
            Name = name, Family = family, Task = task, Graphs = graphs, Image = image, Latent = latent, Labels = labels, Style = style,
            License = "CC0-1.0", Description = $"{family} test fixture",
        };

    /// <summary>A PNG of the given size filled with a gradient.</summary>
    public static byte[] Png(int width, int height)
    {
        using var image = new Image<Rgb24>(width, height);
        image.ProcessPixelRows(rows =>
        {
            for (int y = 0; y < rows.Height; y++)
            {
                var row = rows.GetRowSpan(y);
                for (int x = 0; x < row.Length; x++) row[x] = new Rgb24((byte)(x * 255 / Math.Max(1, width - 1)), (byte)(y * 255 / Math.Max(1, height - 1)), 128);
            }
        });
        using var ms = new MemoryStream();
        image.SaveAsPng(ms);
        return ms.ToArray();
    }
}
