using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using PyAirtable.Gateway.GraphQL;
using PyAirtable.Gateway.Tests.Infrastructure;

namespace PyAirtable.Gateway.Tests.GraphQL;

/// <summary>Issue 25 over real sockets: queries, mutations, variables and fragments reach the services through the routes.</summary>
public sealed class GraphQLQueryTests
{
    [Fact]
    public async Task Query_ThreeOperationsOnTwoServices_OneRequestEach()
    {
        await using var fixture = await GraphQLFixture.StartAsync();

        var body = await fixture.QueryAsync("""
            {
              tools { tools { name description } }
              sessionHistory(id: "s1") { sessionId messages { role content } }
              records(baseId: "app1", tableId: "tbl1") { records { id createdTime fields } }
            }
            """);

        Assert.False(body.TryGetProperty("errors", out _), body.ToString());
        var data = body.GetProperty("data");
        Assert.Equal("list_records", data.GetProperty("tools").GetProperty("tools")[0].GetProperty("name").GetString());
        Assert.Equal("s1", data.GetProperty("sessionHistory").GetProperty("sessionId").GetString());
        Assert.Equal("user", data.GetProperty("sessionHistory").GetProperty("messages")[0].GetProperty("role").GetString());
        var record = data.GetProperty("records").GetProperty("records")[0];
        Assert.Equal("rec1", record.GetProperty("id").GetString());
        Assert.True(record.GetProperty("fields").GetProperty("Done").GetBoolean());
        Assert.Equal(1, GraphQLFixture.Count(fixture.Llm, "GET", "/tools"));
        Assert.Equal(1, GraphQLFixture.Count(fixture.Llm, "GET", "/sessions/s1/history"));
        Assert.Equal(1, GraphQLFixture.Count(fixture.Airtable, "GET", "/bases/app1/tables/tbl1/records"));
        Assert.Equal(3, fixture.ApiCalls);
    }
}
