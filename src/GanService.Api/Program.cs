using GanService.Api.Hosting;

// `--probe URL` is the images' healthcheck (they have no curl): one GET, exit 0/1, no host built.
if (GanProbe.Requested(args, out var probeUrl)) return await GanProbe.RunAsync(probeUrl, Console.Out);

// `--hash-key`: reads an API key from standard input and prints its SHA-256 for Gan:Auth:Keys:N:Sha256.
if (args.Contains(GanService.Api.Auth.ApiKeys.HashFlag)) { Console.WriteLine(GanService.Api.Auth.ApiKeys.Hash((Console.In.ReadLine() ?? "").Trim())); return 0; }

// The pipeline reads as a list in Hosting/GanApi.cs (shared with the benchmarks, which host it in-process).
GanApi.Build(args).Run();
return 0;

public partial class Program;
