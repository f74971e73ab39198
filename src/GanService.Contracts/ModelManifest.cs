using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace GanService.Contracts;

/// <summary>What a model is for. <c>translate</c>: image → image. <c>generate</c>: seed (→ latent) → image.</summary>
public static class ModelTasks
{
    public const string Translate = "translate";
    public const string Generate = "generate";
}

/// <summary>Roles of a model's graphs beyond its main one.</summary>
public static class GraphRoles
{
    /// <summary>image (B, C, H, W) → latent (B, Z): the inverse map of ALI/BiGAN and adversarial autoencoders, served by
    /// POST /encode, /reconstruct and /interpolate with uploaded images.</summary>
    public const string Encoder = "encoder";
}

/// <summary>The role an ONNX graph input or output plays, so the API knows what to feed it.</summary>
public static class TensorRoles
{
    public const string Image = "image";        // (B, C, H, W) float32, normalised per ModelManifest.Image
    public const string Latent = "latent";      // (B, Z) float32, from SeedLatent
    public const string Label = "label";        // (B,) int64 class index
    public const string LabelVector = "label_vector"; // (B, K) float32 one-hot / multi-hot (StarGAN target domain)
    public const string Psi = "psi";            // (1,) float32 truncation
    public const string Ws = "ws";              // (B, num_ws, w_dim) float32 (StyleGAN synthesis input)
    public const string W = "w";                // (B, w_dim) float32 (StyleGAN mapping output)
    public const string Noise = "noise";        // float32 noise map (StyleGAN random noise mode)
    public const string Tokens = "tokens";      // (B, L) int64 word ids of ModelManifest.Text, 0-padded (text-to-image)
    public const string TokenLengths = "token_lengths"; // (B,) int64 count of real ids in each row of tokens
    public const string Code = "code";          // (B,) int64 categorical latent code (InfoGAN); a control (see ControlSpec)
    public const string CodeContinuous = "code_continuous"; // (B, 1) float32 continuous latent code; a control with a range
}

/// <summary>
/// A graph input the caller sets by a query value: <c>GET /generate?…&amp;code=3&amp;c1=-1.5</c>. Declared on the input's
/// <see cref="TensorSpec"/>, so one mechanism serves every control a model has: a categorical code (<see cref="Count"/>
/// values 0 … Count−1), a continuous code (<see cref="Min"/> … <see cref="Max"/>), and later kinds (a text or token
/// input would declare its own role and limits here). The API validates a value against this declaration (400 outside
/// it) and feeds <see cref="Default"/> when the query leaves it out.
/// </summary>
/// <param name="Query">The query parameter's name (lower case; unique within the model; not an existing parameter).</param>
/// <param name="Count">Categorical: the number of values.</param>
/// <param name="Min">Continuous: the smallest accepted value.</param>
/// <param name="Max">Continuous: the largest accepted value.</param>
/// <param name="Default">The value fed when the query has none.</param>
/// <param name="Description">What the control does, for Swagger, /models and the web page.</param>
public sealed record ControlSpec(string Query, int? Count = null, float? Min = null, float? Max = null, float Default = 0, string? Description = null)
{
    /// <summary>Query names the endpoints already use; a control may not take one.</summary>
    public static readonly string[] Reserved = ["model", "seed", "psi", "label", "class", "count", "mix_seed", "mix_cutoff", "noise", "format", "from", "to", "steps", "text", "trunc"];
    public const string QueryPattern = "^[a-z][a-z0-9_]{0,31}$";
    private static readonly System.Text.RegularExpressions.Regex QueryRegex = new(QueryPattern, System.Text.RegularExpressions.RegexOptions.CultureInvariant);

    /// <summary>Why <paramref name="value"/> is not accepted (null if it is).</summary>
    public string? Problem(double value)
    {
        if (!double.IsFinite(value)) return $"{Query} must be a finite number";
        if (Count is { } k)
            return value != Math.Floor(value) || value < 0 || value >= k ? $"{Query} must be an integer in 0…{k - 1}, got {value.ToString(System.Globalization.CultureInfo.InvariantCulture)}" : null;
        return value < Min || value > Max
            ? $"{Query} must be in [{Min?.ToString(System.Globalization.CultureInfo.InvariantCulture)}, {Max?.ToString(System.Globalization.CultureInfo.InvariantCulture)}], got {value.ToString(System.Globalization.CultureInfo.InvariantCulture)}"
            : null;
    }

