using GanService.Api.Hosting;

// The pipeline reads as a list in Hosting/GanApi.cs (shared with `gan bench fuzz`, which hosts it in-process).
GanApi.Build(args).Run();

public partial class Program;
