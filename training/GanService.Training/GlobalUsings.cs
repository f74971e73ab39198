global using GanService.Training.Platform;
global using TorchSharp;
global using static TorchSharp.torch;
// One noise vocabulary for training, export and serving (GanService.Contracts); StyleGAN's synthesis layers read it.
global using NoiseMode = GanService.Contracts.NoiseMode;
global using Parameter = TorchSharp.Modules.Parameter;
