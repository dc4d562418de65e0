using PyAirtable.Gateway.Routing;

namespace PyAirtable.Gateway.Tests.Routing;

/// <summary>Raw capture of a route's parameters and their substitution into the upstream path template.</summary>
public sealed class PathTemplateTests
{
    private static string? Upstream(string template, string upstreamTemplate, string rawPath)
    {
        var path = PathTemplate.TryCreate(template, out var problem);
        Assert.Null(problem);
        var upstream = UpstreamTemplate.TryCreate(upstreamTemplate, path!.Parameters, out problem);
        Assert.Null(problem);
        var captures = new Range[path.Parameters.Length];
        if (!path.TryCapture(rawPath, captures, out var trailingSlash))
        {
            return null;
        }

        var buffer = new char[upstream!.Length(rawPath, captures)];
        upstream.Write(rawPath, captures, buffer);
        return new string(buffer) + (trailingSlash && !upstream.EndsWithSlash ? "/" : "");
    }

    [Theory]
    [InlineData("/api/sessions/{id}/history", "/sessions/{id}/history", "/api/sessions/a%2Fb%20c+d/history", "/sessions/a%2Fb%20c+d/history")]
    [InlineData("/api/airtable/{**path}", "/{**path}", "/api/airtable/bases/app%C3%A9/t%2F1", "/bases/app%C3%A9/t%2F1")]
    [InlineData("/api/airtable/{**path}", "/{**path}", "/api/airtable", "/")]
    [InlineData("/api/airtable/{**path}", "/{**path}", "/api/airtable/", "/")]
    [InlineData("/api/airtable/{**path}", "/{**path}", "/api/airtable//x", "//x")]
    [InlineData("/api/v2/reports/{kind}/{**rest}", "/r/{rest}/k/{kind}", "/api/v2/reports/daily/2026/12%2F05", "/r/2026/12%2F05/k/daily")]
    [InlineData("/api/tools", "/tools", "/api/%74ools", "/tools")]
    [InlineData("/api/tools", "/tools", "/api/tools/", "/tools/")]
    [InlineData("/api/items/{id?}", "/items/{id}", "/api/items", "/items/")]
    public void Capture_RawValues_SubstitutedByteForByte(string template, string upstream, string raw, string expected)
    {
        Assert.Equal(expected, Upstream(template, upstream, raw));
    }

    [Theory]
    [InlineData("/api/sessions/{id}/history", "/api/sessions/x")]
    [InlineData("/api/sessions/{id}/history", "/api/sessions/x/history/more")]
    [InlineData("/api/tools", "/api/tools//")]
    public void Capture_PathOfAnotherShape_Refused(string template, string raw)
    {
        Assert.Null(Upstream(template, "/x", raw));
    }

    [Theory]
    [InlineData("api/x", "must start with '/'")]
    [InlineData("/api/x/{id", "not a valid route template")]
    [InlineData("/api/x/pre{id}", "whole segment")]
    [InlineData("/api/{**a}/b", "not a valid route template")]
    public void Create_BadTemplate_SaysWhy(string template, string expected)
    {
        Assert.Null(PathTemplate.TryCreate(template, out var problem));
        Assert.Contains(expected, problem, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/x/{nope}", "not a parameter of Path")]
    [InlineData("x/{id}", "must start with '/'")]
    [InlineData("/x?y=1", "without query")]
    [InlineData("/x/{id", "without '}'")]
    public void Upstream_BadTemplate_SaysWhy(string upstream, string expected)
    {
        Assert.Null(UpstreamTemplate.TryCreate(upstream, ["id"], out var problem));
        Assert.Contains(expected, problem, StringComparison.Ordinal);
    }
}
