#!/usr/bin/env bash
# Dynamic batching on this machine's CPU: serves MODELS (needs unet256) with the API build in API_DIR on a loopback port,
# once per configuration, and sends REQUESTS translations from 8 concurrent clients; prints one JSON line per
# configuration (scripts/serve_probe.py load) plus the mean joined batch (gan_batch_size sum / count).
# Usage: bench/serve-batching.sh API_DIR MODELS_DIR IMAGE_256 [REQUESTS] [PORT]      (results: bench/batching.md)
set -euo pipefail
api_dir=$1 models=$2 image=$3 requests=${4:-200} port=${5:-5393}
here=$(cd "$(dirname "$0")/.." && pwd)
probe="python3 $here/scripts/serve_probe.py"
url="http://127.0.0.1:$port"
# name  MaxBatch  MaxDelayMilliseconds  MaxConcurrentInferences
for config in "off-slots2 1 0 2" "on8-2ms-slots2 8 2 2" "off-slots8 1 0 8" "on8-2ms-slots8 8 2 8" "on8-10ms-slots8 8 10 8"; do
  set -- $config
  Gan__ModelsPath="$models" Gan__Device=cpu Gan__Batching__MaxBatch=$2 Gan__Batching__MaxDelayMilliseconds=$3 \
    Gan__MaxConcurrentInferences=$4 Serilog__MinimumLevel__Default=Warning ASPNETCORE_URLS="$url" \
    dotnet "$api_dir/GanService.Api.dll" > /tmp/serve-batching-$port.log 2>&1 &
  server=$!
  $probe wait "$url" --timeout 300 > /dev/null
  result=$($probe load "$url" "/translate/unet256" --image "$image" --requests "$requests" --clients 8 --warm 8)
  batches=$(curl -s "$url/metrics" | awk '/^gan_batch_size_sum/ {s+=$2} /^gan_batch_size_count/ {c+=$2} END {if (c) printf "%.2f", s/c; else print "-"}')
  echo "$1 mean_batch=$batches $result"
  kill $server; wait $server 2>/dev/null || true
done
