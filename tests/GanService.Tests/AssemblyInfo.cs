// TorchSharp's random generator is process-global (torch.manual_seed) and libtorch already uses every core for one
// op: running test classes in parallel makes seeded tests race each other and oversubscribes the 2-core CI machine.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
