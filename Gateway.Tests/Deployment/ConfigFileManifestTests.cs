using System.Net;
using Microsoft.Extensions.DependencyInjection;
using PyAirtable.Gateway.Configuration;
using PyAirtable.Gateway.Cors;
using PyAirtable.Gateway.RateLimiting;
using PyAirtable.Gateway.Tests.Infrastructure;
using static PyAirtable.Gateway.Tests.Deployment.DeploymentFiles;

namespace PyAirtable.Gateway.Tests.Deployment;

/// <summary>
/// The reloadable settings file in k8s/: GATEWAY_CONFIG_FILE points into a ConfigMap volume that receives updates
/// (a folder mount, not a subPath; no content hash in the ConfigMap's name, so an update does not roll the pods),
/// and the shipped gateway.json is a file the gateway starts with.
/// </summary>
public sealed class ConfigFileManifestTests
{
    private const string FileConfigMap = "api-gateway-file";

    [Fact]
    public void ConfigFile_IsAConfigMapFolderMount_ThatReceivesUpdates()
    {
        var kustomization = LoadKustomization(PathOf("k8s"));
        var deployment = kustomization.Single("Deployment", "api-gateway");
        var pod = deployment.At("spec", "template", "spec");
        var container = Assert.Single(pod.Items("containers"));
        var envFrom = container.Items("envFrom").Select(e => e.Text("configMapRef", "name")).OfType<string>().Single();
        var path = kustomization.GeneratedConfigMaps[envFrom]["GATEWAY_CONFIG_FILE"];

        var volume = Assert.Single(pod.Items("volumes"), v => v.Text("configMap", "name") == FileConfigMap);
        var mount = Assert.Single(container.Items("volumeMounts"), m => m.Text("name") == volume.Text("name"));
        Assert.Equal(Path.GetDirectoryName(path), mount.Text("mountPath"));
        Assert.Null(mount.Text("subPath"));
        Assert.Equal("true", mount.Text("readOnly"));

        var generator = Assert.Single(LoadYaml(PathOf("k8s", "base", "kustomization.yaml")).Single().Items("configMapGenerator"), g => g.Text("name") == FileConfigMap);
        Assert.Equal("true", generator.Text("options", "disableNameSuffixHash"));
        Assert.Contains(Path.GetFileName(path), generator.Items("files").Select(f => f.Text()));
    }

    [Fact]
    public async Task ShippedConfigFile_StartsTheGateway_WithTheContractDefaults()
    {
        await using var llm = await FakeUpstream.StartAsync();
        await using var gateway = await GatewayHost.StartAsync(null, llm, null, new Dictionary<string, string?>
        {
            ["GATEWAY_CONFIG_FILE"] = PathOf("k8s", "base", "gateway.json"),
        });

        var services = gateway.App.Services;
        Assert.Equal(1000, services.GetRequiredService<ReloadableOptions<RateLimitOptions>>().Current.PerMinute);
        Assert.Equal(10, services.GetRequiredService<ReloadableOptions<RateLimitOptions>>().Current.ChatPerMinute);
        Assert.Equal("http://localhost:3000", services.GetRequiredService<ReloadableOptions<GatewayCorsOptions>>().Current.Origins);
        using var response = await gateway.GetAsync("/api/tools");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }
}
