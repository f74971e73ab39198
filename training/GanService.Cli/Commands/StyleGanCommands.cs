using System.CommandLine;
using GanService.Contracts;
using Microsoft.ML.OnnxRuntime;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace GanService.Cli.Commands;

/// <summary>Noise for the synthesis graph: baked const buffers, per-seed random maps, or none (zeros).</summary>
public enum StyleNoiseMode { Const, Random, None }

/// <summary>
/// A StyleGAN2 model folder run through ONNX Runtime: mapping (z, ψ → w [, ws]) and synthesis (ws [+ noise] → image).
/// z = SeedLatent.Normal(seed, Z); random noise = SeedLatent.Normal(seed, Σ H·W, stream Noise) cut into the layers'
/// maps in input order, so every output is a pure function of (model, seeds, ψ, mode).
/// </summary>
public sealed class StyleGanOnnxModel : IDisposable
{
    public ModelManifest Manifest { get; }
    private readonly InferenceSession _mapping, _synthesis;
    private readonly InferenceSession? _synthesisNoise;
    private readonly GraphSpec _mappingSpec, _synthesisSpec;
    private readonly GraphSpec? _noiseSpec;
    public int NumWs => Manifest.Style!.NumWs;
    public int WDim => Manifest.Style!.WDim;

    public StyleGanOnnxModel(string directory)
    {
        Manifest = ModelManifest.Load(Path.Combine(directory, "model.json"));
        if (Manifest.Style is null || Manifest.Graph("mapping") is null)
            throw new InvalidDataException($"{directory}: not a StyleGAN model (no style spec / mapping graph)");
        _mappingSpec = Manifest.Graph("mapping")!;
        _synthesisSpec = Manifest.Graph("synthesis")!;
        _noiseSpec = Manifest.Graph("synthesis_noise");
        var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL };
        _mapping = Open(directory, _mappingSpec, options);
        _synthesis = Open(directory, _synthesisSpec, options);
        if (_noiseSpec is not null) _synthesisNoise = Open(directory, _noiseSpec, options);
    }

    private static InferenceSession Open(string directory, GraphSpec spec, SessionOptions options)
    {
        var path = Path.Combine(directory, spec.File);
        if (ModelManifest.Sha256Of(path) != spec.Sha256) throw new InvalidDataException($"{path}: SHA-256 does not match model.json");
        return new InferenceSession(path, options);
    }

    /// <summary>Seeds → ws (B, num_ws, W) row-major, truncated by ψ (only rows below the cutoff if the graph has one).</summary>
    public float[] Ws(IReadOnlyList<uint> seeds, float psi)
    {
        int z = Manifest.Latent!.Size, b = seeds.Count;
        using var zv = OrtValue.CreateTensorValueFromMemory(SeedLatent.Batch(seeds, z), [b, z]);
        using var pv = OrtValue.CreateTensorValueFromMemory(new[] { psi }, [1]);
        var hasWs = _mappingSpec.Outputs.Any(o => o.Role == TensorRoles.Ws);
        var outName = hasWs ? _mappingSpec.Outputs.First(o => o.Role == TensorRoles.Ws).Name : _mappingSpec.Outputs.First(o => o.Role == TensorRoles.W).Name;
        using var ro = new RunOptions();
        using var results = _mapping.Run(ro, [_mappingSpec.Inputs[0].Name, _mappingSpec.Inputs[1].Name], [zv, pv], [outName]);
        var data = results[0].GetTensorDataAsSpan<float>().ToArray();
        if (hasWs) return data;
        var ws = new float[b * NumWs * WDim]; // broadcast w to every layer
        for (int i = 0; i < b; i++)
            for (int l = 0; l < NumWs; l++)
                Array.Copy(data, i * WDim, ws, (i * NumWs + l) * WDim, WDim);
        return ws;
    }

    /// <summary>ws (B, num_ws, W) → images (B, C, H, W). <paramref name="noiseSeeds"/>: one per row for Random.</summary>
    public float[] Synthesize(float[] ws, int batch, StyleNoiseMode mode, IReadOnlyList<uint>? noiseSeeds = null)
    {
        using var wv = OrtValue.CreateTensorValueFromMemory(ws, [batch, NumWs, WDim]);
        using var ro = new RunOptions();
        var outName = _synthesisSpec.Outputs[0].Name;
        if (mode == StyleNoiseMode.Const)
        {
            using var r = _synthesis.Run(ro, [_synthesisSpec.Inputs[0].Name], [wv], [outName]);
            return r[0].GetTensorDataAsSpan<float>().ToArray();
        }
        if (_synthesisNoise is null || _noiseSpec is null) throw new InvalidOperationException("this model has no synthesis_noise graph");
        var noiseInputs = _noiseSpec.Inputs.Where(i => i.Role == TensorRoles.Noise).ToArray();
        int total = noiseInputs.Sum(n => (int)(n.Shape[2] * n.Shape[3]));
        var values = new List<OrtValue> { wv };
        try
        {
            var maps = noiseInputs.Select(n => new float[batch * n.Shape[2] * n.Shape[3]]).ToArray();
            if (mode == StyleNoiseMode.Random)
                for (int i = 0; i < batch; i++)
                {
                    var all = SeedLatent.Normal(noiseSeeds![i], total, SeedLatent.Streams.Noise);
                    int offset = 0;
                    for (int k = 0; k < noiseInputs.Length; k++)
                    {
                        int plane = (int)(noiseInputs[k].Shape[2] * noiseInputs[k].Shape[3]);
                        Array.Copy(all, offset, maps[k], i * plane, plane);
                        offset += plane;
                    }
                }
            for (int k = 0; k < noiseInputs.Length; k++)
                values.Add(OrtValue.CreateTensorValueFromMemory(maps[k], [batch, 1, noiseInputs[k].Shape[2], noiseInputs[k].Shape[3]]));
            var names = new[] { _noiseSpec.Inputs[0].Name }.Concat(noiseInputs.Select(n => n.Name)).ToArray();
            using var r = _synthesisNoise.Run(ro, names, values, [_noiseSpec.Outputs[0].Name]);
            return r[0].GetTensorDataAsSpan<float>().ToArray();
        }
        finally
        {
            foreach (var v in values.Skip(1)) v.Dispose();
        }
    }

    /// <summary>(B, C, H, W) floats → one RGB image per row.</summary>
    public List<Image<Rgb24>> ToImages(float[] images, int batch)
    {
        var spec = Manifest.Image;
        int plane = spec.Channels * spec.Height * spec.Width;
        return Enumerable.Range(0, batch).Select(i => ImageCodec.FromTensor(images.AsSpan(i * plane, plane), spec)).ToList();
    }

    public List<Image<Rgb24>> Generate(IReadOnlyList<uint> seeds, float psi, StyleNoiseMode mode) =>
        ToImages(Synthesize(Ws(seeds, psi), seeds.Count, mode, seeds), seeds.Count);

    /// <summary>NVlabs style-mixing figure: top row = column seeds, left column = row seeds, cell = row's ws with the
    /// layers in <paramref name="styles"/> taken from the column's ws. Returns a (rows+1)×(cols+1) grid, corner blank.</summary>
    public Image<Rgb24> StyleMixGrid(IReadOnlyList<uint> rows, IReadOnlyList<uint> cols, IReadOnlyList<int> styles, float psi, StyleNoiseMode mode)
    {
        if (styles.Any(s => s < 0 || s >= NumWs)) throw new ArgumentException($"styles must be in 0…{NumWs - 1}");
        var all = rows.Concat(cols).Distinct().ToArray();
        var ws = Ws(all, psi);
        int stride = NumWs * WDim;
        float[] Row(uint seed) => ws.AsSpan(Array.IndexOf(all, seed) * stride, stride).ToArray();
        var tiles = new List<Image<Rgb24>>();
        var spec = Manifest.Image;
        tiles.Add(new Image<Rgb24>(spec.Width, spec.Height, new Rgb24(255, 255, 255)));
        tiles.AddRange(ToImages(Synthesize(cols.SelectMany(Row).ToArray(), cols.Count, mode, cols), cols.Count));
        foreach (var r in rows)
        {
            tiles.Add(ToImages(Synthesize(Row(r), 1, mode, [r]), 1)[0]);
            var batch = new float[cols.Count * stride];
            var noiseSeeds = new List<uint>();
            for (int c = 0; c < cols.Count; c++)
            {
                var mixed = Row(r);
                var colWs = Row(cols[c]);
                foreach (var s in styles) Array.Copy(colWs, s * WDim, mixed, s * WDim, WDim);
                mixed.CopyTo(batch, c * stride);
                noiseSeeds.Add(r);
            }
            tiles.AddRange(ToImages(Synthesize(batch, cols.Count, mode, noiseSeeds), cols.Count));
        }
        try { return ImageCodec.Grid(tiles, cols.Count + 1); }
        finally { foreach (var t in tiles) t.Dispose(); }
    }

    /// <summary>Linear interpolation in W between two seeds (steps ≥ 2 images, both ends included).</summary>
    public List<Image<Rgb24>> Interpolate(uint from, uint to, int steps, float psi, StyleNoiseMode mode)
    {
        var ws = Ws([from, to], psi);
        int stride = NumWs * WDim;
        var batch = new float[steps * stride];
        for (int s = 0; s < steps; s++)
        {
            float t = steps == 1 ? 0 : s / (float)(steps - 1);
            for (int j = 0; j < stride; j++) batch[s * stride + j] = ws[j] + t * (ws[stride + j] - ws[j]);
        }
        return ToImages(Synthesize(batch, steps, mode, Enumerable.Repeat(from, steps).ToArray()), steps);
    }

    public void Dispose()
    {
        _mapping.Dispose(); _synthesis.Dispose(); _synthesisNoise?.Dispose();
    }
}

