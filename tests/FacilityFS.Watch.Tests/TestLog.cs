using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace FacilityFS.Watch.Tests;

/// <summary>Keeps what the watch and the hook logged, so a failing test can show it.</summary>
internal sealed class TestLog : ILogger
{
    public ConcurrentQueue<string> Lines { get; } = new();

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
        Lines.Enqueue($"{logLevel}: {formatter(state, exception)}{(exception is null ? "" : " " + exception)}");

    public override string ToString() => string.Join('\n', Lines);
}
