using System.CommandLine;
using System.Text.Json;
using GanService.Training.Checkpoints;
using GanService.Training.Data;
using GanService.Training.Families.Gan;
using GanService.Training.Losses;
using GanService.Training.Training;

namespace GanService.Cli.Commands;

/// <summary>`gan train gan|dcgan|cgan …`: validates and resolves options, then hands over to GenerationTrainer.</summary>
public static class TrainGenerationCommands
{
    public static IEnumerable<Command> Create() => new[] { "gan", "dcgan", "cgan" }.Select(Family);

    private static Command Family(string family)
    {
        var data = new Option<string>("--data") { Description = "IDX folder (train-images-idx3-ubyte[.gz]) or an image folder (sub-folders = classes)", DefaultValueFactory = _ => IdxDataset.FashionMnistFolder };
        var output = new Option<string>("--out") { Description = "run folder (checkpoint/, samples/, losses.csv, loss_plot.png)", Required = true };
        var loss = new Option<string>("--loss") { Description = "adversarial loss: " + AdversarialLosses.Help, DefaultValueFactory = _ => "ns" };
        var size = new Option<int>("--size") { Description = "image size (DCGAN: 16/32/64; 28² IDX images are padded to 32)", DefaultValueFactory = _ => 32 };
        var channels = new Option<int>("--channels") { Description = "1 grey or 3 RGB (image folders)", DefaultValueFactory = _ => 1 };
        var epochs = new Option<int>("--epochs") { DefaultValueFactory = _ => 5 };
        var batch = new Option<int>("--batch") { DefaultValueFactory = _ => 64 };
        var maxSteps = new Option<long>("--max-steps") { Description = "stop after this many G steps (0 = all epochs)" };
        var ngf = new Option<int>("--ngf") { DefaultValueFactory = _ => 64 };
        var ndf = new Option<int>("--ndf") { DefaultValueFactory = _ => 64 };
        var nz = new Option<int>("--nz") { DefaultValueFactory = _ => 100 };
        var arch = new Option<string>("--arch") { Description = "mlp | dcgan (cgan body; default: gan → mlp, dcgan/cgan → dcgan)", DefaultValueFactory = _ => "" };
        var conditioning = new Option<string>("--conditioning") { Description = "cgan discriminator: concat | projection", DefaultValueFactory = _ => "concat" };
        var limit = new Option<int>("--limit") { Description = "use only the first N images (0 = all)" };
        var seed = new Option<int>("--seed");
        var set = new Option<string[]>("--set") { Description = "any other option key=value (e.g. pack=2, emaBeta=0.999, realLabel=0.9, spectralNorm=true, r1Gamma=1)", AllowMultipleArgumentsPerToken = true };
        var resume = new Option<bool>("--resume") { Description = "continue from <out>/checkpoint (options are read from it)" };
        var checkpointMinutes = new Option<double>("--checkpoint-minutes") { DefaultValueFactory = _ => 3 };
        var dryRun = new Option<bool>("--dry-run") { Description = "print the resolved options and network sizes, train nothing" };
        var cmd = new Command(family, $"train a {family} generator")
        {
            data, output, loss, size, channels, epochs, batch, maxSteps, ngf, ndf, nz, arch, conditioning, limit, seed, set, resume, checkpointMinutes, dryRun,
        };
        cmd.SetAction(parse =>
        {
            string outDir = parse.GetValue(output)!;
            GenerationOptions o;
            bool isResume = parse.GetValue(resume) && Directory.Exists(Path.Combine(outDir, "checkpoint"));
            // On resume the checkpoint's options rule; --set may still extend the schedule (e.g. maxSteps, epochs).
            if (isResume) o = ApplySets(Checkpoint.ReadOptions<GenerationOptions>(Path.Combine(outDir, "checkpoint")).Options, parse.GetValue(set) ?? []);
            else
            {
                o = new GenerationOptions
                {
                    Family = family, Loss = parse.GetValue(loss)!, Size = parse.GetValue(size), Channels = parse.GetValue(channels),
                    Epochs = parse.GetValue(epochs), Batch = parse.GetValue(batch), MaxSteps = parse.GetValue(maxSteps),
                    Ngf = parse.GetValue(ngf), Ndf = parse.GetValue(ndf), Nz = parse.GetValue(nz), Arch = parse.GetValue(arch)!,
                    Conditioning = parse.GetValue(conditioning)!, Seed = parse.GetValue(seed), Data = parse.GetValue(data)!,
                };
                o = ApplySets(o, parse.GetValue(set) ?? []);
            }
            using var raw = LoadData(o.Data, o.Size, o.Channels, parse.GetValue(limit));
            var dataset = raw.ToSize(o.Size);
            if (family == "cgan" && !isResume)
            {
                if (dataset.Labels is null) { Console.Error.WriteLine("error: cgan needs labels (IDX labels file or class sub-folders)"); return 2; }
                o = o with { NumClasses = dataset.ClassNames.Length, ClassNames = dataset.ClassNames };
            }
            if (o.DataLicense == "" && o.Data.Contains("fashion-mnist", StringComparison.OrdinalIgnoreCase))
                o = o with { DataLicense = "MIT (Fashion-MNIST, Zalando Research; Debian dataset-fashion-mnist)", DataDescription = $"Fashion-MNIST train ({dataset.Count} images, 28² padded to {o.Size}²)" };
            var (g, d, _) = GenerationTrainer.Build(o);
            Console.WriteLine(JsonSerializer.Serialize(o, Checkpoint.Json));
            Console.WriteLine($"data: {dataset.Count} images {dataset.Channels}×{dataset.Height}×{dataset.Width}, classes {dataset.ClassNames.Length}");
            Console.WriteLine($"G {NetworkParameters.Count(g):N0} params, D {NetworkParameters.Count(d):N0} params; n_critic {o.ResolvedNCritic}, lr {o.ResolvedLr}, betas ({o.ResolvedBeta1}, {o.ResolvedBeta2}), D norm {o.ResolvedDNorm}");
            if (parse.GetValue(dryRun)) return 0;
            GenerationTrainer.Train(o, dataset, outDir, isResume, TimeSpan.FromMinutes(parse.GetValue(checkpointMinutes)));
            return 0;
        });
        return cmd;
    }

