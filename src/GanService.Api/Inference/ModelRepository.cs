using System.Collections.Immutable;
using GanService.Contracts;
using GanService.Inference;
using Microsoft.Extensions.Options;

namespace GanService.Api.Inference;

/// <summary>
/// models/&lt;name&gt;/model.json (+ ONNX files, card.md, samples.png). Every folder with a manifest is loaded; one that
/// fails is reported while the others keep serving. The folder is watched (debounced) and rescanned periodically, so
/// adding, replacing or removing a model needs no restart. Requests look models up by name in the loaded set only;
/// no file path is ever built from user input.
/// </summary>
public sealed class ModelRepository : IHostedService, IDisposable
{
    public const string ManifestFile = OnnxModel.ManifestFile;
    private const long MaxCardBytes = 256 * 1024, MaxSampleBytes = 16 * 1024 * 1024, MaxExampleBytes = 256 * 1024;
    private const int MaxExamples = 32;
    public const string ExamplesFolder = "examples";

    private sealed record Snapshot(
        ImmutableSortedDictionary<string, LoadedModel> Loaded,
        ImmutableSortedDictionary<string, ModelFailure> Failed)
    {
        /// <summary>Manifest aliases that resolve (alias → model name), and why the others do not (model → reasons).</summary>
        public ImmutableSortedDictionary<string, string> Aliases { get; init; } = ImmutableSortedDictionary<string, string>.Empty;
        public ImmutableSortedDictionary<string, string> AliasConflicts { get; init; } = ImmutableSortedDictionary<string, string>.Empty;
    }

    private readonly GanOptions _options;
    private readonly SessionFactory _sessions;
    private readonly ILogger<ModelRepository> _logger;
    private readonly SemaphoreSlim _scanLock = new(1, 1);
    private readonly CancellationTokenSource _stopping = new();
    private volatile Snapshot _snapshot = new(ImmutableSortedDictionary<string, LoadedModel>.Empty, ImmutableSortedDictionary<string, ModelFailure>.Empty);
    private FileSystemWatcher? _watcher, _parentWatcher;
    private int _rootReplaced;
    private Timer? _debounce;
    private Task? _periodic;

    public ModelRepository(IOptions<GanOptions> options, IHostEnvironment environment, SessionFactory sessions, ILogger<ModelRepository> logger)
    {
        _options = options.Value;
        _sessions = sessions;
        _logger = logger;
        Root = ResolveRoot(_options.ModelsPath, environment.ContentRootPath);
    }

    /// <summary>The folder being served (absolute).</summary>
    public string Root { get; }

    public DateTimeOffset? LastScan { get; private set; }

    public IReadOnlyCollection<LoadedModel> Loaded => _snapshot.Loaded.Values.ToList();
    public IReadOnlyCollection<ModelFailure> Failed => _snapshot.Failed.Values.ToList();
    public IReadOnlyList<string> Names => _snapshot.Loaded.Keys.ToList();

    /// <summary>Aliases that resolve, alias → model name.</summary>
    public IReadOnlyDictionary<string, string> Aliases => _snapshot.Aliases;

    /// <summary>Why some of a model's aliases are not served (an alias that another model's name or alias already has).</summary>
    public string? AliasConflictOf(string name) => _snapshot.AliasConflicts.GetValueOrDefault(name);

    /// <summary>
    /// Finds a loaded model and holds it until the lease is disposed. A name resolves, in order, as a model name, a
    /// manifest alias, a family default (<c>Gan:Defaults:&lt;key&gt;</c>), or a family key with exactly one loaded model of
    /// that family (see <see cref="FamilyMatches"/>); the lease's model says which model that was.
    /// </summary>
    public bool TryAcquire(string? name, out ModelLease lease)
    {
        lease = default;
        if (name is null) return false;
        // A model retired between the lookup and the reference is replaced by the next snapshot: retry once.
        for (int attempt = 0; attempt < 2; attempt++)
        {
            var snapshot = _snapshot;
            if (Resolve(snapshot, name) is not { } model) return false;
            if (model.TryAddReference()) { lease = new ModelLease(model); return true; }
        }
        return false;
    }

    private LoadedModel? Resolve(Snapshot snapshot, string name)
    {
        if (snapshot.Loaded.TryGetValue(name, out var model)) return model;
        if (snapshot.Aliases.TryGetValue(name, out var target)) return snapshot.Loaded.GetValueOrDefault(target);
        if (_options.Defaults.TryGetValue(name, out var configured))
            return snapshot.Loaded.GetValueOrDefault(configured)
                ?? (snapshot.Aliases.TryGetValue(configured, out var viaAlias) ? snapshot.Loaded.GetValueOrDefault(viaAlias) : null);
        var family = FamilyMembers(snapshot, name).Take(2).ToList();
        return family.Count == 1 ? family[0] : null;
    }

