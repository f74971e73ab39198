using System.Net;
using GanService.Api.Tests.Fixtures;

namespace GanService.Api.Tests.Endpoints;

[Collection(SharedApiCollection.Name)]
public sealed class SmokeTests(SharedApi api)
{
    [Fact]
    public async Task All_fixture_models_load()
    {
        var response = await api.Client.GetAsync("/readyz");
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, body);
        foreach (var m in FixtureModels.All) Assert.Contains($"\"{m}\"", body);
        Assert.Contains("\"failed\":[]", body);
    }
}
