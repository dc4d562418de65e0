using Microsoft.AspNetCore.Http;
using PyAirtable.Gateway.Auth;

namespace PyAirtable.Gateway.Tests.Security;

/// <summary>Framing two parsers could read differently is refused: anything but one <c>chunked</c> alone, or a length with it.</summary>
public sealed class RequestFramingTests
{
    private static bool IsUnambiguous(string[]? transferEncoding = null, long? contentLength = null, string? movedContentLength = null)
    {
        var request = new DefaultHttpContext().Request;
        if (transferEncoding is not null)
        {
            request.Headers.TransferEncoding = transferEncoding;
        }

        request.ContentLength = contentLength;
        if (movedContentLength is not null)
        {
            request.Headers[RequestFraming.MovedContentLength] = movedContentLength;
        }

        return RequestFraming.IsUnambiguous(request);
    }

    [Fact]
    public void IsUnambiguous_NoBodyFraming_True()
    {
        Assert.True(IsUnambiguous());
    }

    [Theory]
    [InlineData(0L)]
    [InlineData(5L)]
    public void IsUnambiguous_ContentLengthAlone_True(long length)
    {
        Assert.True(IsUnambiguous(contentLength: length));
    }

    [Theory]
    [InlineData("chunked")]
    [InlineData("Chunked")]
    [InlineData("CHUNKED")]
    public void IsUnambiguous_OneChunkedAlone_True(string value)
    {
        Assert.True(IsUnambiguous([value]));
    }

    [Fact]
    public void IsUnambiguous_ChunkedWithContentLength_False()
    {
        Assert.False(IsUnambiguous(["chunked"], contentLength: 5));
    }

    [Fact]
    public void IsUnambiguous_ChunkedWithTheLengthKestrelMovedAside_False()
    {
        Assert.False(IsUnambiguous(["chunked"], movedContentLength: "5"));
    }

    [Theory]
    [InlineData("chunked, chunked")]
    [InlineData("gzip, chunked")]
    [InlineData("chunked, gzip")]
    [InlineData("identity")]
    [InlineData("gzip")]
    [InlineData("chunked;q=1")]
    [InlineData("xchunked")]
    [InlineData("")]
    public void IsUnambiguous_AnyOtherTransferEncoding_False(string value)
    {
        Assert.False(IsUnambiguous([value]));
    }

    [Fact]
    public void IsUnambiguous_ChunkedRepeatedInTwoHeaders_False()
    {
        Assert.False(IsUnambiguous(["chunked", "chunked"]));
    }
}