    public static LabelledImageSet LoadData(string path, int size, int channels, int limit)
    {
        bool idx = Directory.Exists(path) && Directory.GetFiles(path).Any(f => Path.GetFileName(f).Contains("idx3-ubyte", StringComparison.Ordinal));
        return idx ? IdxDataset.LoadFolder(path, limit: limit) : ImageFolderDataset.Load(path, size, channels, limit);
    }

    /// <summary>key=value pairs onto the options record through its JSON form (so every option is settable by name).</summary>
    public static GenerationOptions ApplySets(GenerationOptions o, IEnumerable<string> sets)
    {
        var node = JsonSerializer.SerializeToNode(o, Checkpoint.Json)!.AsObject();
        foreach (var s in sets)
        {
            var kv = s.Split('=', 2);
            if (kv.Length != 2) throw new ArgumentException($"--set '{s}' is not key=value");
            string key = char.ToLowerInvariant(kv[0][0]) + kv[0][1..];
            if (!node.ContainsKey(key)) throw new ArgumentException($"--set: unknown option '{kv[0]}'");
            node[key] = System.Text.Json.Nodes.JsonNode.Parse(kv[1].StartsWith('[') || double.TryParse(kv[1], System.Globalization.CultureInfo.InvariantCulture, out _) || kv[1] is "true" or "false" ? kv[1] : JsonSerializer.Serialize(kv[1]));
        }
        return node.Deserialize<GenerationOptions>(Checkpoint.Json)!;
    }
}
