using System.Collections.Frozen;
using System.Text.Json;
using YamlDotNet.RepresentationModel;
using static PyAirtable.Gateway.Tests.Deployment.DeploymentFiles;

// Test names read Subject_Condition_Outcome (STYLE.md).
#pragma warning disable CA1707

namespace PyAirtable.Gateway.Tests.Deployment;

/// <summary>
/// The Dockerfile and the Kubernetes manifests in k8s/ must agree with the gateway's contract
/// (port, probe routes, environment variable names, drain timing, non-root user), so that a
/// change on either side cannot drift apart from the other silently.
/// </summary>
public sealed class ManifestConsistencyTests
{
    /// <summary>
    /// Every environment variable the gateway reads (CONTRACT.md and the issues that extend it).
    /// This list is to be replaced by the names from the gateway's own configuration mapping
    /// (the one place that maps the flat contract names onto options) once that mapping exists,
    /// so that renaming a setting in the code fails this test instead of breaking a deployment.
    /// </summary>
    private static readonly FrozenSet<string> KnownVariables = new[]
    {
        "AIRTABLE_GATEWAY_URL", "MCP_SERVER_URL", "LLM_ORCHESTRATOR_URL",
        "AIRTABLE_GATEWAY_BACKUP_URL", "LLM_ORCHESTRATOR_BACKUP_URL", "MCP_SERVER_BACKUP_URL",
        "API_KEY", "JWT_SECRET", "JWT_AUTHORITY", "JWT_ISSUER", "JWT_AUDIENCE",
        "CORS_ORIGINS", "HEALTH_CHECK_TIMEOUT", "UPSTREAM_TIMEOUT", "MAX_REQUEST_BODY_BYTES",
        "RATE_LIMIT_PER_MINUTE", "CHAT_RATE_LIMIT_PER_MINUTE", "REDIS_URL",
        "DRAIN_TIMEOUT", "OTEL_EXPORTER_OTLP_ENDPOINT", "GATEWAY_CONFIG_FILE",
    }.ToFrozenSet(StringComparer.Ordinal);

    /// <summary>Runtime and hosting settings that are not the gateway's own (ASP.NET Core, .NET runtime).</summary>
    private static readonly string[] RuntimeVariablePrefixes = ["ASPNETCORE_", "DOTNET_"];

    private static readonly string[] BothPolicyTypes = ["Ingress", "Egress"];

    private const int GatewayPort = 8000;
    private const int DefaultDrainTimeoutSeconds = 30; // CONTRACT.md: DRAIN_TIMEOUT default
    private const string Namespace = "pyairtable";
    private const string GatewayName = "api-gateway";

    /// <summary>The upstream services: their in-cluster Service names and ports (the Python stack's).</summary>
    private static readonly (string Variable, string Host, int Port)[] Upstreams =
    [
        ("AIRTABLE_GATEWAY_URL", "airtable-gateway", 8002),
        ("MCP_SERVER_URL", "mcp-server", 8001),
        ("LLM_ORCHESTRATOR_URL", "llm-orchestrator", 8003),
    ];

    private static readonly Lazy<Kustomization> Default = new(() => LoadKustomization(PathOf("k8s")));
    private static readonly Lazy<Kustomization> WithRedis = new(() => LoadKustomization(PathOf("k8s", "overlays", "redis")));
    private static readonly Lazy<Kustomization> RedisComponent = new(() => LoadKustomization(PathOf("k8s", "components", "redis")));
    private static readonly Lazy<Kustomization> MonitoringComponent = new(() => LoadKustomization(PathOf("k8s", "components", "servicemonitor")));
    private static readonly Lazy<IReadOnlyList<IReadOnlyList<Instruction>>> Dockerfile = new(() => ReadDockerfileStages(PathOf("Dockerfile")));

    private static string SecretTemplatePath => PathOf("k8s", "base", "secret.template.yaml");

    // ------------------------------------------------------------------ ports and probes

