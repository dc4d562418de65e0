# syntax=docker/dockerfile:1
#
# PyAirtable API Gateway image.
#
#   docker build -t pyairtable/api-gateway:1.0.0 .
#   docker run --rm -p 8000:8000 --read-only --tmpfs /tmp -e API_KEY=... pyairtable/api-gateway:1.0.0
#
# Multi-platform builds (docker buildx --platform linux/amd64,linux/arm64) compile on the
# build machine's own architecture and cross-publish for the target one.

# The SDK must satisfy global.json (10.0.400, rollForward latestFeature): the floating 10.0 tag
# carries the newest 10.0 feature band. Pin a full version here to make builds reproducible.
ARG SDK_IMAGE=mcr.microsoft.com/dotnet/sdk:10.0
# Ubuntu chiseled: no shell, no package manager, non-root `app` user (UID 1654) built in.
# The gateway runs with invariant globalization, so the ICU-free image is enough.
ARG RUNTIME_IMAGE=mcr.microsoft.com/dotnet/aspnet:10.0-noble-chiseled

# ---------------------------------------------------------------------------------------------
FROM --platform=$BUILDPLATFORM ${SDK_IMAGE} AS build
# Set by BuildKit and Buildah (amd64, arm64); amd64 when a builder leaves it empty.
ARG TARGETARCH
ENV DOTNET_CLI_TELEMETRY_OPTOUT=1 \
    DOTNET_NOLOGO=1
WORKDIR /src

# 1. Restore in its own layer. Only the files that decide the package graph are copied, so
#    source edits reuse the cached packages. The solution file is deliberately not used:
#    restoring it would also pull the test and benchmark projects' packages.
#    PublishReadyToRun must be known at restore time so the crossgen pack is downloaded.
COPY global.json Directory.*.props ./
COPY Gateway/Gateway.csproj Gateway/
RUN dotnet restore Gateway/Gateway.csproj \
        --arch "${TARGETARCH:-amd64}" \
        -p:PublishReadyToRun=true

# 2. Publish framework-dependent, ReadyToRun-compiled (less JIT work while the process warms
#    up, which matters most when the pod is limited to one CPU), without the native apphost
#    (the entry point is `dotnet Gateway.dll`).
COPY Gateway/ Gateway/
RUN dotnet publish Gateway/Gateway.csproj \
        --configuration Release \
        --arch "${TARGETARCH:-amd64}" \
        --self-contained false \
        --no-restore \
        -p:PublishReadyToRun=true \
        -p:UseAppHost=false \
        --output /app

# ---------------------------------------------------------------------------------------------
FROM ${RUNTIME_IMAGE} AS runtime

# Kestrel listens on 8000 (the contract's port), plain HTTP; TLS ends at the ingress.
# Nothing writes outside /tmp (the default temp path), so the root file system can be mounted
# read-only. The diagnostics IPC socket, debugger and profiler are off; for a debugging session
# set DOTNET_EnableDiagnostics=1 with a writable /tmp and attach dotnet-counters or dotnet-trace.
ENV ASPNETCORE_HTTP_PORTS=8000 \
    ASPNETCORE_ENVIRONMENT=Production \
    DOTNET_EnableDiagnostics=0

# GC settings, from the load harness (refresh these when the harness is re-run):
#   workstation, non-concurrent GC: one heap and no background GC thread; a ~60 MiB proxy
#   does not need server GC's per-core heaps;
#   GCHeapHardLimitPercent 0x4B = 75 % of the container memory limit (the runtime reads GC
#   settings from the environment as hexadecimal numbers);
#   GCConserveMemory 5: compact the heap earlier instead of growing it.
ENV DOTNET_gcServer=0 \
    DOTNET_gcConcurrent=0 \
    DOTNET_GCHeapHardLimitPercent=0x4B \
    DOTNET_GCConserveMemory=5

WORKDIR /app
# Owned by root and only readable by the app user: the process cannot modify its own code.
COPY --from=build --chown=0:0 /app ./

# The image's non-root `app` user, numerically, so Kubernetes' runAsNonRoot can verify it.
USER 1654:1654
EXPOSE 8000

# No HEALTHCHECK: Kubernetes probes /livez and /readyz (see k8s/deployment.yaml).
ENTRYPOINT ["dotnet", "Gateway.dll"]