    /// <summary>The loaded models a family key names: those of exactly that family where there are any (a StyleGAN (2018)
    /// model for "stylegan" even with a StyleGAN2 loaded), else those of the family with version digits.</summary>
    private static IEnumerable<LoadedModel> FamilyMembers(Snapshot snapshot, string key)
    {
        var exact = snapshot.Loaded.Values.Where(m => m.Manifest.Family.Equals(key, StringComparison.OrdinalIgnoreCase)).ToList();
        return exact.Count > 0 ? exact : snapshot.Loaded.Values.Where(m => FamilyMatches(m.Manifest.Family, key));
    }

    /// <summary>Why <paramref name="name"/> resolved to nothing although it looks like a family key (for the 404 detail).</summary>
    public string? FamilyHint(string name)
    {
        var snapshot = _snapshot;
        if (_options.Defaults.TryGetValue(name, out var configured))
            return $"Gan:Defaults:{name} names '{configured}', which is not loaded";
        var family = FamilyMembers(snapshot, name).Select(m => m.Name).ToList();
        return family.Count > 1
            ? $"'{name}' matches several {snapshot.Loaded[family[0]].Manifest.Family} models ({string.Join(", ", family)}): name one, or set Gan:Defaults:{name}"
            : null;
    }

    /// <summary>A family key names a family with or without its version digits: "stylegan" → stylegan2 (when no
    /// StyleGAN (2018) model is loaded: <see cref="FamilyMembers"/>), "cyclegan" → cyclegan.</summary>
    public static bool FamilyMatches(string family, string key) =>
        family.StartsWith(key, StringComparison.OrdinalIgnoreCase) && family[key.Length..].All(char.IsAsciiDigit) && key.Length > 0;

    public ModelFailure? FailureOf(string name) => _snapshot.Failed.GetValueOrDefault(name);

    /// <summary>
    /// Relative paths resolve against the content root; if that folder does not exist, walk up from the content root to
    /// the first folder holding GanService.sln and a models/ folder.
    /// </summary>
    public static string ResolveRoot(string configured, string contentRoot)
    {
        if (Path.IsPathRooted(configured)) return Path.GetFullPath(configured);
        var direct = Path.GetFullPath(Path.Combine(contentRoot, configured));
        if (Directory.Exists(direct)) return direct;
        string? besideSolution = null;
        for (var dir = new DirectoryInfo(contentRoot); dir is not null; dir = dir.Parent)
        {
            if (!File.Exists(Path.Combine(dir.FullName, "GanService.sln"))) continue;
            var candidate = Path.GetFullPath(Path.Combine(dir.FullName, configured));
            if (Directory.Exists(candidate)) return candidate;
            besideSolution ??= candidate;
        }
        // Nothing exists yet: watch where a checkout would put it, so creating it later is picked up by the rescan.
        return besideSolution ?? direct;
    }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        _logger.LogInformation("Serving models from {ModelsPath}", Root);
        if (_options.WarmupMaxBatch != 0) WarmImageCode();
        await RescanAsync(cancellationToken);
        StartWatching();
        _periodic = RescanPeriodicallyAsync(_stopping.Token);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync();
        _watcher?.Dispose();
        _watcher = null;
        _parentWatcher?.Dispose();
        _parentWatcher = null;
        if (_periodic is not null) await _periodic.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    private void StartWatching()
    {
        _debounce ??= new Timer(_ => _ = RescanQuietlyAsync(), null, Timeout.Infinite, Timeout.Infinite);
        WatchParent();
        WatchRoot();
    }

    private void Debounce() => _debounce?.Change(_options.WatchDebounceMilliseconds, Timeout.Infinite);