    /// <summary>Problems with the declaration itself on a tensor of <paramref name="role"/>.</summary>
    public IEnumerable<string> Validate(TensorSpec t)
    {
        if (Query is null || !QueryRegex.IsMatch(Query)) yield return $"tensor '{t.Name}': control query '{Query}' must match {QueryPattern}";
        else if (Reserved.Contains(Query)) yield return $"tensor '{t.Name}': control query '{Query}' is an existing query parameter";
        if (t.Role == TensorRoles.Code)
        {
            if (Count is not >= 2) yield return $"tensor '{t.Name}': a categorical code needs count ≥ 2";
            if (t.DataType != "int64" || t.Shape is not [-1]) yield return $"tensor '{t.Name}': a categorical code is (B,) int64";
            if (Count is { } k && (Default < 0 || Default >= k || Default != MathF.Floor(Default))) yield return $"tensor '{t.Name}': default {Default} is not a value of the code";
        }
        else if (t.Role == TensorRoles.CodeContinuous)
        {
            if (Min is not { } lo || Max is not { } hi || !(hi > lo)) yield return $"tensor '{t.Name}': a continuous code needs min < max";
            else if (Default < lo || Default > hi) yield return $"tensor '{t.Name}': default {Default} is outside [{lo}, {hi}]";
            if (t.DataType != "float32" || t.Shape is not [-1, 1]) yield return $"tensor '{t.Name}': a continuous code is (B, 1) float32";
        }
        else yield return $"tensor '{t.Name}': role '{t.Role}' takes no control";
    }
}

/// <summary>One named tensor of a graph. Shape uses -1 for the dynamic batch dimension.</summary>
public sealed record TensorSpec(
    string Name,
    long[] Shape,
    string DataType = "float32",
    string Role = TensorRoles.Image,
    ControlSpec? Control = null);

/// <summary>One ONNX file of a model and the hash that authenticates it.</summary>
public sealed record GraphSpec(
    string Role,              // "model" for single-graph models; "mapping" / "synthesis" for StyleGAN
    string File,              // file name relative to the model folder (no directories)
    string Sha256,
    TensorSpec[] Inputs,
    TensorSpec[] Outputs);

/// <summary>Pixel layout and value range of image tensors. All shipped models: NCHW, RGB or grey, [-1, 1].</summary>
/// <param name="Height">The size the model was trained at (and, without <paramref name="SizeMultiple"/>, the only size it takes).</param>
/// <param name="SizeMultiple">Set for fully convolutional translators exported with free height and width: the graph takes
/// any height and width that are multiples of this (the network's total stride: 4 for a ResNet generator with two
/// downsamplings, 2^depth for a U-Net), so an image is served at its own size. Null: Height × Width only.</param>
/// <param name="TileMargin">Set only where every output pixel depends on a bounded input window and nothing global
/// (no instance norm, no attention): the receptive-field margin, in input pixels, that makes a tile's inner region equal
/// to the untiled result, so an image larger than the service's native-size limit can be run tile by tile. Null: whole
/// images only (instance norm's statistics would differ per tile).</param>
/// <param name="OutputScale">Upscalers: output height and width are this many times the input's (1 for translators);
/// Height × Width is then the input size it was trained at.</param>
public sealed record ImageSpec(int Channels, int Height, int Width, float RangeMin = -1f, float RangeMax = 1f, string Layout = "NCHW",
    int? SizeMultiple = null, int? TileMargin = null, int? OutputScale = null)
{
    /// <summary>Whether the graph takes images of other sizes than Height × Width.</summary>
    [JsonIgnore] public bool AnySize => SizeMultiple is not null;

    /// <summary>Output size for an input of this size.</summary>
    [JsonIgnore] public int Scale => OutputScale ?? 1;
}

/// <summary>
/// Where an imported model's weights came from (`gan import` / `gan package`): the source file's name (never a path),
/// its SHA-256, the checkpoint layout (junyanz, yunjey, rosinality, nvlabs, onnx) and the container (zip, legacy,
/// pickle, onnx), and the architecture settings inferred from the weights, so a served model can be traced to its file.
/// </summary>
public sealed record SourceInfo(string File, string Sha256, string Format, string Container, string? Inferred = null);

public sealed record LatentSpec(int Size, string Distribution = "normal");

public sealed record StyleSpec(int NumWs, int WDim, float DefaultPsi = 0.7f, int NumNoiseInputs = 0);

public sealed record TrainingInfo(
    string Data,              // what it was trained on (dataset + how it was built)
    string DataLicense,
    string? Duration = null,  // e.g. "12 min on 2 CPU cores"
    string? Steps = null,
    string? TrainerVersion = null);

/// <summary>
/// model.json: everything the API needs to serve a model, and nothing it has to guess. The API trusts only this file and
/// the SHA-256 of each ONNX file it names.
/// </summary>
public sealed record ModelManifest
{
    public const int CurrentSchemaVersion = 1;

