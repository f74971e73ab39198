namespace GanService.Training.Import;

/// <summary>Opens a translation checkpoint (a state dict, or a dict/module that holds one) for the importers.</summary>
public static class CheckpointFile
{
    /// <summary>The state dict and the container's name (zip, legacy, pickle). Missing or unreadable files fail with one line.</summary>
    public static (IReadOnlyDictionary<string, TorchTensor> State, string Container) ReadStateDict(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"checkpoint '{path}' does not exist");
        string container = TorchFile.DetectFormat(path).ToString().ToLowerInvariant();
        var root = TorchFile.Load(path);
        var state = root is PickleObject ? StateDicts.FromModule(root) : StateDicts.FromDict(root);
        if (state.Count == 0) throw new CheckpointImportException($"'{Path.GetFileName(path)}' holds no tensors");
        return (state, container);
    }
}
