using System.CommandLine;
using GanService.Api.Hosting;
using GanService.Fuzzing;
using Microsoft.AspNetCore.Builder;

namespace GanService.Bench;

public static class FuzzCommand
{
    /// <summary>`fuzz`: the hostile image corpus against the API on loopback (in-process unless --url), with a
    /// deadline per request; prints and writes the per-category table. Exit code 1 on any 5xx, hang or 4xx without
    /// problem+json. Here rather than in the `gan` CLI, which has no reason to reference the API.</summary>
    public static RootCommand Create()
    {
        var cases = new Option<int>("--cases") { Description = "how many cases (the structured ones first, then seeded random byte flips)", DefaultValueFactory = _ => 2000 };
        var seed = new Option<int>("--seed") { Description = "seed of the random mutations", DefaultValueFactory = _ => 1 };
        var models = new Option<string>("--models") { Description = "models folder served by the in-process API", DefaultValueFactory = _ => "models" };
        var model = new Option<string>("--model") { Description = "translate model to post to", DefaultValueFactory = _ => "shapes2color-pix2pix" };
        var url = new Option<string?>("--url") { Description = "post to an API already running there instead (RSS is then not measured)" };
        var parallel = new Option<int>("--parallel") { Description = "requests in flight at once", DefaultValueFactory = _ => 2 };
        var deadline = new Option<int>("--deadline-ms") { Description = "slower answers count as hangs", DefaultValueFactory = _ => 2000 };
        var output = new Option<string>("--out") { Description = "markdown report (empty = none)", DefaultValueFactory = _ => "bench/fuzz.md" };
        var settle = new Option<int>("--settle-s") { Description = "idle seconds after the run before RSS is measured again", DefaultValueFactory = _ => 15 };
        var fuzz = new RootCommand("post structure-aware hostile PNG/JPEG/WebP files to /translate and tabulate the answers") { cases, seed, models, model, url, parallel, deadline, output, settle };
        fuzz.SetAction(async (parse, cancellation) =>
        {
            var corpus = HostileImages.Generate(parse.GetValue(cases), parse.GetValue(seed)).ToList();
            var settings = new FuzzSettings(TimeSpan.FromMilliseconds(parse.GetValue(deadline)), parse.GetValue(parallel), TimeSpan.FromSeconds(parse.GetValue(settle)));
            WebApplication? app = null;
            try
            {
                Uri target;
                if (parse.GetValue(url) is { Length: > 0 } given) target = new Uri(given.EndsWith('/') ? given : given + "/");
                else
                {
                    app = GanApi.Build([$"--Gan:ModelsPath={Path.GetFullPath(parse.GetValue(models)!)}", "--Gan:Device=cpu", "--Gan:QueueLimit=100000",
                        "--Gan:MaxImagePixels=4000000", "--urls=http://127.0.0.1:0", "--environment=Production", "--Serilog:MinimumLevel:Default=Warning"]);
                    await app.StartAsync(cancellation);
                    target = new Uri(app.Urls.First() + "/");
                }
                using var http = new HttpClient { BaseAddress = target, Timeout = TimeSpan.FromMinutes(1) };
                var report = await FuzzRunner.RunAsync(http, parse.GetValue(model)!, corpus, settings, app is null ? null : FuzzRunner.CurrentProcessRss, cancellation);
                var table = report.Table();
                Console.WriteLine(table);
                foreach (var f in report.Failures.Take(20)) Console.WriteLine($"FAIL {f.Case.Category}: {f.Case.Name}: {f.Failure}");
                if (parse.GetValue(output) is { Length: > 0 } path)
                {
                    Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
                    File.WriteAllText(path, Markdown(report, table, parse.Tokens.Select(t => t.Value)));
                }
                return report.Failures.Any() ? 1 : 0;
            }
            finally
            {
                if (app is not null) await app.DisposeAsync();
            }
        });
        return fuzz;
    }

    private static string Markdown(FuzzReport report, string table, IEnumerable<string> args) => $"""
        # Hostile image corpus against the API

        Produced by `dotnet run -c Release --project bench/GanService.Bench -- fuzz {string.Join(' ', args)}` (the API in-process on
        http://127.0.0.1, CPU, {typeof(FuzzCommand).Assembly.GetCustomAttributes(typeof(System.Reflection.AssemblyConfigurationAttribute), false).Cast<System.Reflection.AssemblyConfigurationAttribute>().FirstOrDefault()?.Configuration} build, {Environment.ProcessorCount} cores). Each case is a structure-aware mutation of a valid PNG, JPEG or WebP
        (`src/GanService.Fuzzing/HostileImages.cs`) posted raw to `POST /translate/{"{model}"}`. Acceptable answers: 200 with an
        image, or a 4xx problem+json, within {report.Deadline.TotalSeconds:F0} s. RSS is the process's resident set after a
        compacting GC, before (after a warm-up on the valid seeds) and after the run.

        {table}
        """;
}