    public int SchemaVersion { get; init; } = CurrentSchemaVersion;
    public required string Name { get; init; }
    public required string Family { get; init; }           // pix2pix, cyclegan, stargan, dcgan, cgan, gan, stylegan2, …
    public required string Task { get; init; }             // ModelTasks
    public required GraphSpec[] Graphs { get; init; }
    public required ImageSpec Image { get; init; }         // the image the model produces (and, for translate, takes)
    public LatentSpec? Latent { get; init; }
    public string[] Labels { get; init; } = [];            // class names (cGAN) or domain names (StarGAN)
    public StyleSpec? Style { get; init; }
    /// <summary>Text-conditioned models (StackGAN): the vocabulary and token length their token input takes.</summary>
    public TextSpec? Text { get; init; }
    public string License { get; init; } = "unspecified";
    /// <summary>Other names the API also serves this model under (unique across the repository).</summary>
    public string[]? Aliases { get; init; }
    /// <summary>Set for models imported from a foreign file (a PyTorch checkpoint or an ONNX export).</summary>
    public SourceInfo? Source { get; init; }
    public TrainingInfo? Training { get; init; }
    public string? Description { get; init; }

    [JsonIgnore] public GraphSpec MainGraph => MainGraphOf(Graphs);
    /// <summary>The graph that makes the image: the only one, else the one with role synthesis or model.</summary>
    public static GraphSpec MainGraphOf(IReadOnlyList<GraphSpec> graphs) => graphs.Count == 1 ? graphs[0] : graphs.First(g => g.Role is "synthesis" or "model");
    /// <summary>Every control the model declares, across its graphs (see <see cref="ControlSpec"/>).</summary>
    [JsonIgnore]
    public IEnumerable<(TensorSpec Input, ControlSpec Control)> Controls =>
        (Graphs ?? []).SelectMany(g => g.Inputs ?? []).Where(t => t.Control is not null).Select(t => (t, t.Control!));
    public GraphSpec? Graph(string role) => Graphs.FirstOrDefault(g => g.Role == role);

