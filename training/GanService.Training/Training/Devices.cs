namespace GanService.Training.Training;

/// <summary>The one reading of a <c>--device</c> value (every family, export and the CLI's early check use it).</summary>
public static class Devices
{
    /// <summary>"cpu", "cuda", "cuda:N" → a TorchSharp device, with a clear error when CUDA is not usable here.</summary>
    public static Device Parse(string device)
    {
        if (device.Equals("cpu", StringComparison.OrdinalIgnoreCase)) return torch.CPU;
        if (device.StartsWith("cuda", StringComparison.OrdinalIgnoreCase))
        {
            if (!torch.cuda.is_available())
                throw new ArgumentException($"--device {device}: CUDA is not available to TorchSharp here (the libtorch loaded is the CPU build, " +
                    "or no GPU/driver is visible; `gan doctor` says which); use --device cpu, build with -p:GanLibTorch=cuda, or load a CUDA " +
                    "libtorch 2.10 with --libtorch / GAN_LIBTORCH from a -p:GanLibTorch=external build (docs/platform.md)");
            return torch.device(device.ToLowerInvariant());
        }
        throw new ArgumentException($"device '{device}' must be cpu, cuda or cuda:N");
    }
}
