using GanService.Api.Endpoints;
using GanService.Api.Hosting;
using Prometheus;

var builder = WebApplication.CreateBuilder(args);
builder.UseGanDefaultPort();
builder.AddGanLogging();
builder.Services.AddGanInference(builder.Configuration);
builder.Services.AddGanApiDocs();

var app = builder.Build();
app.UseRequestId();
app.UseGanRequestLogging();
app.UseExceptionHandler();
app.UseStatusCodePages();
app.UseDefaultFiles();
app.UseStaticFiles();
app.UseSwagger();
app.UseSwaggerUI(o => o.DocumentTitle = "GanService API");
app.UseRouting();
app.UseClientFaults();
app.UseRequestTimeouts();
app.UseHttpMetrics();

app.MapHealth();
app.MapModels();
app.MapTranslate();
app.MapGenerate();
app.MapInferenceProtocol();
app.MapMetrics("/metrics");

app.Run();

public partial class Program;
