global using TorchSharp;
global using static TorchSharp.torch;