    /// <summary>A watch on the models folder follows that folder (its inode), not its path: when the folder is deleted
    /// and created again, or another folder is renamed over it, the old watch sees nothing more. So the parent is
    /// watched for the folder's own name, and such an event re-creates the watch on the new folder.</summary>
    private void WatchParent()
    {
        var parent = Path.GetDirectoryName(Root);
        if (_parentWatcher is not null || parent is null || !Directory.Exists(parent)) return;
        _parentWatcher = new FileSystemWatcher(parent, Path.GetFileName(Root)) { NotifyFilter = NotifyFilters.DirectoryName };
        FileSystemEventHandler replaced = (_, _) => { Interlocked.Exchange(ref _rootReplaced, 1); Debounce(); };
        _parentWatcher.Created += replaced;
        _parentWatcher.Deleted += replaced;
        _parentWatcher.Renamed += (_, _) => { Interlocked.Exchange(ref _rootReplaced, 1); Debounce(); };
        _parentWatcher.Error += (_, e) => _logger.LogWarning(e.GetException(), "Watcher of the models folder's parent failed; relying on the periodic rescan");
        _parentWatcher.EnableRaisingEvents = true;
    }

    private void WatchRoot()
    {
        _watcher?.Dispose();
        _watcher = null;
        if (!Directory.Exists(Root))
        {
            _logger.LogWarning("Models folder {ModelsPath} does not exist; it is rescanned every {Seconds} s", Root, _options.RescanSeconds);
            return;
        }
        var watcher = new FileSystemWatcher(Root)
        {
            IncludeSubdirectories = true,
            NotifyFilter = NotifyFilters.FileName | NotifyFilters.DirectoryName | NotifyFilters.LastWrite | NotifyFilters.Size,
        };
        FileSystemEventHandler changed = (_, _) => Debounce();
        watcher.Created += changed;
        watcher.Changed += changed;
        watcher.Deleted += changed;
        watcher.Renamed += (_, _) => Debounce();
        watcher.Error += (_, e) =>
        {
            _logger.LogWarning(e.GetException(), "Model folder watcher failed; watching again");
            Interlocked.Exchange(ref _rootReplaced, 1);
            Debounce();
        };
        watcher.EnableRaisingEvents = true;
        _watcher = watcher;
    }