    [Fact]
    public void Probes_StartupAndLivenessOnLivez_ReadinessOnReadyz_AllOnTheGatewayPort()
    {
        var container = GatewayContainer(Default.Value);

        Assert.Equal("/livez", container.Text("startupProbe", "httpGet", "path"));
        Assert.Equal("/livez", container.Text("livenessProbe", "httpGet", "path"));
        Assert.Equal("/readyz", container.Text("readinessProbe", "httpGet", "path"));
        foreach (var probe in new[] { "startupProbe", "livenessProbe", "readinessProbe" })
        {
            Assert.Equal(GatewayPort, ResolveContainerPort(container, container.Text(probe, "httpGet", "port")));
        }
    }

    [Fact]
    public void ContainerPort_Is8000_AndTheImageListensAndExposesIt()
    {
        var ports = GatewayContainer(Default.Value).Items("ports");

        var port = Assert.Single(ports);
        Assert.Equal(GatewayPort, port.Number("containerPort"));
        Assert.Equal("TCP", port.Text("protocol") ?? "TCP");

        var runtime = RuntimeStageEnvironment();
        Assert.Equal(GatewayPort.ToString(System.Globalization.CultureInfo.InvariantCulture), runtime.GetValueOrDefault("ASPNETCORE_HTTP_PORTS"));
        Assert.DoesNotContain("ASPNETCORE_URLS", runtime.Keys); // it would override ASPNETCORE_HTTP_PORTS
        Assert.Contains(Dockerfile.Value[^1], i => i.Keyword == "EXPOSE" && i.Arguments.Split(' ').Contains($"{GatewayPort}"));
    }

    [Fact]
    public void Service_SelectsTheGatewayPods_AndTargetsPort8000()
    {
        var service = Default.Value.Single("Service", GatewayName);
        var podLabels = GatewayDeployment(Default.Value).Pairs("spec", "template", "metadata", "labels");

        Assert.NotEmpty(service.Pairs("spec", "selector"));
        Assert.All(service.Pairs("spec", "selector"), kv => Assert.Equal(kv.Value, podLabels.GetValueOrDefault(kv.Key)));
        var port = Assert.Single(service.Items("spec", "ports"));
        Assert.Equal(GatewayPort, port.Number("port"));
        Assert.Equal(GatewayPort, ResolveContainerPort(GatewayContainer(Default.Value), port.Text("targetPort")));
    }

    [Fact]
    public void Pods_AreScrapedForMetrics_OnTheGatewayPort()
    {
        var annotations = GatewayDeployment(Default.Value).Pairs("spec", "template", "metadata", "annotations");

        Assert.Equal("true", annotations.GetValueOrDefault("prometheus.io/scrape"));
        Assert.Equal($"{GatewayPort}", annotations.GetValueOrDefault("prometheus.io/port"));
        Assert.Equal("/metrics", annotations.GetValueOrDefault("prometheus.io/path"));

        // The optional ServiceMonitor scrapes the same path through the Service's named port.
        var monitor = MonitoringComponent.Value.Single("ServiceMonitor", GatewayName);
        var endpoint = Assert.Single(monitor.Items("spec", "endpoints"));
        Assert.Equal("/metrics", endpoint.Text("path"));
        var servicePort = Assert.Single(Default.Value.Single("Service", GatewayName).Items("spec", "ports"));
        Assert.Equal(servicePort.Text("name"), endpoint.Text("port"));
    }

    // ------------------------------------------------------------------ configuration

    [Fact]
    public void EnvironmentVariables_InConfigMapSecretDeploymentAndImage_AreAllKnownToTheGateway()
    {
        var names = new List<(string Name, string Source)>();
        foreach (var (variant, kustomization) in new[] { ("k8s", Default.Value), ("k8s/overlays/redis", WithRedis.Value) })
        {
            foreach (var (configMap, data) in kustomization.GeneratedConfigMaps)
            {
                names.AddRange(data.Keys.Select(k => (k, $"ConfigMap {configMap} ({variant})")));
            }

            foreach (var env in GatewayContainer(kustomization).Items("env"))
            {
                names.Add((env.Text("name")!, $"Deployment env ({variant})"));
            }
        }

        var secret = LoadYaml(SecretTemplatePath).Single();
        names.AddRange(secret.Pairs("stringData").Keys.Concat(secret.Pairs("data").Keys).Select(k => (k, "Secret template")));
        names.AddRange(RuntimeStageEnvironment().Keys.Select(k => (k, "Dockerfile ENV")));

        var unknown = names.Where(n => !IsKnownVariable(n.Name)).Select(n => $"{n.Name} ({n.Source})").Distinct().ToList();
        Assert.True(unknown.Count == 0, "Not a variable the gateway reads: " + string.Join(", ", unknown));
        Assert.Contains(names, n => n.Source.StartsWith("ConfigMap", StringComparison.Ordinal)); // the files were read at all
    }

