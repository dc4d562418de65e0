#!/usr/bin/env bash
# Runs every test of the solution (the README's test command). Extra arguments go to `dotnet test`.
set -uo pipefail
cd "$(dirname "$0")"
# The Redis and browser tests need redis-server and chromium from Debian: installed here when missing.
.ci/install-packages
log=$(mktemp)
trap 'rm -f "$log"' EXIT
dotnet test PyAirtableGateway.sln -c Release "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
count() { grep -oE "$1: +[0-9]+" "$log" | awk '{ n += $2 } END { print n + 0 }'; }
echo "tests: $(count Passed) passed, $(count Failed) failed, $(count Skipped) skipped"
exit "$status"