/// <summary>`gan generate` (StyleGAN path), `gan style-mix`, `gan interpolate`.</summary>
public static class StyleGanCommands
{
    /// <summary>Model folder: a path, or a name under --models.</summary>
    public static string ResolveModel(string model, string models) =>
        Directory.Exists(model) ? model : Path.Combine(models, model);

    public static bool IsStyleGan(string directory)
    {
        var path = Path.Combine(directory, "model.json");
        return File.Exists(path) && ModelManifest.Load(path).Graph("mapping") is not null;
    }

    /// <summary>The StyleGAN-aware generate: PNG bytes of the seed grid (deterministic for the same arguments).</summary>
    public static byte[] GenerateGrid(string directory, IReadOnlyList<uint> seeds, float psi, StyleNoiseMode mode, int? columns = null)
    {
        using var model = new StyleGanOnnxModel(directory);
        var images = model.Generate(seeds, psi, mode);
        try
        {
            using var grid = ImageCodec.Grid(images, columns ?? (int)Math.Ceiling(Math.Sqrt(seeds.Count)));
            return ImageCodec.Encode(grid);
        }
        finally { foreach (var i in images) i.Dispose(); }
    }

    private static Option<string> ModelOption() => new("--model") { Description = "model folder or name under --models", Required = true };
    private static Option<string> ModelsOption() => new("--models") { Description = "model repository", DefaultValueFactory = _ => "models" };
    private static Option<float?> TruncOption() => new("--trunc") { Description = "truncation ψ (default: the manifest's)" };
    private static Option<StyleNoiseMode> NoiseOption() => new("--noise-mode") { Description = "const | random | none", DefaultValueFactory = _ => StyleNoiseMode.Const };