    [Fact]
    public void Deployment_TakesItsEnvironmentFromTheGeneratedConfigMapAndTheTemplatedSecret()
    {
        var envFrom = GatewayContainer(Default.Value).Items("envFrom");
        var secretTemplate = LoadYaml(SecretTemplatePath).Single();

        var configMapRefs = envFrom.Select(e => e.Text("configMapRef", "name")).OfType<string>().ToList();
        Assert.NotEmpty(configMapRefs);
        Assert.All(configMapRefs, name => Assert.Contains(name, Default.Value.GeneratedConfigMaps.Keys));
        var secretRef = Assert.Single(envFrom, e => e.At("secretRef") is not null);
        Assert.Equal(secretTemplate.Name(), secretRef.Text("secretRef", "name"));
        Assert.Equal(Namespace, secretTemplate.Text("metadata", "namespace"));
    }

    [Fact]
    public void ServiceUrls_NameTheInClusterServices_AndTheNetworkPolicyLetsTheGatewayReachThem()
    {
        var config = GatewayConfig(Default.Value);
        var policy = Default.Value.Single("NetworkPolicy", GatewayName);

        foreach (var (variable, host, port) in Upstreams)
        {
            Assert.True(config.TryGetValue(variable, out var value), $"{variable} is missing from the ConfigMap.");
            foreach (var url in value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            {
                var uri = new Uri(url, UriKind.Absolute);
                Assert.Equal("http", uri.Scheme);
                Assert.Equal(host, uri.Host);
                Assert.Equal(port, uri.Port);
                Assert.True(
                    EgressAllows(policy, new Dictionary<string, string> { ["app"] = uri.Host }, uri.Port),
                    $"NetworkPolicy {GatewayName} has no egress rule to app={uri.Host} on TCP {uri.Port} ({variable}).");
            }
        }

        // Name resolution: UDP and TCP 53.
        Assert.Contains(policy.Items("spec", "egress"), rule =>
            rule.Items("ports").Any(p => p.Number("port") == 53 && p.Text("protocol") == "UDP") &&
            rule.Items("ports").Any(p => p.Number("port") == 53 && p.Text("protocol") == "TCP"));
    }

    [Fact]
    public void NetworkPolicy_SelectsTheGatewayPods_AndAdmitsTheGatewayPort()
    {
        var policy = Default.Value.Single("NetworkPolicy", GatewayName);
        var podLabels = GatewayDeployment(Default.Value).Pairs("spec", "template", "metadata", "labels");

        Assert.All(policy.Pairs("spec", "podSelector", "matchLabels"), kv => Assert.Equal(kv.Value, podLabels.GetValueOrDefault(kv.Key)));
        Assert.Equal(BothPolicyTypes, policy.Items("spec", "policyTypes").Select(t => ((YamlScalarNode)t).Value));
        Assert.Contains(policy.Items("spec", "ingress"), rule => rule.Items("ports").Any(p => p.Number("port") == GatewayPort));
    }

    [Fact]
    public void RedisComponent_PointsRedisUrlAtItsOwnService_WhichTheGatewayMayReach()
    {
        Assert.DoesNotContain("REDIS_URL", GatewayConfig(Default.Value).Keys); // no Redis unless enabled
        var redisUrl = new Uri(GatewayConfig(WithRedis.Value)["REDIS_URL"], UriKind.Absolute);

        Assert.Equal("redis", redisUrl.Scheme);
        var service = RedisComponent.Value.Single("Service", redisUrl.Host);
        var servicePort = Assert.Single(service.Items("spec", "ports"));
        Assert.Equal(redisUrl.Port, servicePort.Number("port"));

        var redis = RedisComponent.Value.OfKind("Deployment").Single();
        var redisPodLabels = redis.Pairs("spec", "template", "metadata", "labels");
        Assert.All(service.Pairs("spec", "selector"), kv => Assert.Equal(kv.Value, redisPodLabels.GetValueOrDefault(kv.Key)));
        var redisContainer = Assert.Single(redis.Items("spec", "template", "spec", "containers"));
        var redisPort = ResolveContainerPort(redisContainer, servicePort.Text("targetPort"));
        Assert.NotNull(redisPort);

        Assert.True(
            EgressAllows(WithRedis.Value.Single("NetworkPolicy", GatewayName), redisPodLabels, redisPort.Value),
            $"NetworkPolicy {GatewayName} does not let the gateway reach the Redis pods on {redisPort}.");
    }

    // ------------------------------------------------------------------ drain timing

    [Fact]
    public void TerminationGracePeriod_CoversPreStopSleepPlusDrainTimeout()
    {
        foreach (var kustomization in new[] { Default.Value, WithRedis.Value })
        {
            var config = GatewayConfig(kustomization);
            var drain = config.TryGetValue("DRAIN_TIMEOUT", out var text) ? int.Parse(text, System.Globalization.CultureInfo.InvariantCulture) : DefaultDrainTimeoutSeconds;
            var preStop = PreStopSleepSeconds(GatewayContainer(kustomization));
            // Kubernetes' default when the field is absent.
            var grace = GatewayDeployment(kustomization).Number("spec", "template", "spec", "terminationGracePeriodSeconds") ?? 30;

            Assert.True(preStop > 0, "The preStop hook must wait for endpoint removal before SIGTERM starts the drain.");
            Assert.True(
                grace >= preStop + drain,
                $"terminationGracePeriodSeconds {grace} < preStop sleep {preStop} + DRAIN_TIMEOUT {drain}: in-flight requests would be killed.");
        }
    }

    // ------------------------------------------------------------------ security

    [Fact]
    public void Pod_RunsAsTheImagesNonRootUser_WithNoPrivilegesAndAReadOnlyRoot()
    {
        var pod = GatewayDeployment(Default.Value).At("spec", "template", "spec");
        var container = GatewayContainer(Default.Value);

        Assert.Equal("true", pod.Text("securityContext", "runAsNonRoot"));
        var uid = pod.Number("securityContext", "runAsUser");
        Assert.NotNull(uid);
        Assert.NotEqual(0, uid);
        Assert.Equal(ImageUserId(), uid);
        Assert.Equal("RuntimeDefault", pod.Text("securityContext", "seccompProfile", "type"));
        Assert.Equal("false", pod.Text("automountServiceAccountToken"));

        Assert.Equal("false", container.Text("securityContext", "allowPrivilegeEscalation"));
        Assert.Equal("true", container.Text("securityContext", "readOnlyRootFilesystem"));
        Assert.NotEqual("true", container.Text("securityContext", "privileged"));
        Assert.Contains("ALL", container.Items("securityContext", "capabilities", "drop").Select(c => ((YamlScalarNode)c).Value));

        // With a read-only root, /tmp is the one writable place, from an emptyDir.
        var tmp = Assert.Single(container.Items("volumeMounts"), m => m.Text("mountPath") == "/tmp");
        var volume = Assert.Single(pod.Items("volumes"), v => v.Text("name") == tmp.Text("name"));
        Assert.NotNull(volume.At("emptyDir"));
    }

    [Fact]
    public void SecretTemplate_HoldsOnlyPlaceholders_AndIsNeverPartOfADeployment()
    {
        var secret = LoadYaml(SecretTemplatePath).Single();

        Assert.Equal("Secret", secret.Kind());
        var values = secret.Pairs("stringData").Concat(secret.Pairs("data")
            .Select(kv => new KeyValuePair<string, string>(kv.Key, System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(kv.Value))))).ToList();
        Assert.Contains(values, kv => kv.Key == "API_KEY");
        Assert.All(values, kv => Assert.StartsWith("REPLACE_ME", kv.Value, StringComparison.Ordinal));

        foreach (var kustomization in new[] { Default.Value, WithRedis.Value })
        {
            Assert.DoesNotContain(kustomization.Objects, o => o.Kind() == "Secret");
            Assert.DoesNotContain(kustomization.Files, f => Path.GetFullPath(f) == Path.GetFullPath(SecretTemplatePath));
        }
    }

