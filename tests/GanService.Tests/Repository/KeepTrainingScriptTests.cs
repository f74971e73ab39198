using System.Diagnostics;

namespace GanService.Tests.Repository;

/// <summary>scripts/keep-training.sh against a stand-in `gan` that crashes: it resumes from the checkpoint with the
/// minutes left and the same --threads, and does not resume a run that finished, was refused, or left no checkpoint.</summary>
public sealed class KeepTrainingScriptTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("gan-keep-training").FullName;
    public void Dispose() => Directory.Delete(_dir, true);

    /// <summary>A fake gan: logs its arguments, then exits with the next code of <paramref name="codes"/>; before a
    /// non-zero exit it writes a checkpoint when <paramref name="checkpoint"/> is set.</summary>
    private string FakeGan(int[] codes, bool checkpoint)
    {
        var path = Path.Combine(_dir, "gan");
        File.WriteAllText(path, $$"""
            #!/usr/bin/env bash
            log={{_dir}}/calls; n=$(( $(cat "$log" 2>/dev/null | wc -l) ))
            echo "$*" >> "$log"
            codes=({{string.Join(' ', codes)}})
            code=${codes[$n]:-0}
            if [ "$code" != 0 ] && [ {{(checkpoint ? 1 : 0)}} = 1 ]; then mkdir -p {{_dir}}/run/checkpoint; echo '{}' > {{_dir}}/run/checkpoint/state.json; fi
            exit $code
            """.Replace("\r", ""));
        return path;
    }

    private (int Exit, string[] Calls, string Err) Run(string gan, params string[] args)
    {
        var start = new ProcessStartInfo("bash") { RedirectStandardError = true, RedirectStandardOutput = true };
        start.ArgumentList.Add(Path.Combine(RepositoryLayoutTests.Root(), "scripts", "keep-training.sh"));
        foreach (var a in new[] { "--minutes", "5", "--", "bash", gan }.Concat(args)) start.ArgumentList.Add(a);
        using var p = Process.Start(start)!;
        string err = p.StandardError.ReadToEnd();
        p.StandardOutput.ReadToEnd();
        Assert.True(p.WaitForExit(60_000), "keep-training.sh did not finish");
        var calls = File.Exists(Path.Combine(_dir, "calls")) ? File.ReadAllLines(Path.Combine(_dir, "calls")) : [];
        return (p.ExitCode, calls, err);
    }

    [Fact]
    public void A_crashed_run_resumes_with_the_minutes_left_and_its_threads()
    {
        string run = Path.Combine(_dir, "run");
        var (exit, calls, err) = Run(FakeGan([139, 0], checkpoint: true), "train", "stylegan2", "--data", "d", "--out", run, "--threads", "1", "--max-minutes", "30");
        Assert.True(exit == 0, err);
        Assert.Equal(2, calls.Length);
        Assert.Matches($@"^train stylegan2 --data d --out {run} --threads 1 --max-minutes [45]$", calls[0]);
        Assert.Matches($@"^train stylegan2 --out {run} --resume --threads 1 --max-minutes [45]$", calls[1]);
        Assert.Contains("exited with status 139; resuming", err);
    }

    [Theory]
    [InlineData(0, true)]   // finished or stopped by its own limit
    [InlineData(2, true)]   // refused its arguments
    [InlineData(139, false)] // crashed before its first checkpoint: nothing to resume
    public void A_run_is_not_resumed_when_it_finished_was_refused_or_left_no_checkpoint(int code, bool checkpoint)
    {
        var (exit, calls, _) = Run(FakeGan([code, 0], checkpoint), "train", "dcgan", "--out", Path.Combine(_dir, "run"));
        Assert.Single(calls);
        Assert.Equal(code, exit);
    }
}