    public static Command StyleMix()
    {
        var model = ModelOption(); var models = ModelsOption(); var trunc = TruncOption(); var noise = NoiseOption();
        var rows = new Option<string>("--rows") { Description = "row seeds (give the coarse/base image)", Required = true };
        var cols = new Option<string>("--cols") { Description = "column seeds (give the layers in --styles)", Required = true };
        var styles = new Option<string>("--styles") { Description = "ws rows taken from the column seed, e.g. 0-3 (coarse)", DefaultValueFactory = _ => "0-3" };
        var output = new Option<string>("--out") { DefaultValueFactory = _ => "style-mix.png" };
        var cmd = new Command("style-mix", "style-mixing grid: rows × columns, chosen layers from the column seed") { model, models, rows, cols, styles, trunc, noise, output };
        cmd.SetAction(parse =>
        {
            var dir = ResolveModel(parse.GetValue(model)!, parse.GetValue(models)!);
            using var m = new StyleGanOnnxModel(dir);
            var styleRows = SeedLatent.ParseSeeds(parse.GetValue(styles)!).Select(s => (int)s).ToArray();
            using var grid = m.StyleMixGrid(SeedLatent.ParseSeeds(parse.GetValue(rows)!), SeedLatent.ParseSeeds(parse.GetValue(cols)!), styleRows,
                parse.GetValue(trunc) ?? m.Manifest.Style!.DefaultPsi, parse.GetValue(noise));
            File.WriteAllBytes(parse.GetValue(output)!, ImageCodec.Encode(grid));
            Console.WriteLine($"wrote {parse.GetValue(output)}");
            return 0;
        });
        return cmd;
    }