    // ------------------------------------------------------------------ scaling

    [Fact]
    public void Scaling_StartsWithTwoReplicas_AutoscalesOnCpu_AndLetsOnePodBeDisrupted()
    {
        var deployment = GatewayDeployment(Default.Value);
        var hpa = Default.Value.OfKind("HorizontalPodAutoscaler").Single();
        var pdb = Default.Value.OfKind("PodDisruptionBudget").Single();
        var podLabels = deployment.Pairs("spec", "template", "metadata", "labels");

        Assert.True(deployment.Number("spec", "replicas") >= 2);
        Assert.Equal("autoscaling/v2", hpa.Text("apiVersion"));
        Assert.Equal("Deployment", hpa.Text("spec", "scaleTargetRef", "kind"));
        Assert.Equal(GatewayName, hpa.Text("spec", "scaleTargetRef", "name"));
        Assert.True(hpa.Number("spec", "minReplicas") >= 2);
        Assert.True(hpa.Number("spec", "maxReplicas") > hpa.Number("spec", "minReplicas"));
        Assert.Contains(hpa.Items("spec", "metrics"), m => m.Text("resource", "name") == "cpu");

        Assert.All(pdb.Pairs("spec", "selector", "matchLabels"), kv => Assert.Equal(kv.Value, podLabels.GetValueOrDefault(kv.Key)));
        var minAvailable = pdb.Number("spec", "minAvailable");
        Assert.True(
            pdb.Number("spec", "maxUnavailable") >= 1 || (minAvailable is not null && minAvailable < hpa.Number("spec", "minReplicas")),
            "The PodDisruptionBudget must let at least one gateway pod be evicted, or node drains hang.");

        var resources = GatewayContainer(Default.Value).At("resources");
        foreach (var resource in new[] { "cpu", "memory" })
        {
            Assert.NotNull(resources.Text("requests", resource));
            Assert.NotNull(resources.Text("limits", resource));
        }
    }

