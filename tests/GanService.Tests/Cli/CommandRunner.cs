using System.CommandLine;

namespace GanService.Tests.Cli;

/// <summary>Runs one `gan` command in-process with captured stdout/stderr.</summary>
public static class CommandRunner
{
    public static (int Exit, string Out, string Err) Run(Command command, params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int exit = command.Parse(args).Invoke(new InvocationConfiguration { Output = output, Error = error });
        return (exit, output.ToString(), error.ToString());
    }
}