    private async Task RescanPeriodicallyAsync(CancellationToken stopping)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(_options.RescanSeconds));
        try
        {
            while (await timer.WaitForNextTickAsync(stopping)) await RescanQuietlyAsync();
        }
        catch (OperationCanceledException) { }
    }

    private async Task RescanQuietlyAsync()
    {
        try
        {
            // Watch the (possibly new) folder before scanning it, so nothing added in between is missed.
            if (!_stopping.IsCancellationRequested && (Interlocked.Exchange(ref _rootReplaced, 0) == 1 || _watcher is null) && Directory.Exists(Root))
            {
                _debounce ??= new Timer(_ => _ = RescanQuietlyAsync(), null, Timeout.Infinite, Timeout.Infinite);
                WatchParent();
                WatchRoot();
            }
            await RescanAsync(_stopping.Token);
        }
        catch (OperationCanceledException) { }
        catch (Exception e) { _logger.LogError(e, "Rescanning {ModelsPath} failed", Root); }
    }

    /// <summary>Brings the loaded set in line with the folder. Unchanged folders (same file names, sizes, times) are kept.</summary>
    public async Task RescanAsync(CancellationToken cancellationToken = default)
    {
        await _scanLock.WaitAsync(cancellationToken);
        try
        {
            var old = _snapshot;
            var loaded = ImmutableSortedDictionary.CreateBuilder<string, LoadedModel>(StringComparer.Ordinal);
            var failed = ImmutableSortedDictionary.CreateBuilder<string, ModelFailure>(StringComparer.Ordinal);
            foreach (var folder in ModelFolders())
            {
                cancellationToken.ThrowIfCancellationRequested();
                var name = Path.GetFileName(folder);
                var fingerprint = Fingerprint(folder);
                if (old.Loaded.TryGetValue(name, out var current) && current.Fingerprint == fingerprint) { loaded[name] = current; continue; }
                if (old.Failed.TryGetValue(name, out var failure) && failure.Fingerprint == fingerprint) { failed[name] = failure; continue; }
                try
                {
                    var model = await Task.Run(() => Load(folder, name, fingerprint), cancellationToken);
                    loaded[name] = model;
                    _logger.LogInformation("Loaded model {Model} ({Family}, {Task}) from {Folder}", name, model.Manifest.Family, model.Manifest.Task, folder);
                }
                catch (Exception e) when (e is ModelLoadException or ManifestException or IOException or UnauthorizedAccessException or Microsoft.ML.OnnxRuntime.OnnxRuntimeException)
                {
                    var reason = Relative(e is ModelLoadException or ManifestException ? e.Message : $"{e.GetType().Name}: {e.Message}");
                    failed[name] = new ModelFailure(name, reason, fingerprint, DateTimeOffset.UtcNow);
                    _logger.LogWarning("Model {Model} could not be loaded: {Reason}", name, reason);
                }
            }
            var (aliases, conflicts) = ResolveAliases(loaded);
            _snapshot = new Snapshot(loaded.ToImmutable(), failed.ToImmutable()) { Aliases = aliases, AliasConflicts = conflicts };
            foreach (var (name, reason) in conflicts) _logger.LogWarning("Model {Model}: {Reason}", name, reason);
            LastScan = DateTimeOffset.UtcNow;
            foreach (var (name, model) in old.Loaded)
                if (!_snapshot.Loaded.TryGetValue(name, out var now) || !ReferenceEquals(now, model))
                {
                    if (now is null) _logger.LogInformation("Model {Model} is no longer served", name);
                    model.Retire();
                }
            GanMetrics.ModelsLoaded.Set(_snapshot.Loaded.Count);
            GanMetrics.ModelsFailed.Set(_snapshot.Failed.Count);
        }
        finally { _scanLock.Release(); }
    }

    /// <summary>
    /// Aliases must be unique across the repository: an alias equal to a model's name, or claimed by an earlier model (in
    /// name order), is not served and is reported for the model that declared it; the model itself keeps serving.
    /// </summary>
    private static (ImmutableSortedDictionary<string, string> Aliases, ImmutableSortedDictionary<string, string> Conflicts) ResolveAliases(
        IReadOnlyDictionary<string, LoadedModel> loaded)
    {
        var aliases = ImmutableSortedDictionary.CreateBuilder<string, string>(StringComparer.Ordinal);
        var conflicts = new SortedDictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var (name, model) in loaded.OrderBy(kv => kv.Key, StringComparer.Ordinal))
            foreach (var alias in model.Manifest.Aliases ?? [])
            {
                string? clash = loaded.ContainsKey(alias) ? $"alias '{alias}' is the name of model '{alias}'"
                    : aliases.TryGetValue(alias, out var owner) ? $"alias '{alias}' is already an alias of model '{owner}'"
                    : null;
                if (clash is null) aliases[alias] = name;
                else (conflicts.TryGetValue(name, out var list) ? list : conflicts[name] = []).Add(clash + "; not served");
            }
        return (aliases.ToImmutable(), conflicts.ToImmutableSortedDictionary(kv => kv.Key, kv => string.Join("; ", kv.Value), StringComparer.Ordinal));
    }

    /// <summary>Failure reasons are shown to clients: paths in them (exception messages carry absolute ones) are made
    /// relative to the models folder, e.g. "cgan/model.json".</summary>
    private string Relative(string text) =>
        text.Replace(Root + Path.DirectorySeparatorChar, "", StringComparison.Ordinal).Replace(Root, ".", StringComparison.Ordinal);

    private IEnumerable<string> ModelFolders()
    {
        if (!Directory.Exists(Root)) return [];
        return Directory.EnumerateDirectories(Root)
            .Where(d => !Path.GetFileName(d).StartsWith('.') && File.Exists(Path.Combine(d, ManifestFile)))
            .Order(StringComparer.Ordinal);
    }

    /// <summary>Names, sizes and write times of the folder's files: cheap, and changes whenever a model is replaced.</summary>
    private static string Fingerprint(string folder)
    {
        var examples = new DirectoryInfo(Path.Combine(folder, ExamplesFolder));
        var parts = new DirectoryInfo(folder).EnumerateFiles()
            .Concat(examples.Exists ? examples.EnumerateFiles() : [])
            .Select(f => (Name: Path.GetRelativePath(folder, f.FullName), f))
            .OrderBy(f => f.Name, StringComparer.Ordinal)
            .Select(f => $"{f.Name}:{f.f.Length}:{f.f.LastWriteTimeUtc.Ticks}");
        return string.Join('|', parts);
    }

    /// <summary>examples/*.png (names of letters, digits, '-', '_' and '.'; at most <see cref="MaxExamples"/>, each at most
    /// <see cref="MaxExampleBytes"/>), in name order. Served from memory: requests never name a file.</summary>
    private static List<ModelExample> ReadExamples(string folder)
    {
        var dir = new DirectoryInfo(Path.Combine(folder, ExamplesFolder));
        if (!dir.Exists) return [];
        return dir.EnumerateFiles("*.png")
            .Where(f => f.Length <= MaxExampleBytes && f.Name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'))
            .OrderBy(f => f.Name, StringComparer.Ordinal)
            .Take(MaxExamples)
            .Select(f => new ModelExample(f.Name, File.ReadAllBytes(f.FullName)))
            .ToList();
    }

    private LoadedModel Load(string folder, string name, string fingerprint)
    {
        // Warm-up runs are not requests: the latency histogram starts counting once the model is served.
        bool warming = true;
        var model = OnnxModel.Load(folder, _sessions, (model, role, elapsed) =>
        {
            if (!warming) GanMetrics.InferenceSeconds.WithLabels(model, role).Observe(elapsed.TotalSeconds);
        }, _options.Batching.Settings(_sessions.Status.Active), (model, role, rows) =>
        {
            if (!warming) GanMetrics.BatchSize.WithLabels(model, role).Observe(rows);
        });
        // Requests name models by folder; a manifest that says otherwise would serve under a name nobody asked for.
        if (model.Name != name)
        {
            model.Dispose();
            throw new ModelLoadException($"manifest name '{model.Name}' does not match its folder '{name}'");
        }
        WarmupReport? warmup;
        try { warmup = ModelWarmup.Run(model, WarmupMaxBatch, _options.PngCompressionLevel, _stopping.Token); }
        catch (Exception e)
        {
            model.Dispose();
            if (e is OperationCanceledException or ModelLoadException) throw;
            // A model that cannot run zeros through its graphs (or its pipeline once) would fail its first request too.
            throw new ModelLoadException($"the warm-up run failed: {e.Message}");
        }
        warming = false;
        foreach (var g in warmup?.Graphs.Where(g => g.Stopped is not null) ?? [])
            _logger.LogWarning("Model {Model}: warming graph {Graph} stopped at batch {Batch}, so larger batches will be cold: {Reason}",
                name, g.Role, g.BatchSizes[^1], Relative(g.Stopped!));
        if (warmup is not null)
            _logger.LogInformation("Warmed model {Model} in {Seconds} s: {Graphs}; pipeline {PipelineMilliseconds} ms", name, warmup.Seconds,
                string.Join("; ", warmup.Graphs.Select(g => $"{g.Role} batch {g.BatchSizes[0]}…{g.BatchSizes[^1]}, first run {g.FirstRunMilliseconds} ms")),
                warmup.PipelineMilliseconds);
        return new LoadedModel(model, fingerprint, ReadSmall(folder, ModelCard.FileName, MaxCardBytes) is { } card ? System.Text.Encoding.UTF8.GetString(card) : null,
            ReadSmall(folder, "samples.png", MaxSampleBytes), ReadExamples(folder))
        { Warmup = warmup };
    }

    /// <summary>Decodes a small image of each accepted format once and tiles a grid, so the first upload or count &gt; 1
    /// does not pay that code's JIT (tens of milliseconds, bench/warmup.md). Per process; each model's warm-up covers its
    /// own resize, tensor and encode path.</summary>
    private void WarmImageCode()
    {
        var limits = new ImageLimits(_options.MaxImagePixels, _options.ImageAllocationLimitMegabytes);
        using var image = new SixLabors.ImageSharp.Image<SixLabors.ImageSharp.PixelFormats.Rgb24>(8, 8);
        foreach (var format in Enum.GetValues<OutputFormat>())
            ImageCodec.Decode(ImageCodec.Encode(image, format), limits).Dispose();
        using var grid = ImageCodec.Grid([image, image], 2);
        ImageCodec.Encode(grid, OutputFormat.Png, _options.PngCompressionLevel);
    }

    /// <summary>Gan:WarmupMaxBatch, or by device: every count a request may ask for on CUDA, where each new shape pays
    /// cuDNN's algorithm search; batch 1 on CPU, where a new batch size costs little more than a repeat (bench/warmup.md).
    /// Decided per load, since a CUDA failure moves later sessions to CPU.</summary>
    private int WarmupMaxBatch => _options.WarmupMaxBatch ?? (_sessions.Status.Active == "cuda" ? InferenceLimits.Default.MaxCount : 1);

    private static byte[]? ReadSmall(string folder, string file, long cap)
    {
        var info = new FileInfo(Path.Combine(folder, file));
        return info.Exists && info.Length <= cap ? File.ReadAllBytes(info.FullName) : null;
    }

    public void Dispose()
    {
        _watcher?.Dispose();
        _parentWatcher?.Dispose();
        _debounce?.Dispose();
        _stopping.Cancel();
        foreach (var m in _snapshot.Loaded.Values) m.Retire();
        _snapshot = new(ImmutableSortedDictionary<string, LoadedModel>.Empty, ImmutableSortedDictionary<string, ModelFailure>.Empty);
    }
}

