using System.Buffers;
using System.Text;
using PyAirtable.Gateway.Transforms;

namespace PyAirtable.Gateway.Tests.Routing;

/// <summary>CONTRACT-2 "The v2 chat body": the pure transformation over the held bytes.</summary>
public sealed class V2ChatBodyTests
{
    private static (string? Problem, string Output) Transform(string json, int segmentSize = 0)
    {
        var bytes = Encoding.UTF8.GetBytes(json);
        var body = segmentSize > 0 ? Segmented(bytes, segmentSize) : new ReadOnlySequence<byte>(bytes);
        var output = new byte[V2ChatBody.MaxOutputLength(body.Length)];
        var problem = V2ChatBody.TryTransform(body, output, out var written);
        return (problem, Encoding.UTF8.GetString(output, 0, written));
    }

    private static string Transformed(string json, int segmentSize = 0)
    {
        var (problem, output) = Transform(json, segmentSize);
        Assert.Null(problem);
        return output;
    }

    [Fact]
    public void Transform_FrontendBody_BecomesOrchestratorBodyInClientOrder()
    {
        Assert.Equal(
            """{"message":"Hello","session_id":"s1","base_id":"app1"}""",
            Transformed("""{"messages": [{"role": "user", "content": "Hello"}], "session_id": "s1", "base_id": "app1"}"""));
    }

    [Fact]
    public void Transform_SeveralMessages_TakesTheLastUserMessage()
    {
        Assert.Equal(
            """{"message":"second","k":1}""",
            Transformed("""{"k":1,"messages":[{"role":"user","content":"first"},{"role":"assistant","content":"reply"},{"content":"second","role":"user"},{"role":"system","content":"sys"}]}"""));
    }

    [Fact]
    public void Transform_BigNumbersEscapesAndNesting_CopiedByteForByte()
    {
        const string Json = """
            {"messages":[{"role":"user","content":"caf\u00e9 \ud83d\ude00 \"q\" \/"}],
             "huge": 1e400, "long":12345678901234567890, "neg": -0.000000000000000000001E-5,
             "nested" : { "a" : [ 1 , {"b": null, "c": "\u0041"} ], "t": true },
             "caf\u00e9": "x", "empty": {}, "list": []}
            """;

        Assert.Equal(
            """{"message":"caf\u00e9 \ud83d\ude00 \"q\" \/","huge":1e400,"long":12345678901234567890,"neg":-0.000000000000000000001E-5,"nested":{ "a" : [ 1 , {"b": null, "c": "\u0041"} ], "t": true },"caf\u00e9":"x","empty":{},"list":[]}""",
            Transformed(Json));
    }

    [Fact]
    public void Transform_DuplicateKeys_KeptInOrder_LastMessagesCounts_ClientMessageDropped()
    {
        Assert.Equal(
            """{"message":"real","a":1,"a":2}""",
            Transformed("""{"messages":[{"role":"user","content":"old"}],"a":1,"message":"client's own","messages":[{"role":"user","role":"user","content":"x","content":"real"}],"a":2}"""));
    }

    [Fact]
    public void Transform_TenThousandMessages_FindsTheLastUserOne()
    {
        var json = new StringBuilder("""{"session_id":"s","messages":[""");
        for (var i = 0; i < 10_000; i++)
        {
            var role = i % 3 == 0 ? "user" : "assistant";
            json.Append(i == 0 ? "" : ",").Append($$$"""{"role":"{{{role}}}","content":"m{{{i}}}","meta":{"i":{{{i}}}}}""");
        }

        json.Append("]}");

        Assert.Equal("""{"message":"m9999","session_id":"s"}""", Transformed(json.ToString()));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(7)]
    public void Transform_BodyInManySegments_SameBytes(int segmentSize)
    {
        const string Json = """{"x":{"deep":[1,2,3]},"messages":[{"role":"user","content":"h\u00e9llo wörld"}],"n":1e400}""";

        Assert.Equal(Transformed(Json), Transformed(Json, segmentSize));
    }

    [Theory]
    [InlineData("""{"session_id":"s1"}""", V2ChatBody.EmptyMessages)]
    [InlineData("""{"messages":null}""", V2ChatBody.EmptyMessages)]
    [InlineData("""{"messages":[]}""", V2ChatBody.EmptyMessages)]
    [InlineData("""{"messages":[{"role":"assistant","content":"hi"},{"content":"no role"}]}""", V2ChatBody.NoUserMessage)]
    [InlineData("""{"messages":[{"role":"USER","content":"case matters"}]}""", V2ChatBody.NoUserMessage)]
    [InlineData("""{"messages":[{"role":"user"}]}""", V2ChatBody.EmptyContent)]
    [InlineData("""{"messages":[{"role":"user","content":null}]}""", V2ChatBody.EmptyContent)]
    [InlineData("""{"messages":[{"role":"user","content":""}]}""", V2ChatBody.EmptyContent)]
    [InlineData("""{"messages":[{"role":"user","content":"ok"},{"role":"user","content":""}]}""", V2ChatBody.EmptyContent)]
    public void Transform_ContractProblems_ExactTexts(string json, string expected)
    {
        var (problem, _) = Transform(json);

        Assert.Equal(expected, problem);
    }

    [Theory]
    [InlineData("""{"messages":"Hello"}""", "'messages'")]
    [InlineData("""{"messages":{"role":"user","content":"x"}}""", "'messages'")]
    [InlineData("""{"messages":[{"role":"user","content":"x"},42]}""", "'messages[1]'")]
    [InlineData("""{"messages":[{"role":"assistant","content":"x"},{"role":"user","content":42}]}""", "'messages[1].content'")]
    [InlineData("""{"messages":[{"role":"user","content":["parts"]}]}""", "'messages[0].content'")]
    [InlineData("""{"messages":[{"role":"user","content":{"text":"x"}}]}""", "'messages[0].content'")]
    public void Transform_WrongTypes_ProblemNamesTheField(string json, string field)
    {
        var (problem, _) = Transform(json);

        Assert.NotNull(problem);
        Assert.Contains(field, problem, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"messages":[{"role":"user","content":"a"}]}""")]
    [InlineData("""{"messages":[{"role":"user","content":"a"}],"message":"bigger than the rest together, almost"}""")]
    [InlineData("""{"a":1,"b":[1,2],"messages":[{"role":"user","content":"x"}],"c":{"d":null}}""")]
    public void Transform_Output_NeverLongerThanInput(string json)
    {
        Assert.True(Encoding.UTF8.GetByteCount(Transformed(json)) <= Encoding.UTF8.GetByteCount(json));
    }

    private static ReadOnlySequence<byte> Segmented(byte[] bytes, int size)
    {
        Segment? first = null;
        Segment? last = null;
        for (var i = 0; i < bytes.Length; i += size)
        {
            var chunk = bytes.AsMemory(i, Math.Min(size, bytes.Length - i));
            last = last is null ? first = new Segment(chunk, 0) : last.Append(chunk);
        }

        return new ReadOnlySequence<byte>(first!, 0, last!, last!.Memory.Length);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory, RunningIndex + Memory.Length);
            Next = next;
            return next;
        }
    }
}
