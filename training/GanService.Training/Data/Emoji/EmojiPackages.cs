using System.Diagnostics;
using System.Formats.Tar;
using System.IO.Compression;

namespace GanService.Training.Data.Emoji;

/// <summary>A source package the emoji builder needs is not installed and could not be fetched.</summary>
public sealed class EmojiPackageMissingException(string message) : Exception(message);

/// <summary>One npm package holding emoji SVGs, pinned to a version so a rebuild gives the same files.</summary>
public sealed record NpmPackage(string Name, string Version, string Licence, string Attribution)
{
    public string Spec => $"{Name}@{Version}";
    /// <summary>npm pack's file name: scope '@a/b' becomes 'a-b'.</summary>
    public string TarballName => $"{Name.TrimStart('@').Replace('/', '-')}-{Version}.tgz";
    public string InstallCommand => $"npm pack {Spec}";
}

/// <summary>
/// Fetches npm packages with npm itself (`npm pack`, so the registry, its integrity check and any configured mirror are
/// npm's concern) into a cache folder, and unpacks each tarball once. Nothing here is downloaded at training time.
/// </summary>
public sealed class NpmPackageCache(string cacheDir, string npmCommand = "npm")
{
    public string CacheDir { get; } = cacheDir;

    public static readonly NpmPackage OpenMoji = new("openmoji", "17.0.0", "CC-BY-SA-4.0",
        "OpenMoji – the open-source emoji and icon project (https://openmoji.org), CC BY-SA 4.0");
    public static readonly NpmPackage Twemoji = new("@discordapp/twemoji", "16.0.1", "CC-BY-4.0",
        "Twemoji graphics by Twitter, Inc. and other contributors (https://github.com/jdecked/twemoji), CC BY 4.0");
    public static readonly NpmPackage Fluent = new("fluentui-emoji", "1.3.0", "MIT",
        "Fluent Emoji by Microsoft Corporation (https://github.com/microsoft/fluentui-emoji), MIT licence; npm repackaging by Mohammad Abu Mattar");

    /// <summary>The user cache folder ($XDG_CACHE_HOME or ~/.cache)/gan-service/emoji.</summary>
    public static string DefaultCacheDir()
    {
        var root = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
        if (string.IsNullOrEmpty(root)) root = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache");
        return Path.Combine(root, "gan-service", "emoji");
    }

    /// <summary>The unpacked package folder (the tarball's 'package/'), fetching and unpacking it when needed.</summary>
    public string Unpacked(NpmPackage package)
    {
        string dir = Path.Combine(CacheDir, Path.GetFileNameWithoutExtension(package.TarballName));
        string done = Path.Combine(dir, ".unpacked");
        if (File.Exists(done)) return Path.Combine(dir, "package");
        string tgz = Path.Combine(CacheDir, package.TarballName);
        if (!File.Exists(tgz)) Fetch(package);
        if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
        Directory.CreateDirectory(dir);
        using (var file = File.OpenRead(tgz))
        using (var gz = new GZipStream(file, CompressionMode.Decompress))
            TarFile.ExtractToDirectory(gz, dir, overwriteFiles: true);
        File.WriteAllText(done, package.Spec);
        return Path.Combine(dir, "package");
    }

    private void Fetch(NpmPackage package)
    {
        Directory.CreateDirectory(CacheDir);
        string hint = $"the {package.Spec} package is needed: run `{package.InstallCommand}` in '{CacheDir}' (npm must reach its registry) or pass --cache to a folder holding {package.TarballName}";
        var psi = new ProcessStartInfo(npmCommand) { WorkingDirectory = CacheDir, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "pack", "--silent", package.Spec }) psi.ArgumentList.Add(a);
        Process? p;
        try { p = Process.Start(psi); }
        catch (System.ComponentModel.Win32Exception) { throw new EmojiPackageMissingException($"npm was not found; {hint}"); }
        if (p is null) throw new EmojiPackageMissingException($"npm could not be started; {hint}");
        using (p)
        {
            var err = p.StandardError.ReadToEndAsync();
            p.StandardOutput.ReadToEnd();
            p.WaitForExit();
            if (p.ExitCode != 0 || !File.Exists(Path.Combine(CacheDir, package.TarballName)))
                throw new EmojiPackageMissingException($"`{package.InstallCommand}` failed ({err.Result.Trim()}); {hint}");
        }
    }
}
