global using TorchSharp;
global using static TorchSharp.torch;
global using Parameter = TorchSharp.Modules.Parameter;
// One noise vocabulary for training, export and serving (GanService.Contracts); StyleGAN's synthesis layers read it.
global using NoiseMode = GanService.Contracts.NoiseMode;
global using GanService.Training.Platform;
