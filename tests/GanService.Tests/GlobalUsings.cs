global using TorchSharp;
global using static TorchSharp.torch;
global using NoiseMode = GanService.Contracts.NoiseMode;
