namespace GanService.TestSupport;

/// <summary>
/// A tool a test needs from the system (Node.js, Chromium, promtool, docker-compose), which `.ci/run` installs. On a
/// developer machine without it the test is skipped and says what to install; under CI (CI set, as `.ci/run` runs) it
/// never skips, so a tool that failed to install fails its tests instead of hiding them. Linked into both test projects.
/// </summary>
internal static class Prerequisite
{
    public static bool UnderCi => !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("CI"));

    /// <summary>The skip reason for a test attribute's Skip: null where the tool is present or under CI.</summary>
    public static string? SkipUnless(bool present, string reason) => present || UnderCi ? null : reason;
}
