using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace GanService.Api.Tests.Fixtures;

/// <summary>The API over a fixture models folder; extra settings override Gan:* options.</summary>
public class GanApiFactory(string modelsPath, IReadOnlyDictionary<string, string?>? settings = null) : WebApplicationFactory<GanOptions> // any API type: the CLI has a public Program too
{
    public string ModelsPath { get; } = modelsPath;

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        builder.UseSetting("Gan:ModelsPath", ModelsPath);
        builder.UseSetting("Gan:Device", "cpu");
        builder.UseSetting("Serilog:MinimumLevel:Default", "Warning");
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>()) builder.UseSetting(key, value);
    }
}

/// <summary>One API over all fixture models, shared by the read-only endpoint tests.</summary>
public sealed class SharedApi : IDisposable
{
    public SharedApi()
    {
        Factory = new GanApiFactory(FixtureModels.CreateFolder());
        Client = Factory.CreateClient();
    }

    public GanApiFactory Factory { get; }
    public HttpClient Client { get; }

    public void Dispose()
    {
        Client.Dispose();
        Factory.Dispose();
        try { Directory.Delete(Factory.ModelsPath, recursive: true); } catch (IOException) { }
    }
}

[CollectionDefinition(Name)]
public sealed class SharedApiCollection : ICollectionFixture<SharedApi>
{
    public const string Name = "shared api";
}
