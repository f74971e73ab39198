using System.CommandLine;
using GanService.Contracts;
using GanService.Inference;

namespace GanService.Cli.Commands;

/// <summary>
/// The options and the model opening that every command running an exported model shares (`gan generate`, `translate`,
/// `interpolate`, `style-mix`, `trunc-sweep`, `eval`): the model is the inference library's <see cref="OnnxModel"/>,
/// loaded and checked exactly as the API loads it, and the commands' limits are <see cref="InferenceLimits.Default"/>.
/// </summary>
public static class ModelArguments
{
    public static Option<string> Model() => new("--model") { Description = "model folder, or a model name under --models", Required = true };
    public static Option<string> Models() => new("--models") { Description = "model repository", DefaultValueFactory = _ => "models" };
    public static Option<float?> Trunc() => new("--trunc") { Description = "truncation: StyleGAN ψ (default: the manifest's); z → image models (BigGAN): resample latent values with |v| > t, t in [0.04, 4] (GET /generate trunc)" };

    /// <summary>--trunc is ψ for models that truncate in W (a psi input) and the z threshold of GET /generate's trunc
    /// for the others, so one flag serves both truncation tricks.</summary>
    public static GenerateSettings WithTrunc(OnnxModel m, GenerateSettings settings, float? trunc) =>
        trunc is null ? settings : m.TakesPsi ? settings with { Psi = trunc } : settings with { Trunc = trunc };
    public static Option<NoiseMode> Noise() => new("--noise-mode") { Description = "StyleGAN: const | random | none", DefaultValueFactory = _ => NoiseMode.Const };
    public static Option<string?> Label() => new("--label") { Description = "class name or index for conditional models (default: class 0, as GET /generate)" };

    public static Option<string[]> Controls() => new("--control")
    {
        Description = "a manifest-declared control as name=value (repeatable), e.g. --control code=3 --control c1=-1.5 (GET /generate code=3&c1=-1.5)",
        AllowMultipleArgumentsPerToken = false,
    };

    /// <summary>--control name=value pairs as the settings' control values (null when none); ranges are the library's check.</summary>
    public static IReadOnlyDictionary<string, double>? ControlValues(string[]? pairs)
    {
        if (pairs is null || pairs.Length == 0) return null;
        var values = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var pair in pairs)
        {
            var parts = pair.Split('=', 2);
            if (parts.Length != 2 || parts[0].Length == 0 || !double.TryParse(parts[1], System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var v))
                throw new ArgumentException($"--control '{pair}': expected name=number");
            values[parts[0]] = v;
        }
        return values;
    }

    /// <summary>Model folder: a path, or a name under <paramref name="models"/>.</summary>
    public static string Resolve(string model, string models) =>
        Directory.Exists(model) ? model : Path.Combine(models, model);

    /// <summary>Opens a model folder on CPU, checked against its manifest (hashes, tensors, roles).</summary>
    public static OnnxModel Open(string folder) => OnnxModel.Load(folder, new SessionFactory("cpu"));

    public static OnnxModel Open(ParseResult parse, Option<string> model, Option<string> models) =>
        Open(Resolve(parse.GetValue(model)!, parse.GetValue(models)!));

    /// <summary>--label as a class index (by name or number), null when not given.</summary>
    public static long? LabelIndex(OnnxModel model, string? text)
    {
        if (string.IsNullOrEmpty(text)) return null;
        if (!model.TakesLabel) throw new ArgumentException($"model '{model.Name}' is not conditional; it takes no label");
        return ModelLabels.TryParse(text, model.Manifest.Labels, "--label", out var index, out var error) ? index : throw new ArgumentException(error);
    }

    /// <summary>Runs a command body; what a user can fix (a bad argument, a missing or refused model) is one error line
    /// and exit code 2, not a stack trace.</summary>
    public static int Run(ParseResult parse, Func<TextWriter, int> body)
    {
        try { return body(parse.InvocationConfiguration.Output); }
        catch (Exception e) when (e is ArgumentException or FormatException or InvalidDataException or FileNotFoundException
                                   or DirectoryNotFoundException or ManifestException or ModelLoadException or ImageRejectedException)
        {
            parse.InvocationConfiguration.Error.WriteLine($"error: {e.Message.ReplaceLineEndings(" ")}");
            return 2;
        }
    }

    public static void Write(TextWriter output, string path, byte[] bytes, string what)
    {
        File.WriteAllBytes(path, bytes);
        output.WriteLine($"wrote {path} ({what}, {bytes.Length} bytes)");
    }
}
