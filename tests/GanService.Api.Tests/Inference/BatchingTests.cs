using System.Net;
using GanService.Api.Tests.Fixtures;
using GanService.Contracts;
using GanService.Inference;

namespace GanService.Api.Tests.Inference;

/// <summary>Gan:Batching: concurrent runs of one graph joined into one ONNX Runtime call give every request the bytes an
/// unbatched run gives it; fixed-batch graphs and inputs shared by a batch are never joined; a cancelled caller leaves
/// its batch without touching the others.</summary>
public class BatchingTests
{
    // A long window so that concurrent test requests surely meet in one batch.
    private static Dictionary<string, string?> Batched(int maxBatch = 8) => new()
    {
        ["Gan:Batching:MaxBatch"] = maxBatch.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Gan:Batching:MaxDelayMilliseconds"] = "500",
        ["Gan:MaxConcurrentInferences"] = "64",
    };

    private static async Task<byte[][]> Concurrently(HttpClient client, IReadOnlyList<Func<HttpRequestMessage>> requests)
    {
        var responses = await Task.WhenAll(requests.Select(async r =>
        {
            using var response = await client.SendAsync(r());
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            return await response.Content.ReadAsByteArrayAsync();
        }));
        return responses;
    }

    [Fact]
    public async Task Batched_translations_and_generations_are_byte_identical_to_unbatched_ones()
    {
        var models = FixtureModels.CreateFolder(FixtureModels.Translate, FixtureModels.StarGan, FixtureModels.Dcgan, FixtureModels.Cgan, FixtureModels.StyleGan);
        // Distinct inputs per request (sizes differ, so each is resized to 16² differently).
        var pngs = Enumerable.Range(0, 6).Select(i => FixtureModels.Png(16 + 3 * i, 16 + 5 * i)).ToArray();
        List<Func<HttpRequestMessage>> requests =
        [
            .. pngs.Select(p => (Func<HttpRequestMessage>)(() => new HttpRequestMessage(HttpMethod.Post, "/translate/sketch") { Content = TestHttp.Raw(p, "image/png") })),
            .. pngs.Select((p, i) => (Func<HttpRequestMessage>)(() => new HttpRequestMessage(HttpMethod.Post, $"/translate/stargan?target={(i % 2 == 0 ? "summer" : "winter")}") { Content = TestHttp.Raw(p, "image/png") })),
            .. Enumerable.Range(1, 5).Select(s => (Func<HttpRequestMessage>)(() => new HttpRequestMessage(HttpMethod.Get, $"/generate?model=dcgan&seed={s}&count={s}"))),
            .. Enumerable.Range(1, 4).Select(s => (Func<HttpRequestMessage>)(() => new HttpRequestMessage(HttpMethod.Get, $"/generate?model=cgan&seed={s}&label={s % 3}"))),
            .. Enumerable.Range(1, 4).Select(s => (Func<HttpRequestMessage>)(() => new HttpRequestMessage(HttpMethod.Get, $"/generate?model=stylegan&seed={s}&count=2"))),
        ];

        byte[][] unbatched, batched;
        using (var plain = new GanApiFactory(models))
            unbatched = await Concurrently(plain.CreateClient(), requests);
        using (var api = new GanApiFactory(models, Batched()))
        {
            var client = api.CreateClient();
            const string sketch = "{model=\"sketch\",graph=\"model\"}";
            double sum0 = await TestMetrics.Value(client, "gan_batch_size_sum" + sketch), count0 = await TestMetrics.Value(client, "gan_batch_size_count" + sketch);
            batched = await Concurrently(client, requests);
            // Joined runs happened: some ORT call carried more rows than one request's.
            double sum = await TestMetrics.Value(client, "gan_batch_size_sum" + sketch) - sum0;
            double count = await TestMetrics.Value(client, "gan_batch_size_count" + sketch) - count0;
            Assert.Equal(6, sum);
            Assert.True(count < 6, $"{count} runs for 6 sketch translations: none were joined");
        }
        for (int i = 0; i < requests.Count; i++) Assert.True(unbatched[i].AsSpan().SequenceEqual(batched[i]), $"request {i} differs when batched");
    }

    [Fact]
    public async Task Batching_is_off_by_default_on_cpu()
    {
        using var api = new GanApiFactory(FixtureModels.CreateFolder(FixtureModels.Translate));
        var client = api.CreateClient();
        var png = FixtureModels.Png(16, 16);
        // Metrics are process-wide, shared with the other tests of this class (which run one after another).
        const string series = "gan_batch_size_count{model=\"sketch\",graph=\"model\"}";
        double before = await TestMetrics.Value(client, series);
        await Concurrently(client, Enumerable.Range(0, 4).Select(_ => (Func<HttpRequestMessage>)(() =>
            new HttpRequestMessage(HttpMethod.Post, "/translate/sketch") { Content = TestHttp.Raw(png, "image/png") })).ToList());
        Assert.Equal(before, await TestMetrics.Value(client, series));
    }

    private static OnnxModel LoadBatched(string folder, List<int> rows, int maxBatch = 8, int delayMs = 300) =>
        OnnxModel.Load(folder, new SessionFactory("cpu"), batching: new BatchingSettings(maxBatch, TimeSpan.FromMilliseconds(delayMs)),
            batchObserver: (_, _, r) => { lock (rows) rows.Add(r); });

