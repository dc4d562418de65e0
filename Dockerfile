# syntax=docker/dockerfile:1
#
# PyAirtable API Gateway image.
#
#   docker build -t pyairtable/api-gateway:1.0.0 .
#   docker run --rm -p 8000:8000 --read-only --tmpfs /tmp -e API_KEY=... pyairtable/api-gateway:1.0.0
#
# The gateway is published as a native AOT executable: no JIT, so a pod limited to one CPU serves
# at full speed from its first request, and it needs less memory than the JIT build (measured:
# docs/performance.md). Native AOT compiles for the architecture it builds on, so a
# multi-platform image (docker buildx --platform linux/amd64,linux/arm64) builds each platform on
# its own (emulated) platform.

# The SDK must satisfy global.json (10.0.400, rollForward latestFeature): the floating 10.0 tag
# carries the newest 10.0 feature band. Pin a full version here to make builds reproducible.
ARG SDK_IMAGE=mcr.microsoft.com/dotnet/sdk:10.0
# Ubuntu chiseled runtime dependencies only (no .NET runtime needed by a native executable): no
# shell, no package manager, non-root `app` user (UID 1654) built in. The gateway runs with
# invariant globalization, so the ICU-free image is enough.
ARG RUNTIME_IMAGE=mcr.microsoft.com/dotnet/runtime-deps:10.0-noble-chiseled

# ---------------------------------------------------------------------------------------------
FROM ${SDK_IMAGE} AS build
ENV DOTNET_CLI_TELEMETRY_OPTOUT=1 \
    DOTNET_NOLOGO=1
# Native AOT links with clang and needs zlib's headers.
RUN apt-get update \
    && apt-get install -y --no-install-recommends clang zlib1g-dev \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src

# 1. Restore in its own layer. Only the files that decide the package graph are copied, so
#    source edits reuse the cached packages. The solution file is deliberately not used:
#    restoring it would also pull the test and benchmark projects' packages.
COPY global.json Directory.*.props ./
COPY Gateway/Gateway.csproj Gateway/
RUN dotnet restore Gateway/Gateway.csproj --use-current-runtime

# 2. Publish the native executable (PublishAot is set in Gateway.csproj). On amd64 it is compiled for
#    x86-64-v3 (AVX2; every x86-64 server CPU since 2013-2015), which uses less CPU per request than
#    the x86-64-v2 baseline (docs/performance.md); for older hosts:
#    --build-arg X64_INSTRUCTION_SET=x86-64-v2. Ignored on arm64.
#    Gateway.csproj also gives the compiler the runtime pack's static PGO profile (StandardOptimizationData.mibc).
ARG X64_INSTRUCTION_SET=x86-64-v3
COPY Gateway/ Gateway/
RUN dotnet publish Gateway/Gateway.csproj \
        --configuration Release \
        --use-current-runtime \
        --no-restore \
        --output /app \
        "-p:IlcInstructionSet=$( [ "$(uname -m)" = x86_64 ] && echo "$X64_INSTRUCTION_SET" )" \
    && rm -f /app/*.dbg

# ---------------------------------------------------------------------------------------------
FROM ${RUNTIME_IMAGE} AS runtime

# Kestrel listens on 8000 (the contract's port), plain HTTP; TLS ends at the ingress.
# Nothing writes outside /tmp (the default temp path), so the root file system can be mounted
# read-only. The diagnostics IPC socket, debugger and profiler are off; for a debugging session
# set DOTNET_EnableDiagnostics=1 with a writable /tmp and attach dotnet-counters or dotnet-trace.
ENV ASPNETCORE_HTTP_PORTS=8000 \
    ASPNETCORE_ENVIRONMENT=Production \
    DOTNET_EnableDiagnostics=0

# The GC settings (workstation, non-concurrent GC, 1 MiB gen0 and 4 MiB gen1 budgets, a heap limit
# of 75 % of the container's memory limit, ConserveMemory 5) are compiled into the executable from
# Gateway.csproj, so the gateway behaves the same in this image and run directly. A DOTNET_GC* variable set here would
# override one (native AOT reads them as bare hexadecimal digits, names case-sensitive).

WORKDIR /app
# Owned by root and only readable by the app user: the process cannot modify its own code.
COPY --from=build --chown=0:0 /app ./

# The image's non-root `app` user, numerically, so Kubernetes' runAsNonRoot can verify it.
USER 1654:1654
EXPOSE 8000

# No HEALTHCHECK: Kubernetes probes /livez and /readyz (see k8s/deployment.yaml).
ENTRYPOINT ["./Gateway"]
