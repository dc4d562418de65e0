using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using PyAirtable.Gateway.Configuration;
using PyAirtable.Gateway.Observability;
using PyAirtable.Gateway.Tests.Infrastructure;

namespace PyAirtable.Gateway.Tests.Observability;

/// <summary>
/// A request reaching an idle gateway continues on the thread pool; one arriving while others are in flight stays on
/// the thread that received it; the count of requests in flight always returns to zero.
/// </summary>
public sealed class IdleHandoffTests
{
    [Fact]
    public void Enter_OnlyTheFirstOfConcurrentRequestsIsHandedOff()
    {
        var handoff = new IdleHandoff(enabled: true);

        Assert.True(handoff.Enter());
        Assert.False(handoff.Enter());
        handoff.Exit();
        Assert.False(handoff.Enter());
        handoff.Exit();
        handoff.Exit();

        Assert.Equal(0, handoff.InFlight);
        Assert.True(handoff.Enter());
        handoff.Exit();
    }

    [Fact]
    public void Disabled_NeverHandsOff_CountsNothing()
    {
        var handoff = new IdleHandoff(enabled: false);

        Assert.False(handoff.Enter());
        Assert.False(handoff.Enter());
        handoff.Exit();

        Assert.Equal(0, handoff.InFlight);
    }

    [Fact]
    public async Task Middleware_IdleRequestRunsOnThreadPool_ConcurrentOneStaysInline()
    {
        await using var gateway = await GatewayHost.StartAsync();
        var handoff = new IdleHandoff(enabled: true);
        var middleware = new RequestTelemetryMiddleware(RunStep, gateway.App.Services.GetRequiredService<GatewayTelemetry>(), handoff);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        var first = new Step(release.Task);
        var (firstCaller, firstTask) = InvokeOnOwnThread(middleware, first);
        var firstRan = await first.Ran.Task.WithTimeout();

        var second = new Step(Task.CompletedTask);
        var (secondCaller, secondTask) = InvokeOnOwnThread(middleware, second);
        var secondRan = await second.Ran.Task.WithTimeout();

        Assert.True(firstRan.IsThreadPoolThread);
        Assert.NotEqual(firstCaller, firstRan.ThreadId);
        Assert.Equal(secondCaller, secondRan.ThreadId);
        Assert.True(secondTask.IsCompletedSuccessfully);
        Assert.Equal(1, handoff.InFlight);

        release.SetResult();
        await firstTask.WithTimeout();
        Assert.Equal(0, handoff.InFlight);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Middleware_RequestThrows_ExceptionSurfaces_CountReturnsToWhereItWas(bool otherInFlight)
    {
        await using var gateway = await GatewayHost.StartAsync();
        var handoff = new IdleHandoff(enabled: true);
        if (otherInFlight)
        {
            handoff.Enter(); // so this request runs inline and its step throws synchronously
        }

        var middleware = new RequestTelemetryMiddleware(
            static _ => throw new InvalidOperationException("broken step"),
            gateway.App.Services.GetRequiredService<GatewayTelemetry>(),
            handoff);

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => middleware.InvokeAsync(NewContext()).WithTimeout());

        Assert.Equal("broken step", error.Message);
        Assert.Equal(otherInFlight ? 1 : 0, handoff.InFlight);
    }

    [Theory]
    [InlineData(null, false)]
    [InlineData("true", true)]
    [InlineData("false", false)]
    public async Task Setting_OffUnlessTurnedOn(string? setting, bool handsOff)
    {
        var overrides = new Dictionary<string, string?> { ["Gateway:IdleHandoff"] = setting };
        await using var gateway = await GatewayHost.StartAsync(overrides: setting is null ? null : overrides);
        var handoff = gateway.App.Services.GetRequiredService<IdleHandoff>();

        var first = handoff.Enter();
        handoff.Exit();

        Assert.Equal(handsOff, first);
    }

    private static Task RunStep(HttpContext context)
    {
        var step = (Step)context.Items[typeof(Step)]!;
        step.Ran.TrySetResult((Environment.CurrentManagedThreadId, Thread.CurrentThread.IsThreadPoolThread));
        return step.Finish;
    }

    /// <summary>Calls the middleware from a thread of its own (not a thread-pool thread) and returns that thread's id.</summary>
    private static (int CallerThreadId, Task Pending) InvokeOnOwnThread(RequestTelemetryMiddleware middleware, Step step)
    {
        var context = NewContext();
        context.Items[typeof(Step)] = step;
        Task? pending = null;
        var callerThreadId = 0;
        var thread = new Thread(() =>
        {
            callerThreadId = Environment.CurrentManagedThreadId;
            pending = middleware.InvokeAsync(context);
        });
        thread.Start();
        thread.Join();
        return (callerThreadId, pending!);
    }

    private static DefaultHttpContext NewContext() => new() { Request = { Method = "GET", Path = "/api/tools" } };

    private sealed record Step(Task Finish)
    {
        public TaskCompletionSource<(int ThreadId, bool IsThreadPoolThread)> Ran { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
