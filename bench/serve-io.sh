#!/usr/bin/env bash
# Time outside inference, per request, on this machine's CPU: serves MODELS with the API build in API_DIR on a loopback
# port and sends sequential requests (1 client) per case; prints one JSON line per case (scripts/serve_probe.py load).
# Usage: bench/serve-io.sh API_DIR MODELS_DIR [REQUESTS] [PORT]      (results: bench/io.md)
set -euo pipefail
api_dir=$1 models=$2 requests=${3:-100} port=${4:-5391}
here=$(cd "$(dirname "$0")/.." && pwd)
probe="python3 $here/scripts/serve_probe.py"
url="http://127.0.0.1:$port"
Gan__ModelsPath="$models" Gan__Device=cpu Serilog__MinimumLevel__Default=Warning ASPNETCORE_URLS="$url" \
  dotnet "$api_dir/GanService.Api.dll" > /tmp/serve-io-$port.log 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null || true' EXIT
$probe wait "$url" --timeout 300 > /dev/null
inputs=${SERVE_IO_INPUTS:-/tmp}
for case in "shapes2color-pix2pix in64" "unet64 in64" "unet256 in256"; do
  set -- $case
  echo "$1 $(  $probe load "$url" "/translate/$1" --image "$inputs/perf-$2.png" --requests "$requests" --warm 5)"
done
echo "fmnist-dcgan-count1 $($probe load "$url" "/generate?model=fmnist-dcgan&seed=1" --requests "$requests" --warm 5)"
echo "fmnist-dcgan-count64 $($probe load "$url" "/generate?model=fmnist-dcgan&seed=1&count=64" --requests "$((requests / 4))" --warm 2)"