    public static readonly JsonSerializerOptions JsonOptions = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
    };

    public string ToJson() => JsonSerializer.Serialize(this, JsonOptions);

    /// <summary>Parses and validates; every problem is reported in one <see cref="ManifestException"/>.</summary>
    public static ModelManifest Parse(string json, string source = "model.json")
    {
        ModelManifest? m;
        try { m = JsonSerializer.Deserialize<ModelManifest>(json, JsonOptions); }
        catch (JsonException e) { throw new ManifestException(source, [$"not valid manifest JSON: {e.Message}"]); }
        if (m is null) throw new ManifestException(source, ["empty manifest"]);
        var errors = m.Validate();
        if (errors.Count > 0) throw new ManifestException(source, errors);
        return m;
    }

    public static ModelManifest Load(string path) => Parse(File.ReadAllText(path), path);

    public IReadOnlyList<string> Validate()
    {
        var e = new List<string>();
        if (SchemaVersion != CurrentSchemaVersion) e.Add($"schemaVersion {SchemaVersion} is not supported (expected {CurrentSchemaVersion})");
        if (!ModelName.IsValid(Name)) e.Add($"name '{Name}' must match {ModelName.Pattern}");
        if (string.IsNullOrWhiteSpace(Family)) e.Add("family is required");
        if (Task is not (ModelTasks.Translate or ModelTasks.Generate)) e.Add($"task '{Task}' must be 'translate' or 'generate'");
        if (Graphs is null || Graphs.Length == 0) e.Add("graphs: at least one ONNX graph is required");
        else
        {
            foreach (var g in Graphs)
            {
                if (g.File is null || g.File.Length == 0 || g.File != Path.GetFileName(g.File) || g.File.StartsWith('.'))
                    e.Add($"graph '{g.Role}': file '{g.File}' must be a plain file name inside the model folder");
                if (g.Sha256 is null || g.Sha256.Length != 64 || !g.Sha256.All(Uri.IsHexDigit))
                    e.Add($"graph '{g.Role}': sha256 must be 64 hex digits");
                if (g.Inputs is null || g.Inputs.Length == 0) e.Add($"graph '{g.Role}': no inputs");
                if (g.Outputs is null || g.Outputs.Length == 0) e.Add($"graph '{g.Role}': no outputs");
                foreach (var t in (g.Inputs ?? []).Concat(g.Outputs ?? []))
                {
                    if (string.IsNullOrWhiteSpace(t.Name)) e.Add($"graph '{g.Role}': a tensor has no name");
                    if (t.Shape is null || t.Shape.Length == 0 || t.Shape.Any(d => d < -1 || d == 0))
                        e.Add($"graph '{g.Role}': tensor '{t.Name}' has an invalid shape");
                    if (t.DataType is not ("float32" or "int64")) e.Add($"graph '{g.Role}': tensor '{t.Name}' data type '{t.DataType}' is not float32 or int64");
                }
            }
        }
        if (Image is null) e.Add("image: required");
        else
        {
            if (Image.Channels is not (1 or 3)) e.Add($"image.channels {Image.Channels} must be 1 or 3");
            if (Image.Height is < 1 or > 4096 || Image.Width is < 1 or > 4096) e.Add("image: height and width must be 1…4096");
            if (!(Image.RangeMax > Image.RangeMin)) e.Add("image: rangeMax must exceed rangeMin");
            if (Image.Layout != "NCHW") e.Add($"image.layout '{Image.Layout}' is not supported (NCHW)");
            if (Image.SizeMultiple is { } multiple)
            {
                if (multiple is < 1 or > 4096) e.Add("image.sizeMultiple must be 1…4096");
                else if (Image.Height % multiple != 0 || Image.Width % multiple != 0) e.Add($"image: height and width must be multiples of sizeMultiple {multiple}");
                if (Task != ModelTasks.Translate) e.Add("image.sizeMultiple applies to translate models only");
            }
            if (Image.TileMargin is { } margin && (margin is < 0 or > 1024 || Image.SizeMultiple is null))
                e.Add("image.tileMargin must be 0…1024 and needs sizeMultiple");
            if (Image.OutputScale is { } scale && (scale is < 1 or > 16 || Task != ModelTasks.Translate))
                e.Add("image.outputScale must be 1…16 and applies to translate (upscale) models only");
        }
        if (Task == ModelTasks.Generate && Latent is null) e.Add("latent: a generate model needs a latent size");
        if (Latent is not null && Latent.Size < 1) e.Add("latent.size must be positive");
        if (Graphs is not null)
        {
            var controls = Graphs.SelectMany(g => g.Inputs ?? []).Where(t => t.Control is not null || t.Role is TensorRoles.Code or TensorRoles.CodeContinuous).ToList();
            foreach (var t in controls)
                if (t.Control is null) e.Add($"tensor '{t.Name}': role '{t.Role}' needs a control (query name and range)");
                else e.AddRange(t.Control.Validate(t));
            if (controls.Where(t => t.Control is not null).GroupBy(t => t.Control!.Query).Any(q => q.Count() > 1)) e.Add("control query names must be unique");
        }
        if (Graphs is not null && Graphs.Any(g => g.Inputs?.Any(t => t.Role is TensorRoles.Label or TensorRoles.LabelVector) == true) && Labels.Length == 0)
            e.Add("labels: the model takes a label input but lists no labels");
        if (Labels.Distinct(StringComparer.Ordinal).Count() != Labels.Length) e.Add("labels must be unique");
        bool takesTokens = Graphs is not null && Graphs.Any(g => g.Inputs?.Any(t => t.Role is TensorRoles.Tokens) == true);
        if (takesTokens && Text is null) e.Add("text: the model takes a tokens input but has no vocabulary");
        if (Text is not null) e.AddRange(Text.Validate());
        foreach (var alias in Aliases ?? [])
            if (!ModelName.IsValid(alias)) e.Add($"alias '{alias}' must match {ModelName.Pattern}");
            else if (alias == Name) e.Add($"alias '{alias}' repeats the model's own name");
        if (Aliases is not null && Aliases.Distinct(StringComparer.Ordinal).Count() != Aliases.Length) e.Add("aliases must be unique");
        if (Source is not null && (Source.Sha256 is null || Source.Sha256.Length != 64 || !Source.Sha256.All(Uri.IsHexDigit)))
            e.Add("source.sha256 must be 64 hex digits");
        if (Source is not null && (string.IsNullOrEmpty(Source.File) || Source.File != Path.GetFileName(Source.File)))
            e.Add("source.file must be a file name without directories");
        return e;
    }

    /// <summary>Lower-case hex SHA-256 of a file.</summary>
    public static string Sha256Of(string path)
    {
        using var s = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(s));
    }
}

public sealed class ManifestException(string source, IReadOnlyList<string> errors)
    : Exception($"{source}: {string.Join("; ", errors)}")
{
    public IReadOnlyList<string> Errors { get; } = errors;
}

/// <summary>Model names are identifiers, never paths.</summary>
public static class ModelName
{
    public const string Pattern = "^[a-z0-9][a-z0-9._-]{0,63}$";
    private static readonly System.Text.RegularExpressions.Regex Regex = new(Pattern, System.Text.RegularExpressions.RegexOptions.CultureInvariant);
    public static bool IsValid(string? name) => name is not null && Regex.IsMatch(name) && !name.Contains("..");
}
