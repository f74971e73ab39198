using System.Runtime.CompilerServices;
using GanService.Training.Platform;

namespace GanService.Tests;

/// <summary>The tests are a host of GanService.Training: the convolution check runs before any test touches libtorch
/// (so GAN_CONV_REMEDY=isa can still cap oneDNN before its first convolution), and its one line goes to the log.</summary>
internal static class NumericsCheck
{
    [ModuleInitializer]
    internal static void Run() => ConvolutionBackend.Ensure();
}
