using System.Text;
using PyAirtable.Gateway.Benchmarks.Load;

namespace PyAirtable.Gateway.Tests.Benchmarks;

/// <summary>
/// The load generator's response framer: a response counts as complete exactly at its last byte, however the bytes
/// arrive, and anything it cannot frame is refused instead of being miscounted.
/// </summary>
public sealed class ResponseParserTests
{
    private const string ContentLengthResponse = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 11\r\n\r\n{\"ok\":true}";

    private const string ChunkedResponse =
        "HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n5;name=value\r\nhello\r\n6\r\n world\r\n0\r\nX-Trailer: 1\r\n\r\n";

    public static TheoryData<string, int> Responses() => new()
    {
        { ContentLengthResponse, 200 },
        { ChunkedResponse, 201 },
        { "HTTP/1.1 204 No Content\r\nDate: x\r\n\r\n", 204 },
        { "HTTP/1.1 304 Not Modified\r\n\r\n", 304 },
        { "HTTP/1.0 404\r\nContent-Length: 3\r\n\r\nnot", 404 },
        { "HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n", 200 },
        { "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 503 Service Unavailable\r\nContent-Length: 2\r\n\r\nno", 503 },
        { "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\nA\r\n0123456789\r\n0\r\n\r\n", 200 },
    };

    [Theory]
    [MemberData(nameof(Responses))]
    public void Parse_WholeResponse_CompleteAtItsLastByte(string response, int status)
    {
        var bytes = Encoding.ASCII.GetBytes(response);
        var parser = new ResponseParser();
        parser.Reset();

        Assert.Equal(ParseStatus.Complete, parser.Parse(bytes, out var consumed));
        Assert.Equal(bytes.Length, consumed);
        Assert.Equal(status, parser.StatusCode);
    }

    [Theory]
    [MemberData(nameof(Responses))]
    public void Parse_SplitAtEveryPosition_SameOutcome(string response, int status)
    {
        var bytes = Encoding.ASCII.GetBytes(response);
        for (var split = 1; split < bytes.Length; split++)
        {
            var (outcome, consumed, code) = FeedInTwo(bytes, split);
            Assert.True(outcome == ParseStatus.Complete, $"split at {split}: {outcome}");
            Assert.Equal(bytes.Length, consumed);
            Assert.Equal(status, code);
        }
    }

    [Theory]
    [MemberData(nameof(Responses))]
    public void Parse_ByteByByte_NotCompleteBeforeTheLastByte(string response, int status)
    {
        var bytes = Encoding.ASCII.GetBytes(response);
        var parser = new ResponseParser();
        parser.Reset();
        var pending = new List<byte>();
        for (var i = 0; i < bytes.Length; i++)
        {
            pending.Add(bytes[i]);
            var outcome = parser.Parse(pending.ToArray(), out var consumed);
            pending.RemoveRange(0, consumed);
            if (i < bytes.Length - 1)
            {
                Assert.True(outcome == ParseStatus.NeedMore, $"byte {i}: {outcome}");
            }
            else
            {
                Assert.Equal(ParseStatus.Complete, outcome);
                Assert.Empty(pending);
            }
        }

        Assert.Equal(status, parser.StatusCode);
    }

    [Fact]
    public void Parse_TwoPipelinedResponses_StopsAtTheFirstEnd()
    {
        var first = Encoding.ASCII.GetBytes(ContentLengthResponse);
        var both = Encoding.ASCII.GetBytes(ContentLengthResponse + ChunkedResponse);
        var parser = new ResponseParser();
        parser.Reset();

        Assert.Equal(ParseStatus.Complete, parser.Parse(both, out var consumed));
        Assert.Equal(first.Length, consumed);
        Assert.Equal(200, parser.StatusCode);

        parser.Reset();
        Assert.Equal(ParseStatus.Complete, parser.Parse(both.AsSpan(consumed), out var rest));
        Assert.Equal(both.Length - first.Length, rest);
        Assert.Equal(201, parser.StatusCode);
    }

    [Theory]
    [InlineData("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n", true)]
    [InlineData("HTTP/1.1 200 OK\r\nconnection: keep-alive, CLOSE\r\nContent-Length: 0\r\n\r\n", true)]
    [InlineData("HTTP/1.1 200 OK\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n", false)]
    public void Parse_ConnectionHeader_ReportsClose(string response, bool close)
    {
        var parser = new ResponseParser();
        parser.Reset();

        Assert.Equal(ParseStatus.Complete, parser.Parse(Encoding.ASCII.GetBytes(response), out _));
        Assert.Equal(close, parser.ConnectionClose);
    }

    [Theory]
    [InlineData("HTTP/1.1 200 OK\r\n\r\n")] // no framing: the body would run until the connection closes
    [InlineData("HTTP/2 200\r\nContent-Length: 0\r\n\r\n")]
    [InlineData("HTTP/1.1 2x0 OK\r\nContent-Length: 0\r\n\r\n")]
    [InlineData("HTTP/1.1 20 OK\r\nContent-Length: 0\r\n\r\n")]
    [InlineData("HTTP/1.1 2000 OK\r\nContent-Length: 0\r\n\r\n")]
    [InlineData("HTTP/1.1 099 OK\r\nContent-Length: 0\r\n\r\n")]
    [InlineData("SSH-2.0-OpenSSH\r\n\r\n")]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n")]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: 12abc\r\n\r\n")]
    [InlineData("HTTP/1.1 200 OK\r\nno colon here\r\nContent-Length: 0\r\n\r\n")]
    [InlineData("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n")]
    [InlineData("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabXY0\r\n\r\n")]
    public void Parse_Unframeable_Invalid(string response)
    {
        var parser = new ResponseParser();
        parser.Reset();

        Assert.Equal(ParseStatus.Invalid, parser.Parse(Encoding.ASCII.GetBytes(response), out _));
    }

    [Fact]
    public void Parse_EndlessChunkSizeLine_InvalidInsteadOfWaitingForever()
    {
        var parser = new ResponseParser();
        parser.Reset();
        var head = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"u8.ToArray();
        var bytes = head.Concat(Enumerable.Repeat((byte)'1', 9000)).ToArray();

        Assert.Equal(ParseStatus.Invalid, parser.Parse(bytes, out _));
    }

    private static (ParseStatus Outcome, int Consumed, int Status) FeedInTwo(byte[] bytes, int split)
    {
        var parser = new ResponseParser();
        parser.Reset();
        var first = parser.Parse(bytes.AsSpan(0, split), out var consumed);
        if (first != ParseStatus.NeedMore)
        {
            return (first, consumed, parser.StatusCode);
        }

        // As the connection does: unconsumed bytes are fed again together with the next ones.
        var outcome = parser.Parse(bytes.AsSpan(consumed), out var more);
        return (outcome, consumed + more, parser.StatusCode);
    }
}
