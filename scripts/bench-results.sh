#!/usr/bin/env bash
# Regenerates bench/RESULTS.md (issue 16): ONNX Runtime vs TorchSharp on the same weights for the reference-size
# generators and every shipped model (batch 1 and 8), achieved GFLOP/s against this machine's SGEMM peak, the API under
# load at 1/2/4/8 clients, RSS over 10,000 requests, and the issue's targets with verdicts. CPU only; one command,
# ~12 minutes on a 2-core machine (plus the Release build). Extra arguments go to the harness, e.g.
#   scripts/bench-results.sh --case-seconds 4 --load-scale 0.5 --rss-requests 2000   (quicker, coarser)
# The machine should be otherwise idle: RESULTS.md records the load average at start and end.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
command -v dotnet > /dev/null || { echo "bench-results: the .NET 10 SDK (dotnet) is required" >&2; exit 2; }
echo "bench-results: building bench/GanService.Bench (Release)…"
log=$(mktemp)
dotnet build bench/GanService.Bench -c Release -o "$repo/bench/GanService.Bench/bin/results" > "$log" 2>&1 \
  || { tail -30 "$log"; echo "bench-results: build failed" >&2; exit 2; }
rm -f "$log"
commit=$(git rev-parse --short HEAD 2> /dev/null || echo unknown)
[[ -z "$(git status --porcelain --untracked-files=no 2> /dev/null)" ]] || commit="$commit (with uncommitted changes)"
exec dotnet "$repo/bench/GanService.Bench/bin/results/GanService.Bench.dll" results --out bench/RESULTS.md --models models --commit "$commit" "$@"
