#!/usr/bin/env bash
# Runs every test of the solution (the README's test command). Extra arguments go to `dotnet test`.
set -euo pipefail
cd "$(dirname "$0")"
dotnet test PyAirtableGateway.sln -c Release --logger "console;verbosity=normal" "$@"
