using System.Net;
using Microsoft.AspNetCore.Http;
using PyAirtable.Gateway.Benchmarks.Load;
using PyAirtable.Gateway.Tests.Infrastructure;

namespace PyAirtable.Gateway.Tests.Benchmarks;

/// <summary>
/// The load generator over real loopback sockets: every response it counts is one the server sent, non-2xx answers and
/// broken connections are errors, and the open loop sends exactly its schedule.
/// </summary>
public sealed class LoadGeneratorTests
{
    private static readonly TimeSpan Short = TimeSpan.FromMilliseconds(300);

    [Fact]
    public async Task ClosedLoop_CountsEveryAnswerTheServerSent()
    {
        var answered = 0;
        var unavailable = 0;
        await using var upstream = await FakeUpstream.StartAsync(async (context, _) =>
        {
            // Every third answer is a 503, so errors are counted from the same stream of responses.
            if (Interlocked.Increment(ref answered) % 3 == 0)
            {
                Interlocked.Increment(ref unavailable);
                context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            }

            await context.Response.WriteAsync("{\"ok\":true}");
        });

        var result = await LoadGenerator.RunAsync(Target(upstream.Port), connections: 4, Short, rate: 0, progress: null, CancellationToken.None);

        Assert.True(result.Requests > 0);
        Assert.Equal(Volatile.Read(ref answered), result.Requests);
        Assert.Equal(Volatile.Read(ref unavailable), result.Non2xx);
        Assert.Equal(result.Requests, result.Latency.Count);
        Assert.Equal(0, result.SocketErrors);
        Assert.Equal("HTTP 503", result.LastError);
    }

    [Fact]
    public async Task ClosedLoop_ServerClosesAfterEachAnswer_ReconnectsWithoutErrors()
    {
        var answered = 0;
        await using var upstream = await FakeUpstream.StartAsync(async (context, _) =>
        {
            Interlocked.Increment(ref answered);
            context.Response.Headers.Connection = "close";
            await context.Response.WriteAsync("bye");
        });

        var result = await LoadGenerator.RunAsync(Target(upstream.Port), connections: 2, Short, rate: 0, progress: null, CancellationToken.None);

        Assert.True(result.Requests > 1);
        Assert.Equal(Volatile.Read(ref answered), result.Requests);
        Assert.Equal(0, result.SocketErrors);
        Assert.Equal(0, result.Non2xx);
    }

    [Fact]
    public async Task OpenLoop_SendsExactlyItsSchedule()
    {
        var answered = 0;
        await using var upstream = await FakeUpstream.StartAsync(async (context, _) =>
        {
            Interlocked.Increment(ref answered);
            await context.Response.WriteAsync("{}");
        });

        // 200 requests/s over 2 connections for 0.5 s: 50 planned sends each, however late the timer fires.
        var result = await LoadGenerator.RunAsync(
            Target(upstream.Port), connections: 2, TimeSpan.FromMilliseconds(500), rate: 200, progress: null, CancellationToken.None);

        Assert.Equal(100, result.Requests);
        Assert.Equal(100, Volatile.Read(ref answered));
        Assert.Equal(100, result.ServiceTime.Count);
        Assert.True(
            result.Latency.ValueAtPercentile(50) >= result.ServiceTime.ValueAtPercentile(50) * 0.99,
            "latency counts from the intended send, so it is never shorter than the service time");
    }

    [Fact]
    public async Task NothingListening_ConnectFailuresCountedNotThrown()
    {
        var refusing = new Uri(Ports.RefusingUrl());

        var result = await LoadGenerator.RunAsync(Target(refusing.Port), connections: 2, Short, rate: 0, progress: null, CancellationToken.None);

        Assert.Equal(0, result.Requests);
        Assert.True(result.SocketErrors >= 2, $"{result.SocketErrors} failures");
        Assert.Contains("ConnectionRefused", result.LastError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnframedAnswer_CountedAsErrorNotAsResponse()
    {
        using var upstream = new RawUpstream("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nno length, no chunks");

        var result = await LoadGenerator.RunAsync(Target(new Uri(upstream.Url).Port), connections: 1, Short, rate: 0, progress: null, CancellationToken.None);

        Assert.Equal(0, result.Requests);
        Assert.True(result.SocketErrors > 0);
        Assert.Contains("Malformed or unframed", result.LastError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cancelled_StopsPromptly()
    {
        await using var upstream = await FakeUpstream.StartAsync();
        using var cancel = new CancellationTokenSource();

        var run = LoadGenerator.RunAsync(Target(upstream.Port), connections: 2, TimeSpan.FromMinutes(5), rate: 0, progress: null, cancel.Token);
        await upstream.NextRequestAsync();
        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run.WithTimeout());
    }

    private static LoadTarget Target(int port)
    {
        const string path = "/bench/json?size=16";
        var endpoint = new IPEndPoint(IPAddress.Loopback, port);
        return new LoadTarget("test", endpoint, path, RequestTemplate.Encode("GET", path, endpoint.ToString(), 0), process: null);
    }
}
