#!/usr/bin/env bash
# Writes Gateway/aot-method-order.txt: the managed methods the native AOT gateway runs from start through serving
# requests, in address order, which the AOT publish lays out first (IlcOrderFile in Gateway/Gateway.csproj).
# The kernel maps an executable's pages 64 KiB around each page a process touches, so code that start-up and requests
# run, spread over the executable, keeps most of it resident; laid out together it takes a few MiB.
# Needs valgrind, python3 and binutils (nm); runs from the repository root:
#   bash Gateway.Benchmarks/Layout/method-order.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
work=$(mktemp -d)
services=""
gateway=""
cleanup() {
  [ -n "$gateway" ] && kill "$gateway" 2>/dev/null || true
  [ -n "$services" ] && kill "$services" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

dotnet publish Gateway -c Release -r linux-x64 -o "$work/aot" > "$work/publish.log"
dotnet build Gateway.Benchmarks -c Release > "$work/build.log"
# valgrind cannot read native AOT's debug information: run a copy without the debug link's file next to it
cp "$work/aot/Gateway" "$work/Gateway"

dotnet Gateway.Benchmarks/bin/Release/net10.0/Gateway.Benchmarks.dll services > "$work/services.log" 2>&1 &
services=$!
port=18999
key=layout-key-1
# the GC reserves 256 GiB of address space by default, more than valgrind allows; a 256 MiB limit is plenty here
API_KEY=$key RATE_LIMIT_PER_MINUTE=100000000 CHAT_RATE_LIMIT_PER_MINUTE=100000000 \
DOTNET_ENVIRONMENT=Production ASPNETCORE_ENVIRONMENT=Production DOTNET_GCHeapHardLimit=10000000 \
  valgrind --tool=callgrind --dump-instr=yes --compress-pos=no --compress-strings=no \
  --callgrind-out-file="$work/callgrind.out" "$work/Gateway" --urls "http://127.0.0.1:$port" > "$work/gateway.log" 2>&1 &
gateway=$!
for _ in $(seq 1 100); do
  [ "$(curl -s -m 5 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/livez")" = 200 ] && break
  sleep 2
done
base=$(awk -v exe="$work/Gateway" '$6 == exe && $3 == "00000000" { split($1, r, "-"); print r[1]; exit }' "/proc/$gateway/maps")

url="http://127.0.0.1:$port/api/airtable/bench/json?size=1024"
for _ in $(seq 1 200); do curl -s -o /dev/null -H "X-API-Key: $key" "$url"; done
seq 1 400 | xargs -P 16 -I{} curl -s -o /dev/null -H "X-API-Key: $key" "$url"
for path in /readyz /health /metrics; do curl -s -o /dev/null "http://127.0.0.1:$port$path"; done
sleep 20 # timers: health probes, rate-limit replenishment, connection scavenging
for _ in $(seq 1 100); do curl -s -o /dev/null -H "X-API-Key: $key" "$url"; done
curl -s -o /dev/null "http://127.0.0.1:$port/metrics"
kill -TERM "$gateway"
wait "$gateway" || true
gateway=""

nm -S "$work/aot/Gateway.dbg" > "$work/symbols.txt"
managed=$(readelf -S -W "$work/aot/Gateway" | awk '$2 == "__managedcode" { print $4 }')
python3 - "$work/callgrind.out" "$work/symbols.txt" "$base" "$managed" Gateway/aot-method-order.txt <<'PY'
import bisect, sys
profile, symbols, base, managed, out = sys.argv[1], sys.argv[2], int(sys.argv[3], 16), int(sys.argv[4], 16), sys.argv[5]
funcs = sorted((int(p[0], 16), int(p[1], 16), p[3]) for p in (l.split() for l in open(symbols)) if len(p) == 4 and p[2] in "tT")
starts = [f[0] for f in funcs]
run = {}
for line in open(profile):
    if line.startswith("0x"):
        address = int(line.split(" ", 1)[0], 16) - base
        i = bisect.bisect_right(starts, address) - 1
        if i >= 0 and funcs[i][0] >= managed and address < funcs[i][0] + funcs[i][1]:
            run[funcs[i][2]] = funcs[i]
with open(out, "w") as f:
    for start, size, name in sorted(run.values()):
        f.write(name + "\n")
print(f"{len(run)} methods, {sum(size for _, size, _ in run.values()) / 1048576:.2f} MiB of code -> {out}")
PY
