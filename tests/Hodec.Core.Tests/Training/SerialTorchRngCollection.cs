namespace Hodec.Tests.Training;

/// <summary>
/// Tests that seed torch's global generator (model initialisation) and compare runs bit for bit. They run alone,
/// after the parallel tests, because any test on another thread drawing from that generator would change them.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class SerialTorchRngCollection
{
    public const string Name = "Serial: torch global RNG";
}