    /// <summary>`gan trunc-sweep`: one row per seed, one column per ψ (e.g. 1.0 → 0.5), to see truncation work.</summary>
    public static Command TruncationSweep()
    {
        var model = ModelOption(); var models = ModelsOption(); var noise = NoiseOption();
        var seeds = new Option<string>("--seeds") { DefaultValueFactory = _ => "0-7" };
        var psis = new Option<string>("--psi") { Description = "comma-separated ψ values", DefaultValueFactory = _ => "1,0.9,0.8,0.7,0.6,0.5" };
        var output = new Option<string>("--out") { DefaultValueFactory = _ => "trunc-sweep.png" };
        var cmd = new Command("trunc-sweep", "grid of seeds (rows) × truncation ψ (columns)") { model, models, seeds, psis, noise, output };
        cmd.SetAction(parse =>
        {
            var dir = ResolveModel(parse.GetValue(model)!, parse.GetValue(models)!);
            using var m = new StyleGanOnnxModel(dir);
            var list = SeedLatent.ParseSeeds(parse.GetValue(seeds)!);
            var values = parse.GetValue(psis)!.Split(',').Select(v => float.Parse(v, System.Globalization.CultureInfo.InvariantCulture)).ToArray();
            var perPsi = values.Select(psi => m.Generate(list, psi, parse.GetValue(noise))).ToArray();
            var tiles = list.SelectMany((_, r) => perPsi.Select(col => col[r])).ToList();
            try
            {
                using var grid = ImageCodec.Grid(tiles, values.Length);
                File.WriteAllBytes(parse.GetValue(output)!, ImageCodec.Encode(grid));
            }
            finally { foreach (var t in tiles) t.Dispose(); }
            Console.WriteLine($"wrote {parse.GetValue(output)}");
            return 0;
        });
        return cmd;
    }

    public static Command Interpolate()
    {
        var model = ModelOption(); var models = ModelsOption(); var trunc = TruncOption(); var noise = NoiseOption();
        var from = new Option<uint>("--from") { Required = true };
        var to = new Option<uint>("--to") { Required = true };
        var steps = new Option<int>("--steps") { DefaultValueFactory = _ => 8 };
        var output = new Option<string>("--out") { DefaultValueFactory = _ => "interpolate.png" };
        var cmd = new Command("interpolate", "images along the straight line in W between two seeds") { model, models, from, to, steps, trunc, noise, output };
        cmd.SetAction(parse =>
        {
            int n = parse.GetValue(steps);
            if (n < 2 || n > 256) { Console.Error.WriteLine("error: --steps must be 2…256"); return 2; }
            var dir = ResolveModel(parse.GetValue(model)!, parse.GetValue(models)!);
            using var m = new StyleGanOnnxModel(dir);
            var images = m.Interpolate(parse.GetValue(from), parse.GetValue(to), n, parse.GetValue(trunc) ?? m.Manifest.Style!.DefaultPsi, parse.GetValue(noise));
            try
            {
                using var grid = ImageCodec.Grid(images, n);
                File.WriteAllBytes(parse.GetValue(output)!, ImageCodec.Encode(grid));
            }
            finally { foreach (var i in images) i.Dispose(); }
            Console.WriteLine($"wrote {parse.GetValue(output)}");
            return 0;
        });
        return cmd;
    }
}
