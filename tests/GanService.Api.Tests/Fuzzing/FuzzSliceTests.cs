using GanService.Api.Tests.Fixtures;
using GanService.Fuzzing;
using Xunit.Abstractions;

namespace GanService.Api.Tests.Fuzzing;

/// <summary>Runs alone (no parallel test adds to the process's memory while RSS is compared).</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class FuzzCollection
{
    public const string Name = "fuzz";
}

/// <summary>A bounded slice of the hostile corpus (the bench's `fuzz` runs more) against the API on real Kestrel at
/// 127.0.0.1: only 200 or 4xx problem+json, nothing over 2 s, no decode abandoned, RSS back within 10 %.</summary>
[Collection(FuzzCollection.Name)]
public sealed class FuzzSliceTests(ITestOutputHelper output)
{
    public const int Cases = 400;

    [Fact]
    public async Task Hostile_corpus_slice_gets_only_200_or_4xx_problems_quickly_with_flat_memory()
    {
        using var api = new KestrelApi(FixtureModels.CreateFolder(FixtureModels.Translate), FuzzSettingsForApi);
        using var http = new HttpClient { BaseAddress = api.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        var cases = HostileImages.Generate(Cases).ToList();
        var report = await FuzzRunner.RunAsync(http, FixtureModels.Translate, cases, new FuzzSettings(TimeSpan.FromSeconds(2)), FuzzRunner.CurrentProcessRss);
        output.WriteLine(report.Table());
        Assert.Equal(Cases, report.Results.Count);
        Assert.True(!report.Failures.Any(), string.Join("\n", report.Failures.Take(20).Select(f => $"{f.Case.Category}: {f.Case.Name}: {f.Failure}")));
        Assert.Equal(0, report.ServerErrors);
        Assert.Equal(0, report.Hangs);
        Assert.Equal(0, await TestMetrics.Value(http, "gan_abandoned_decodes_running"));
        Assert.True(report.RssGrowth < 0.10, report.Table());
    }

    /// <summary>Room for the whole corpus in the queue (429s would hide nothing but prove nothing either).</summary>
    public static readonly IReadOnlyDictionary<string, string?> FuzzSettingsForApi = new Dictionary<string, string?>
    {
        ["Gan:QueueLimit"] = "1000",
        ["Gan:MaxImagePixels"] = "4000000",
    };
}