    private static NamedTensor Z(uint seed) => NamedTensor.Of("z", SeedLatent.Batch([seed], FixtureModels.Z), 1, FixtureModels.Z);

    [Fact]
    public async Task A_graph_whose_manifest_fixes_the_batch_to_one_is_never_joined()
    {
        var root = FixtureModels.CreateFolder(FixtureModels.BatchOfOne);
        // The fixture's ONNX file really takes one row at a time; say so in the manifest, as `gan package` writes it.
        var path = Path.Combine(root, FixtureModels.BatchOfOne, OnnxModel.ManifestFile);
        var manifest = ModelManifest.Load(path);
        var graph = manifest.Graphs[0];
        manifest = manifest with { Graphs = [graph with { Inputs = [graph.Inputs[0] with { Shape = [1, FixtureModels.Z] }] }] };
        File.WriteAllText(path, manifest.ToJson());
        var rows = new List<int>();
        using var model = LoadBatched(Path.Combine(root, FixtureModels.BatchOfOne), rows);

        var runs = await Task.WhenAll(Enumerable.Range(1, 4).Select(s => Task.Run(() => model.Main.Run([Z((uint)s)], CancellationToken.None))));

        Assert.All(runs, r => Assert.Equal([1L, 3, 8, 8], r["image"].Shape));
        Assert.Empty(rows);
    }

    [Fact]
    public async Task A_cancelled_caller_leaves_its_batch_and_the_others_get_their_own_rows()
    {
        var root = FixtureModels.CreateFolder(FixtureModels.Dcgan);
        var rows = new List<int>();
        using var model = LoadBatched(Path.Combine(root, FixtureModels.Dcgan), rows, delayMs: 2000);
        using var plain = OnnxModel.Load(Path.Combine(root, FixtureModels.Dcgan), new SessionFactory("cpu"));
        using var cancel = new CancellationTokenSource();

        // Callers on their own threads, joining in a fixed order (a busy thread pool could otherwise start one of them
        // after the cancellation, in a batch of its own); the leaving caller is not the one that opened the window.
        Task<IReadOnlyDictionary<string, NamedTensor>> Caller(uint seed, CancellationToken token) =>
            Task.Factory.StartNew(() => model.Main.Run([Z(seed)], token), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        var kept1 = Caller(1, CancellationToken.None);
        await Task.Delay(100);
        var kept3 = Caller(3, CancellationToken.None);
        await Task.Delay(100);
        var leaving = Caller(2, cancel.Token);
        await Task.Delay(200);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        cancel.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => leaving);
        Assert.True(clock.ElapsedMilliseconds < 500, $"the cancelled caller waited {clock.ElapsedMilliseconds} ms for its batch");

        var (a, b) = (await kept1, await kept3);
        Assert.Equal(plain.Main.Run([Z(1)], CancellationToken.None)["image"].Floats, a["image"].Floats);
        Assert.Equal(plain.Main.Run([Z(3)], CancellationToken.None)["image"].Floats, b["image"].Floats);
        Assert.Equal([2], rows);
    }

    [Fact]
    public async Task A_full_batch_runs_without_waiting_for_the_window()
    {
        var root = FixtureModels.CreateFolder(FixtureModels.Dcgan);
        var rows = new List<int>();
        using var model = LoadBatched(Path.Combine(root, FixtureModels.Dcgan), rows, maxBatch: 2, delayMs: 30_000);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        await Task.WhenAll(Task.Run(() => model.Main.Run([Z(1)], CancellationToken.None)), Task.Run(() => model.Main.Run([Z(2)], CancellationToken.None)));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"took {clock.Elapsed}");
        Assert.Equal([2], rows);
    }

    [Fact]
    public void Batching_defaults_to_on_for_cuda_and_off_for_cpu_unless_set()
    {
        Assert.Equal(BatchingOptions.CudaDefaultMaxBatch, new BatchingOptions().Settings("cuda").MaxBatch);
        Assert.False(new BatchingOptions().Settings("cpu").Enabled);
        Assert.Equal(4, new BatchingOptions { MaxBatch = 4 }.Settings("cpu").MaxBatch);
        Assert.False(new BatchingOptions { MaxBatch = 1 }.Settings("cuda").Enabled);
        Assert.Equal(TimeSpan.FromMilliseconds(2), new BatchingOptions().Settings("cuda").MaxDelay);
    }

    [Fact]
    public void With_batching_on_translation_graphs_are_warmed_at_every_size_a_joined_run_can_have()
    {
        var folder = Path.Combine(FixtureModels.CreateFolder(FixtureModels.Translate), FixtureModels.Translate);
        using var batched = LoadBatched(folder, [], maxBatch: 4, delayMs: 0);
        using var plain = OnnxModel.Load(folder, new SessionFactory("cpu"));
        Assert.Equal([1, 2, 3, 4], ModelWarmup.BatchSizes(batched, batched.Main, 64));
        Assert.Equal([1, 2], ModelWarmup.BatchSizes(batched, batched.Main, 2));
        Assert.Equal([1], ModelWarmup.BatchSizes(plain, plain.Main, 64));
    }
}
