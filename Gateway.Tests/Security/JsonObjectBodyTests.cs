using System.Buffers;
using System.Text;
using PyAirtable.Gateway.Forwarding;

namespace PyAirtable.Gateway.Tests.Security;

/// <summary>The chat and execute-tool bodies: a JSON content type and exactly one JSON object, nothing before or after it.</summary>
public sealed class JsonObjectBodyTests
{
    private static string? Check(string body) => JsonObjectBody.Check(new ReadOnlySequence<byte>(Encoding.UTF8.GetBytes(body)));

    private static string? Check(byte[] body) => JsonObjectBody.Check(new ReadOnlySequence<byte>(body));

    private static string Nested(int depth) => string.Concat(Enumerable.Repeat("{\"a\":", depth - 1)) + "{}" + new string('}', depth - 1);

    [Theory]
    [InlineData("{}")]
    [InlineData("{\"message\":\"hi\",\"session_id\":\"s1\"}")]
    [InlineData("  \r\n\t{\"a\":[1,2,{\"b\":null}]}\r\n  ")]
    [InlineData("{\"text\":\"caf\u00e9 \\u00e9 \\ud83d\\ude00\"}")]
    [InlineData("{\"a\":{\"b\":{\"c\":[[[]]]}}}")]
    public void Check_OneJsonObject_Accepted(string body)
    {
        Assert.Null(Check(body));
    }

    [Fact]
    public void Check_Empty_RefusedAsEmpty()
    {
        Assert.Contains("empty", Check(""), StringComparison.OrdinalIgnoreCase);
    }

    [Theory]
    [InlineData(" ")]
    [InlineData("\r\n\t ")]
    [InlineData("[]")]
    [InlineData("[{}]")]
    [InlineData("\"{}\"")]
    [InlineData("1")]
    [InlineData("null")]
    [InlineData("true")]
    public void Check_WhitespaceOrNotAnObject_Refused(string body)
    {
        Assert.NotNull(Check(body));
    }

    [Theory]
    [InlineData("{}{}")]
    [InlineData("{} {}")]
    [InlineData("{}[]")]
    [InlineData("{}1")]
    [InlineData("{}x")]
    [InlineData("{}}")]
    [InlineData("{}]")]
    [InlineData("{},")]
    [InlineData("{}\u0000")]
    [InlineData("{} // trailing comment")]
    public void Check_TrailingGarbage_Refused(string body)
    {
        Assert.NotNull(Check(body));
    }

    [Theory]
    [InlineData("{")]
    [InlineData("{\"a\":")]
    [InlineData("{\"a\":1,}")]
    [InlineData("{'a':1}")]
    [InlineData("{a:1}")]
    [InlineData("{\"a\":01}")]
    [InlineData("{\"a\":NaN}")]
    [InlineData("{/* comment */}")]
    [InlineData("{\"a\":\"unterminated}")]
    [InlineData("{\"a\":\"ctrl\u0001char\"}")]
    public void Check_MalformedJson_Refused(string body)
    {
        Assert.NotNull(Check(body));
    }

    [Fact]
    public void Check_ByteOrderMark_Refused()
    {
        Assert.NotNull(Check([0xEF, 0xBB, 0xBF, .. "{}"u8]));
    }

    [Fact]
    public void Check_NestedUpTo64Levels_Accepted_DeeperRefused()
    {
        Assert.Null(Check(Nested(64)));
        Assert.NotNull(Check(Nested(65)));
        Assert.NotNull(Check(Nested(10_000)));
    }

    [Theory]
    [InlineData("{\"message\":\"hi\",\"n\":[1,2,3]}", true)]
    [InlineData("{}{}", false)]
    [InlineData("[]", false)]
    public void Check_BodySplitAtEveryByte_SameVerdict(string body, bool valid)
    {
        var bytes = Encoding.UTF8.GetBytes(body);
        for (var split = 1; split < bytes.Length; split++)
        {
            var verdict = JsonObjectBody.Check(Segments.Of(bytes[..split], bytes[split..]));
            Assert.True(valid == verdict is null, $"split at {split}: {verdict}");
        }
    }

    [Theory]
    [InlineData("application/json")]
    [InlineData("application/json; charset=utf-8")]
    [InlineData("APPLICATION/JSON;charset=UTF-8")]
    [InlineData("  application/json  ")]
    [InlineData("application/problem+json")]
    [InlineData("application/vnd.api+json; ext=bulk")]
    public void IsJsonContentType_JsonMediaTypes_True(string contentType)
    {
        Assert.True(JsonObjectBody.IsJsonContentType(contentType));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("text/json")]
    [InlineData("text/plain")]
    [InlineData("application/jsonx")]
    [InlineData("application/json-seq")]
    [InlineData("application/x-www-form-urlencoded")]
    [InlineData("multipart/form-data; boundary=json")]
    [InlineData("text/plain; charset=application/json")]
    [InlineData("application/json+xml")]
    public void IsJsonContentType_OtherMediaTypes_False(string? contentType)
    {
        Assert.False(JsonObjectBody.IsJsonContentType(contentType));
    }

    [Theory]
    [InlineData(new byte[] { 0xFF })]
    [InlineData(new byte[] { 0xC0, 0xAE })]
    [InlineData(new byte[] { 0xED, 0xA0, 0x80 })]
    [InlineData(new byte[] { 0xE2, 0x82 })]
    public void Check_InvalidUtf8InString_Refused(byte[] bad)
    {
        Assert.Equal("The request body is not valid UTF-8.", Check([.. "{\"a\":\""u8, .. bad, .. "\"}"u8]));
    }

    [Fact]
    public void Check_CharacterSplitAcrossSegments_Accepted()
    {
        // "é" is C3 A9: the first segment ends after C3.
        Assert.Null(JsonObjectBody.Check(Segments.Of([.. "{\"a\":\"caf"u8, 0xC3], [0xA9, .. "\"}"u8])));
    }

    [Fact]
    public void Check_InvalidUtf8AcrossSegments_Refused()
    {
        Assert.Equal("The request body is not valid UTF-8.", JsonObjectBody.Check(Segments.Of([.. "{\"a\":\"caf"u8, 0xC3], [0x41, .. "\"}"u8])));
    }

    /// <summary>A body that arrived in several reads, as the request pipe hands it over.</summary>
    private sealed class Segments : ReadOnlySequenceSegment<byte>
    {
        private Segments(byte[] bytes, long runningIndex)
        {
            Memory = bytes;
            RunningIndex = runningIndex;
        }

        public static ReadOnlySequence<byte> Of(byte[] first, byte[] second)
        {
            var head = new Segments(first, 0);
            var tail = new Segments(second, first.Length);
            head.Next = tail;
            return new ReadOnlySequence<byte>(head, 0, tail, second.Length);
        }
    }
}