    // ------------------------------------------------------------------ image

    [Fact]
    public void Dockerfile_BuildsOnTheSdk_RunsTheNativeExecutableOnRuntimeDeps_OfTheProjectsNetVersion()
    {
        var stages = Dockerfile.Value;
        var args = stages[0].Where(i => i.Keyword == "ARG").SelectMany(Assignments).ToDictionary(a => a.Name, a => a.Value, StringComparer.Ordinal);
        string ImageOf(IReadOnlyList<Instruction> stage)
        {
            var from = stage[0].Arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries).First(p => !p.StartsWith("--", StringComparison.Ordinal));
            return from.StartsWith("${", StringComparison.Ordinal) ? args[from[2..^1]] : from;
        }

        Assert.True(stages.Count >= 3, "Expected a build stage and a runtime stage.");
        var sdk = ImageOf(stages[1]);
        var runtime = ImageOf(stages[^1]);
        Assert.StartsWith("mcr.microsoft.com/dotnet/sdk:", sdk, StringComparison.Ordinal);
        Assert.StartsWith("mcr.microsoft.com/dotnet/runtime-deps:", runtime, StringComparison.Ordinal);

        // The runtime image's version is the target framework's; the SDK's satisfies global.json.
        var targetFramework = System.Xml.Linq.XDocument.Load(PathOf("Directory.Build.props")).Descendants("TargetFramework").Single().Value;
        Assert.StartsWith("mcr.microsoft.com/dotnet/runtime-deps:" + targetFramework["net".Length..], runtime, StringComparison.Ordinal);

