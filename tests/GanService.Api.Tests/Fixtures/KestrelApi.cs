using System.Net;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace GanService.Api.Tests.Fixtures;

/// <summary>The API on real Kestrel at 127.0.0.1 and a free port (for concurrency and browser tests).</summary>
public sealed class KestrelApi : IDisposable
{
    public KestrelApi(string modelsPath, IReadOnlyDictionary<string, string?>? settings = null)
    {
        Factory = new GanApiFactory(modelsPath, settings);
        Factory.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        Factory.StartServer();
        var address = Factory.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        BaseAddress = new Uri(address);
    }

    public GanApiFactory Factory { get; }
    public Uri BaseAddress { get; }

    public void Dispose() => Factory.Dispose();
}
