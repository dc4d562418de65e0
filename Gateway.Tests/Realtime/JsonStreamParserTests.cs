using System.Text;
using PyAirtable.Gateway.Realtime;

namespace PyAirtable.Gateway.Tests.Realtime;

public sealed class JsonStreamParserTests
{
    private sealed class Sink : IJsonObjectSink
    {
        public List<string> Objects { get; } = [];

        public void OnObject(ReadOnlySpan<byte> json) => Objects.Add(Encoding.UTF8.GetString(json));
    }

    private const string NdJson = "{\"delta\":\"Hel\",\"n\":1}\n{\"delta\":\"lo \\u00e9\\n\",\"nested\":{\"a\":[1,2]}}\r\n\n{\"delta\":\"!\",\"is_complete\":true}\n";

    private const string Sse = ": comment\nevent: chunk\nid: 1\ndata: {\"delta\":\"Hel\",\"n\":1}\n\nretry: 100\ndata:{\"delta\":\"lo \\u00e9\\n\",\r\ndata: \"nested\":{\"a\":[1,2]}}\r\n\r\ndata: {\"delta\":\"!\",\"is_complete\":true}\n\ndata: [DONE]\n\n";

    private static readonly string[] Expected =
    [
        "{\"delta\":\"Hel\",\"n\":1}",
        "{\"delta\":\"lo \\u00e9\\n\",\"nested\":{\"a\":[1,2]}}",
        "{\"delta\":\"!\",\"is_complete\":true}",
    ];

    private static readonly string[] ExpectedSse =
    [
        "{\"delta\":\"Hel\",\"n\":1}",
        "{\"delta\":\"lo \\u00e9\\n\",\n\"nested\":{\"a\":[1,2]}}",
        "{\"delta\":\"!\",\"is_complete\":true}",
    ];

    [Theory]
    [InlineData(NdJson, false)]
    [InlineData(Sse, true)]
    public void Feed_EverySplitPoint_SameObjectsInOrder(string stream, bool sse)
    {
        var bytes = Encoding.UTF8.GetBytes(stream);
        for (var split = 0; split <= bytes.Length; split++)
        {
            for (var second = split; second <= bytes.Length; second += Math.Max(1, bytes.Length / 7))
            {
                var sink = new Sink();
                using var parser = new JsonStreamParser(1024);
                parser.Feed(bytes.AsSpan(0, split), sink);
                parser.Feed(bytes.AsSpan(split, second - split), sink);
                parser.Feed(bytes.AsSpan(second), sink);
                parser.Complete(sink);

                Assert.Equal(sse ? ExpectedSse : Expected, sink.Objects);
            }
        }
    }

    [Theory]
    [InlineData(NdJson, false)]
    [InlineData(Sse, true)]
    public void Feed_ByteByByte_EachObjectAsSoonAsItsLineEnds(string stream, bool sse)
    {
        var bytes = Encoding.UTF8.GetBytes(stream);
        var sink = new Sink();
        using var parser = new JsonStreamParser(1024);
        var firstSeenAt = -1;
        for (var i = 0; i < bytes.Length; i++)
        {
            parser.Feed(bytes.AsSpan(i, 1), sink);
            if (firstSeenAt < 0 && sink.Objects.Count == 1)
            {
                firstSeenAt = i;
            }
        }

        parser.Complete(sink);
        Assert.Equal(sse ? ExpectedSse : Expected, sink.Objects);
        var terminator = sse ? stream.IndexOf("\n\n", StringComparison.Ordinal) + 1 : stream.IndexOf('\n', StringComparison.Ordinal);
        Assert.Equal(terminator, firstSeenAt);
    }

    [Fact]
    public void Complete_LastLineWithoutNewline_Counted()
    {
        var sink = new Sink();
        using var parser = new JsonStreamParser(1024);

        parser.Feed("{\"a\":1}\n{\"b\":2}"u8, sink);
        Assert.Single(sink.Objects);
        parser.Complete(sink);

        Assert.Equal(["{\"a\":1}", "{\"b\":2}"], sink.Objects);
    }

    [Theory]
    [InlineData("not json\n")]
    [InlineData("[1,2]\n")]
    [InlineData("{\"a\":1} {\"b\":2}\n")]
    [InlineData("data: {\"a\":\n\n")]
    public void Feed_NotOneJsonObject_InvalidData(string stream)
    {
        using var parser = new JsonStreamParser(1024);

        Assert.Throws<InvalidDataException>(() =>
        {
            parser.Feed(Encoding.UTF8.GetBytes(stream), new Sink());
            parser.Complete(new Sink());
        });
    }

    [Fact]
    public void Feed_LineOverLimit_InvalidData()
    {
        using var parser = new JsonStreamParser(64);

        Assert.Throws<InvalidDataException>(() => parser.Feed(Encoding.UTF8.GetBytes("{\"a\":\"" + new string('x', 100)), new Sink()));
    }
}
