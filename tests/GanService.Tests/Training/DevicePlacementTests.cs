using System.Reflection;
using System.Text.RegularExpressions;
using GanService.Tests.Repository;
using GanService.Training.Families.StyleGan2;

namespace GanService.Tests.Training;

/// <summary>
/// Device placement, checked without a GPU (docs/platform.md, "CUDA libtorch"): on a GPU, a tensor a step makes on the
/// CPU meets the networks' CUDA tensors and the step fails ("Expected all tensors to be on the same device"). Every
/// tensor factory call in a family that trains on a GPU must say where its tensor goes — a <c>device:</c> argument or a
/// <c>.to(…)</c> in the same statement — or make a module's parameter or buffer (moved with the module). The families
/// that refuse any device but the CPU (<c>RequireCpu</c>) are left out, and that list is pinned too, so a family that
/// starts taking --device cuda comes under the scan.
/// </summary>
public partial class DevicePlacementTests
{
    private static readonly string Training = Path.Combine(RepositoryLayoutTests.Root(), "training", "GanService.Training");

    // Families whose trainer calls RequireCpu: they refuse --device cuda before they start.
    private static readonly string[] CpuOnlyFamilies = ["Encoders", "InfoGan", "StackGan"];

    // Reviewed exceptions: file → the statement's start, and why it is right.
    private static readonly Dictionary<string, string[]> Reviewed = new()
    {
        // The grid's fixed seeds: BigGanTrainer.Samples moves them to G's device (export and the CLI take them on the CPU).
        ["Families/BigGan/BigGanTrainer.cs"] = ["var z = torch.tensor(SeedLatent.Batch(", "var labels = torch.tensor(seeds.Select("],
        // The same for gan / dcgan / cgan: GenerationTrainer.Samples moves them to G's device.
        ["Families/Gan/GenerationTrainer.cs"] = ["var z = torch.tensor(SeedLatent.Batch(", "Tensor? labels = o.Conditional ? torch.tensor(seeds.Select("],
        // BasicSR's init draws on the CPU generator and copy_ writes into the weight wherever it lives (copy_ crosses devices).
        ["Families/SrGan/SrResNet.cs"] = ["conv.weight.copy_(torch.randn(conv.weight.shape, generator: generator)"],
    };

    [GeneratedRegex(@"torch\.(randn|rand|zeros|ones|tensor|arange|full|empty|randint|randperm|normal|linspace|eye)\(")]
    private static partial Regex Factory();

    /// <summary>The statements (from the line's start to the ';') of every unplaced factory call in one source text.</summary>
    public static IReadOnlyList<string> Unplaced(string source)
    {
        var found = new List<string>();
        foreach (Match m in Factory().Matches(source))
        {
            int start = source.LastIndexOf('\n', m.Index) + 1, end = source.IndexOf(';', m.Index);
            var statement = source[start..(end < 0 ? source.Length : end + 1)].Trim();
            // The statement's own line and the next one: where a buffer's register_buffer call stands.
            int lineEnd = end < 0 ? -1 : source.IndexOf('\n', end + 1);
            int next = lineEnd < 0 ? -1 : source.IndexOf('\n', lineEnd + 1);
            var following = end < 0 ? "" : source[(end + 1)..(next < 0 ? source.Length : next)];
            if (statement.StartsWith("//", StringComparison.Ordinal) || statement.Contains("device", StringComparison.OrdinalIgnoreCase) ||
                statement.Contains(".to(", StringComparison.Ordinal) || statement.Contains("Parameter(", StringComparison.Ordinal) ||
                following.Contains("register_buffer(", StringComparison.Ordinal))
                continue;
            found.Add(statement);
        }
        return found.Distinct().ToList();
    }

    [Fact]
    public void The_scan_finds_an_unplaced_tensor_and_passes_placed_ones()
    {
        Assert.Equal(["var z = torch.randn([n, 8], generator: rng);"], Unplaced("""
            var z = torch.randn([n, 8], generator: rng);
            var y = torch.zeros(1, device: Device);
            var p = torch.randperm(n, generator: rng).to(Device);
            weight = new Parameter(torch.randn(4, 4));
            w_avg = torch.zeros(8);
            register_buffer("w_avg", w_avg);
            """));
    }

    [Fact]
    public void Every_tensor_a_gpu_family_makes_is_placed_on_the_runs_device()
    {
        var files = Directory.GetFiles(Path.Combine(Training, "Families"), "*.cs", SearchOption.AllDirectories)
            .Concat(Directory.GetFiles(Path.Combine(Training, "Training"), "*.cs"))
            .Where(f => !CpuOnlyFamilies.Contains(Path.GetFileName(Path.GetDirectoryName(f))));
        var problems = new List<string>();
        foreach (var file in files)
        {
            var relative = Path.GetRelativePath(Training, file).Replace('\\', '/');
            var reviewed = Reviewed.GetValueOrDefault(relative, []);
            problems.AddRange(Unplaced(File.ReadAllText(file))
                .Where(s => !reviewed.Any(r => s.StartsWith(r, StringComparison.Ordinal)))
                .Select(s => $"{relative}: {s}"));
        }
        Assert.True(problems.Count == 0, "tensors made without the run's device:\n" + string.Join("\n", problems));
    }

