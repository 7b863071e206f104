using FacilityFS.Conformance.Targets;

namespace FacilityFS.Conformance;

/// <summary>The baseline: the scenarios on the local disk.</summary>
public sealed class LocalDiskScenarios : Scenarios
{
    protected override Task<IConformanceTarget> StartAsync() => Task.FromResult<IConformanceTarget>(new LocalDiskTarget());
}

/// <summary>The scenarios on the bare VFS core, as an adapter calls it.</summary>
public sealed class VfsScenarios : Scenarios
{
    protected override async Task<IConformanceTarget> StartAsync() => await VfsTarget.StartAsync();
}

/// <summary>The scenarios through a real FUSE mount.</summary>
public sealed class FuseMountScenarios : Scenarios
{
    protected override async Task<IConformanceTarget> StartAsync() => await FuseMountTarget.StartAsync();
}

/// <summary>The scenarios through the WinFsp adapter, driven by the call sequences Windows sends.</summary>
public sealed class WinFspSimulatorScenarios : Scenarios
{
    protected override async Task<IConformanceTarget> StartAsync() => await WinFspSimulatorTarget.StartAsync();
}