        // A runtime-deps image has no .NET runtime: the project must publish a native executable, and the image runs it.
        var project = System.Xml.Linq.XDocument.Load(PathOf("Gateway/Gateway.csproj"));
        Assert.Equal("true", project.Descendants("PublishAot").Single().Value);
        Assert.Contains(stages[^1], i => i.Keyword == "ENTRYPOINT" && i.Arguments.Contains("./Gateway", StringComparison.Ordinal));
        using var globalJson = JsonDocument.Parse(File.ReadAllText(PathOf("global.json")));
        var sdkVersion = globalJson.RootElement.GetProperty("sdk").GetProperty("version").GetString()!;
        Assert.StartsWith("mcr.microsoft.com/dotnet/sdk:" + string.Join('.', sdkVersion.Split('.').Take(2)), sdk, StringComparison.Ordinal);
    }

    [Fact]
    public void Dockerfile_CompilesForTheProjectsX64InstructionSet_OnlyWhenBuildingOnX64()
    {
        // Gateway.csproj: native AOT on x64 is compiled for x86-64-v3 unless asked otherwise; the image's build argument
        // defaults to the same level and is passed only on x86_64, so an arm64 build keeps the compiler's own default.
        var project = System.Xml.Linq.XDocument.Load(PathOf("Gateway/Gateway.csproj"));
        var level = project.Descendants("IlcInstructionSet").Single();
        Assert.Equal("x86-64-v3", level.Value);
        Assert.Contains("EndsWith('-x64')", level.Attribute("Condition")!.Value, StringComparison.Ordinal);
        Assert.Contains("'$(IlcInstructionSet)' == ''", level.Attribute("Condition")!.Value, StringComparison.Ordinal);

        var build = Dockerfile.Value[1];
        var args = build.Where(i => i.Keyword == "ARG").SelectMany(Assignments).ToDictionary(a => a.Name, a => a.Value, StringComparer.Ordinal);
        Assert.Equal(level.Value, args["X64_INSTRUCTION_SET"]);
        var publish = build.Single(i => i.Keyword == "RUN" && i.Arguments.Contains("dotnet publish", StringComparison.Ordinal));
        Assert.Contains("\"-p:IlcInstructionSet=$( [ \"$(uname -m)\" = x86_64 ] && echo \"$X64_INSTRUCTION_SET\" )\"", publish.Arguments, StringComparison.Ordinal);
    }

    [Fact]
    public void Dockerfile_RestoresInItsOwnLayer_FromProjectFilesThatExist()
    {
        var build = Dockerfile.Value[1].ToList();
        var restore = build.FindIndex(i => i.Keyword == "RUN" && i.Arguments.Contains("dotnet restore", StringComparison.Ordinal));
        var publish = build.FindIndex(i => i.Keyword == "RUN" && i.Arguments.Contains("dotnet publish", StringComparison.Ordinal));

        Assert.True(restore > 0 && publish > restore, "Expected `dotnet restore` then `dotnet publish` in the build stage.");
        var copiedBeforeRestore = build.Take(restore).Where(i => i.Keyword == "COPY").SelectMany(CopySources).ToList();
        Assert.NotEmpty(copiedBeforeRestore);
        Assert.All(copiedBeforeRestore, source =>
        {
            Assert.True(
                source.EndsWith(".csproj", StringComparison.Ordinal) || source.EndsWith(".props", StringComparison.Ordinal) ||
                source.EndsWith(".sln", StringComparison.Ordinal) || source is "global.json" or "nuget.config" or "NuGet.config",
                $"{source} is copied before the restore layer; any change to it would invalidate the package cache.");
            Assert.NotEmpty(MatchingFiles(source));
        });
        Assert.Contains(copiedBeforeRestore, s => s.EndsWith("/" + typeof(Program).Assembly.GetName().Name + ".csproj", StringComparison.Ordinal));
        Assert.Contains("--no-restore", build[publish].Arguments, StringComparison.Ordinal);
        Assert.Contains("Release", build[publish].Arguments, StringComparison.Ordinal);
    }

    [Fact]
    public void Dockerfile_RuntimeStage_RunsTheGatewayAsNonRoot_WithoutHealthcheck()
    {
        var runtime = Dockerfile.Value[^1];

        Assert.DoesNotContain(Dockerfile.Value.SelectMany(s => s), i => i.Keyword == "HEALTHCHECK");
        var uid = ImageUserId();
        Assert.NotEqual(0, uid);
        var entrypoint = Assert.Single(runtime, i => i.Keyword == "ENTRYPOINT");
        var argv = JsonSerializer.Deserialize<string[]>(entrypoint.Arguments)!; // exec form: signals reach the process
        Assert.Equal(new[] { "./" + typeof(Program).Assembly.GetName().Name }, argv);

        // Read-only root: the runtime's diagnostics IPC socket (in /tmp) is off unless asked for.
        var environment = RuntimeStageEnvironment();
        Assert.Equal("0", environment.GetValueOrDefault("DOTNET_EnableDiagnostics"));

        // Workstation GC is compiled into the native executable; the project must say so.
        var project = System.Xml.Linq.XDocument.Load(PathOf("Gateway/Gateway.csproj"));
        Assert.Equal("false", project.Descendants("ServerGarbageCollection").Single().Value);
    }

    [Fact]
    public void Dockerfile_RuntimeStage_LeavesTheGcSettingsToTheExecutable()
    {
        // The GC settings are compiled in (Gateway.csproj, RuntimeSettingsTests): a DOTNET_GC* variable here would
        // override them, so the executable would behave differently inside the image and outside it.
        var environment = RuntimeStageEnvironment();

        Assert.DoesNotContain(environment.Keys, k => k.StartsWith("DOTNET_GC", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public void DockerIgnore_KeepsBuildOutputAndRepositoryMetadataOutOfTheContext()
    {
        var patterns = File.ReadAllLines(PathOf(".dockerignore")).Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#')).ToList();

        foreach (var required in new[] { "**/bin/", "**/obj/", ".git/" })
        {
            Assert.Contains(required, patterns);
        }

        // Nothing the build stage copies may be excluded.
        foreach (var source in Dockerfile.Value[1].Where(i => i.Keyword == "COPY").SelectMany(CopySources))
        {
            Assert.DoesNotContain(source.TrimEnd('/'), patterns.Select(p => p.TrimEnd('/')));
            Assert.DoesNotContain(source.Split('/')[0] + "/", patterns);
        }
    }

    // ------------------------------------------------------------------ rendered by kustomize

    [KubectlFact]
    public async Task Kustomize_RendersEveryVariant_InTheNamespace_WithTheConfigTheseTestsRead()
    {
        var variants = new List<(string Folder, Kustomization Raw)>
        {
            (PathOf("k8s"), Default.Value),
            (PathOf("k8s", "overlays", "redis"), WithRedis.Value),
        };

        // Every component together, from a scratch kustomization (paths must be relative).
        var scratch = Directory.CreateTempSubdirectory("gateway-k8s-");
        try
        {
            string Relative(params string[] parts) => Path.GetRelativePath(scratch.FullName, PathOf(parts)).Replace('\\', '/');
            await File.WriteAllTextAsync(Path.Combine(scratch.FullName, "kustomization.yaml"), $"""
                apiVersion: kustomize.config.k8s.io/v1beta1
                kind: Kustomization
                namespace: {Namespace}
                resources:
                  - {Relative("k8s", "base")}
                components:
                  - {Relative("k8s", "components", "redis")}
                  - {Relative("k8s", "components", "servicemonitor")}
                """);
            variants.Add((scratch.FullName, LoadKustomization(scratch.FullName)));

            foreach (var (folder, raw) in variants)
            {
                var rendered = await KustomizeAsync(folder);

                // Same objects as the files name (generated ConfigMaps get a content hash).
                static string Id(YamlMappingNode o) => $"{o.Kind()}/{o.Name()}";
                Assert.Equal(
                    raw.Objects.Select(Id).Order(StringComparer.Ordinal),
                    rendered.Where(o => o.Kind() != "ConfigMap").Select(Id).Order(StringComparer.Ordinal));
                Assert.All(rendered.Where(o => o.Kind() != "Namespace"), o => Assert.Equal(Namespace, o.Text("metadata", "namespace")));

                // The Deployment refers to the ConfigMap kustomize generated, whose data is what these tests checked.
                var deployment = rendered.Single(o => o.Kind() == "Deployment" && o.Name() == GatewayName);
                var configMapName = GatewayContainer(deployment).Items("envFrom").Select(e => e.Text("configMapRef", "name")).OfType<string>().Single();
                var configMap = rendered.Single(o => o.Kind() == "ConfigMap" && o.Name() == configMapName);
                Assert.Equal(
                    GatewayConfig(raw).OrderBy(kv => kv.Key, StringComparer.Ordinal),
                    configMap.Pairs("data").OrderBy(kv => kv.Key, StringComparer.Ordinal));
            }
        }
        finally
        {
            scratch.Delete(recursive: true);
        }
    }

    // ------------------------------------------------------------------ helpers

    private static bool IsKnownVariable(string name) =>
        KnownVariables.Contains(name) || RuntimeVariablePrefixes.Any(p => name.StartsWith(p, StringComparison.Ordinal));

    private static YamlMappingNode GatewayDeployment(Kustomization kustomization) => kustomization.Single("Deployment", GatewayName);

    private static YamlNode GatewayContainer(Kustomization kustomization) => GatewayContainer(GatewayDeployment(kustomization));

    private static YamlNode GatewayContainer(YamlMappingNode deployment) =>
        Assert.Single(deployment.Items("spec", "template", "spec", "containers"));

    /// <summary>The data of the ConfigMap the gateway's container takes its environment from.</summary>
    private static IReadOnlyDictionary<string, string> GatewayConfig(Kustomization kustomization)
    {
        var name = GatewayContainer(kustomization).Items("envFrom").Select(e => e.Text("configMapRef", "name")).OfType<string>().Single();
        return kustomization.GeneratedConfigMaps[name];
    }

    /// <summary>A port given by number or by the name of one of the container's ports.</summary>
    private static int? ResolveContainerPort(YamlNode container, string? port) =>
        int.TryParse(port, out var number)
            ? number
            : container.Items("ports").SingleOrDefault(p => p.Text("name") == port)?.Number("containerPort");

    /// <summary>Seconds the preStop hook waits: the sleep action, or an exec of `sleep N`.</summary>
    private static int PreStopSleepSeconds(YamlNode container)
    {
        if (container.Number("lifecycle", "preStop", "sleep", "seconds") is { } seconds)
        {
            return seconds;
        }

        var command = container.Items("lifecycle", "preStop", "exec", "command").Select(c => ((YamlScalarNode)c).Value ?? "").ToList();
        var words = string.Join(' ', command).Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var sleep = Array.IndexOf(words, "sleep");
        return sleep >= 0 && sleep + 1 < words.Length && int.TryParse(words[sleep + 1], out var n) ? n : 0;
    }

    /// <summary>Whether an egress rule lets pods reach pods carrying <paramref name="podLabels"/> on TCP <paramref name="port"/>.</summary>
    private static bool EgressAllows(YamlMappingNode policy, IReadOnlyDictionary<string, string> podLabels, int port) =>
        policy.Items("spec", "egress").Any(rule =>
            rule.Items("ports").Any(p => p.Number("port") == port && (p.Text("protocol") ?? "TCP") == "TCP") &&
            rule.Items("to").Any(peer =>
                peer.At("namespaceSelector") is null &&
                peer.At("podSelector") is not null &&
                peer.Pairs("podSelector", "matchLabels").All(kv => podLabels.TryGetValue(kv.Key, out var v) && v == kv.Value)));

    /// <summary>ENV values in effect in the runtime stage (only that stage's own ENV instructions).</summary>
    private static Dictionary<string, string> RuntimeStageEnvironment() =>
        Dockerfile.Value[^1].Where(i => i.Keyword == "ENV").SelectMany(Assignments)
            .GroupBy(a => a.Name, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Last().Value, StringComparer.Ordinal);

    /// <summary>The numeric user ID of the runtime stage's last USER instruction (a name fails the test).</summary>
    private static int ImageUserId()
    {
        var user = Dockerfile.Value[^1].LastOrDefault(i => i.Keyword == "USER");
        Assert.True(user is not null, "The runtime stage has no USER: the container would run as root.");
        var uid = user.Arguments.Split(':')[0];
        Assert.True(int.TryParse(uid, out var id), $"USER {user.Arguments} is not numeric; Kubernetes' runAsNonRoot cannot verify a name.");
        return id;
    }

    private static IEnumerable<string> CopySources(Instruction copy)
    {
        var parts = copy.Arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries).ToList();
        if (parts.Any(p => p.StartsWith("--from", StringComparison.Ordinal)))
        {
            return [];
        }

        var paths = parts.Where(p => !p.StartsWith("--", StringComparison.Ordinal)).ToList();
        return paths.Take(paths.Count - 1);
    }

    private static string[] MatchingFiles(string source)
    {
        var full = PathOf(source.TrimEnd('/'));
        if (Directory.Exists(full))
        {
            return [full];
        }

        var directory = Path.GetDirectoryName(full)!;
        return Directory.Exists(directory) ? Directory.GetFiles(directory, Path.GetFileName(full)) : [];
    }
}
