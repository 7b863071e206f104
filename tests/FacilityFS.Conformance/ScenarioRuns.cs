using FacilityFS.Conformance.Targets;
using FacilityFS.TestServers.Stores;

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

/// <summary>The scenarios through a real FUSE mount that uploads at once: commits race the kernel's lookups, listings and reads.</summary>
public sealed class ZeroDelayFuseMountScenarios : Scenarios
{
    protected override async Task<IConformanceTarget> StartAsync() => await FuseMountTarget.StartAsync(uploadDelay: 0);
}

/// <summary>The scenarios through the WinFsp adapter, driven by the call sequences Windows sends.</summary>
public sealed class WinFspSimulatorScenarios : Scenarios
{
    protected override async Task<IConformanceTarget> StartAsync() => await WinFspSimulatorTarget.StartAsync();
}

/// <summary>The scenarios on the bare VFS core over the in-memory store: the same answers without a disk behind.</summary>
public sealed class InMemoryVfsScenarios : Scenarios
{
    protected override async Task<IConformanceTarget> StartAsync() => new VfsTarget(await CoreOverStore.StartAsync(new InMemoryStore()));
}

/// <summary>The WinFsp simulator over the in-memory store.</summary>
public sealed class InMemoryWinFspSimulatorScenarios : Scenarios
{
    protected override async Task<IConformanceTarget> StartAsync() => new WinFspSimulatorTarget(await CoreOverStore.StartAsync(new InMemoryStore()));
}
