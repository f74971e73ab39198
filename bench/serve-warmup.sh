#!/usr/bin/env bash
# First-request latency after /readyz says ready, per fresh process (results: bench/warmup.md). Each round starts the API
# in API_DIR on MODELS_DIR (needs unet64 and fmnist-dcgan, see bench/io.md) with the extra environment given, waits for
# readiness, and times, in order: translate, the same again, generate count=1, again, count=8, again.
# Usage: bench/serve-warmup.sh API_DIR MODELS_DIR ROUNDS [VAR=VALUE ...]
set -euo pipefail
api_dir=$1 models=$2 rounds=$3; shift 3
here=$(cd "$(dirname "$0")/.." && pwd)
port=5393 url=http://127.0.0.1:5393 image=${SERVE_IO_INPUTS:-/tmp}/perf-in64.png
for round in $(seq "$rounds"); do
  env "$@" Gan__ModelsPath="$models" Gan__Device=cpu Serilog__MinimumLevel__Default=Warning ASPNETCORE_URLS="$url" \
    dotnet "$api_dir/GanService.Api.dll" > /tmp/serve-warmup.log 2>&1 &
  server=$!
  start=$(date +%s.%N)
  python3 "$here/scripts/serve_probe.py" wait "$url" --timeout 300 > /dev/null
  echo "round $round ready after $(echo "$(date +%s.%N) - $start" | bc) s"
  python3 "$here/scripts/serve_probe.py" first "$url" "/translate/unet64@$image" "/translate/unet64@$image" \
    "/generate?model=fmnist-dcgan&seed=1" "/generate?model=fmnist-dcgan&seed=2" \
    "/generate?model=fmnist-dcgan&seed=1&count=8" "/generate?model=fmnist-dcgan&seed=9&count=8"
  kill $server; wait $server 2>/dev/null || true
done