    [Fact]
    public void No_tensor_is_drawn_from_a_cpu_generator_onto_another_device()
    {
        // new torch.Generator(seed) is a CPU generator; torch.rand(…, device: cuda, generator: it) fails on a GPU
        // ("Expected a 'cuda' device type for generator"). Draw on the CPU and move the tensor instead.
        var folders = new[] { "Families", "Training", "Tricks", "Losses", "Layers" }.Select(f => Path.Combine(Training, f));
        var problems = folders.SelectMany(f => Directory.GetFiles(f, "*.cs", SearchOption.AllDirectories))
            .SelectMany(file => Factory().Matches(File.ReadAllText(file)).Select(m => (file, text: File.ReadAllText(file), m.Index)))
            .Select(x => (x.file, call: Call(x.text, x.Index)))
            .Where(x => x.call.Contains("generator:", StringComparison.Ordinal) && x.call.Contains("device:", StringComparison.Ordinal))
            .Select(x => $"{Path.GetRelativePath(Training, x.file)}: {x.call}").Distinct().ToList();
        Assert.True(problems.Count == 0, "drawn from a generator onto a device:\n" + string.Join("\n", problems));
    }

    /// <summary>The factory call starting at <paramref name="start"/>, to its closing parenthesis.</summary>
    private static string Call(string text, int start)
    {
        int depth = 0, i = text.IndexOf('(', start);
        for (; i < text.Length; i++)
        {
            if (text[i] == '(') depth++;
            else if (text[i] == ')' && --depth == 0) break;
        }
        return text[start..Math.Min(i + 1, text.Length)];
    }

    [Fact]
    public void The_cpu_only_families_are_exactly_those_whose_trainer_refuses_other_devices()
    {
        var refusing = Directory.GetFiles(Path.Combine(Training, "Families"), "*.cs", SearchOption.AllDirectories)
            .Where(f => File.ReadAllText(f).Contains(".RequireCpu(", StringComparison.Ordinal))
            .Select(f => Path.GetFileName(Path.GetDirectoryName(f))!).Distinct().Order().ToArray();
        Assert.Equal(CpuOnlyFamilies, refusing);
    }

    [Fact]
    public void Moving_a_network_moves_the_buffers_its_fields_name()
    {
        // The families read buffers through fields (StyleGAN2's w_avg and noise_const, spectral norm's u and v, the
        // batch norms' running statistics): after module.to(device) each field must be the moved buffer, or a GPU run
        // meets a CPU tensor. libtorch's "meta" device stands in for a GPU: tensors without data, on another device.
        using var scope = torch.NewDisposeScope();
        var moved = BufferFieldsAfterMove(new StyleGan2Generator(new StyleGan2Architecture { Resolution = 8, ZDim = 8, WDim = 8, ChannelBase = 64, ChannelMax = 8 }))
            .Concat(BufferFieldsAfterMove(new GanService.Training.Families.BigGan.BigGanGenerator(new GanService.Training.Families.BigGan.BigGanOptions
            { Size = 16, GCh = 8, DCh = 8, ZDim = 24, SharedDim = 16, NumClasses = 3, AttentionResolution = 8 }))).ToList();
        Assert.Empty(moved.Where(f => f.Device != DeviceType.META).Select(f => $"{f.Field} is on {f.Device} after to(meta)"));
        Assert.Contains(moved, f => f.Field == "mapping.w_avg");
        Assert.Contains(moved, f => f.Field.EndsWith(".noise_const", StringComparison.Ordinal));
        Assert.Contains(moved, f => f.Field.EndsWith(".u", StringComparison.Ordinal));
        Assert.Contains(moved, f => f.Field.EndsWith(".running_mean", StringComparison.Ordinal));
    }

    /// <summary>Every Tensor field of <paramref name="network"/>'s modules that names one of the module's own buffers,
    /// with the device it is on after <c>network.to(meta)</c>.</summary>
    private static IEnumerable<(string Field, DeviceType Device)> BufferFieldsAfterMove(nn.Module network)
    {
        network.to(torch.device("meta"));
        foreach (var (path, module) in network.named_modules().Prepend(("", network)))
        {
            var buffers = module.named_buffers(recurse: false).Select(b => b.name).ToHashSet();
            foreach (var field in module.GetType().GetFields(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance)
                         .Where(f => f.FieldType == typeof(Tensor) && buffers.Contains(f.Name)))
                yield return ($"{(path.Length > 0 ? path + "." : "")}{field.Name}", ((Tensor)field.GetValue(module)!).device_type);
        }
    }
}
