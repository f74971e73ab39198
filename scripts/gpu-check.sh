#!/usr/bin/env bash
# GPU check for anyone with an NVIDIA GPU (issue 16): publishes the API with the CUDA build of ONNX Runtime, serves the
# model zoo twice on loopback — once on CUDA, once on CPU as the reference — load-tests both, compares every model's
# output, and prints one table (also written to bench/gpu.md with machine, date and commit).
#
# The CUDA side runs once per configuration in GPU_CHECK_CONFIGS (Gan:Cuda:ConvAlgoSearch/UseTf32), so the table shows
# what the cuDNN search mode and TF32 do to start-up (warm-up), speed and output.
#
# Needs: an NVIDIA driver (nvidia-smi), the CUDA 13 and cuDNN 9 libraries Microsoft.ML.OnnxRuntime.Gpu.Linux 1.31 loads
# (e.g. the nvidia/cuda:13.0.x-cudnn-runtime image), the .NET 10 SDK, python3, curl. Nothing leaves 127.0.0.1.
#
# Usage: scripts/gpu-check.sh            environment: GPU_CHECK_REQUESTS (200 per model and side),
#                                         GPU_CHECK_CLIENTS (16), GPU_CHECK_MODELS (models/),
#                                         GPU_CHECK_CONFIGS ("heuristic:true exhaustive:true heuristic:false")
#        GPU_CHECK_API=DIR scripts/gpu-check.sh   serves from DIR, a self-contained linux-x64 publish of the API with
#                                         the CUDA build of ONNX Runtime (scripts/pack-gpu-train.sh --api makes it), for
#                                         a GPU machine without .NET: no SDK needed, nothing published there.
#        GPU_CHECK_SELF_TEST=1 scripts/gpu-check.sh   runs everything with the "CUDA" side on CPU, to test this script on a
#                                         machine without a GPU; the table goes to stdout only, never to bench/gpu.md.
set -euo pipefail

fail() { echo "gpu-check: $*" >&2; exit 2; }

self_test=${GPU_CHECK_SELF_TEST:-0}
# 1. A GPU first, before minutes of publishing: nvidia-smi must exist, answer within 20 s and list a GPU.
if [[ "$self_test" == 1 ]]; then gpus="none (self-test: the CUDA side runs on CPU)"; else
command -v nvidia-smi > /dev/null || fail "no NVIDIA GPU/driver found: nvidia-smi is not installed (no NVIDIA driver on this machine)"
gpus=$(timeout 20 nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>&1) \
  || fail "no NVIDIA GPU/driver found: nvidia-smi failed or timed out: ${gpus:-no output}"
[[ -n "$gpus" ]] || fail "no NVIDIA GPU/driver found: nvidia-smi lists no GPU"
fi
echo "gpu-check: GPU: $gpus"

repo=$(cd "$(dirname "$0")/.." && pwd)
requests=${GPU_CHECK_REQUESTS:-200} clients=${GPU_CHECK_CLIENTS:-16}
models=$(cd "${GPU_CHECK_MODELS:-$repo/models}" && pwd)
configs=${GPU_CHECK_CONFIGS:-"heuristic:true exhaustive:true heuristic:false"}
[[ "$requests" =~ ^[0-9]+$ && "$requests" -ge 1 && "$requests" -le 100000 ]] || fail "GPU_CHECK_REQUESTS must be 1…100000"
[[ "$clients" =~ ^[0-9]+$ && "$clients" -ge 1 && "$clients" -le 256 ]] || fail "GPU_CHECK_CLIENTS must be 1…256"
api=${GPU_CHECK_API:-}
if [[ -n "$api" ]]; then
  [[ -x "$api/GanService.Api" ]] || fail "GPU_CHECK_API=$api holds no GanService.Api executable (a self-contained publish: scripts/pack-gpu-train.sh --api)"
  api=$(cd "$api" && pwd)
  needed=(python3 curl)
else needed=(dotnet python3 curl); fi
for tool in "${needed[@]}"; do command -v $tool > /dev/null || fail "$tool is required"; done
probe="python3 $repo/scripts/serve_probe.py"
work=$(mktemp -d)
servers=()
cleanup() { for pid in "${servers[@]}"; do kill "$pid" 2> /dev/null || true; done; wait 2> /dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

# 2. Publish: linux-x64 + GanUseGpu takes Microsoft.ML.OnnxRuntime.Gpu.Linux (no Windows DLLs).
if [[ -n "$api" ]]; then
  echo "gpu-check: serving the publish in $api"
  server=("$api/GanService.Api")
else
  echo "gpu-check: publishing (dotnet publish src/GanService.Api -r linux-x64 -p:GanUseGpu=true)…"
  dotnet publish "$repo/src/GanService.Api" -c Release -r linux-x64 --self-contained false -p:GanUseGpu=true \
    -o "$work/publish" > "$work/publish.log" 2>&1 || { tail -20 "$work/publish.log"; fail "publish failed"; }
  server=(dotnet "$work/publish/GanService.Api.dll")
fi

# Starts the API on a loopback port with Gan__* settings; waits (bounded) for readiness; sets ready_s (seconds).
# Not called in $(…): the server's pid must land in this shell's list, for the cleanup.
serve() {
  local port=$1; shift
  env "$@" Gan__ModelsPath="$models" Serilog__MinimumLevel__Default=Warning ASPNETCORE_URLS="http://127.0.0.1:$port" \
    "${server[@]}" > "$work/server-$port.log" 2>&1 &
  servers+=($!)
  local start=$(date +%s.%N)
  $probe wait "http://127.0.0.1:$port" --timeout 900 > "$work/ready-$port.json" || { tail -20 "$work/server-$port.log"; fail "server on port $port did not get ready"; }
  ready_s=$(python3 -c "print(round($(date +%s.%N) - $start, 1))")
}
stop_last() { kill "${servers[-1]}"; wait "${servers[-1]}" 2> /dev/null || true; unset 'servers[-1]'; }

cpu_port=5481 cuda_port=5482
$probe image "$work/in256.png" 256
serve $cpu_port Gan__Device=cpu
cpu_ready=$ready_s
$probe cases "http://127.0.0.1:$cpu_port" "$work/in256.png" > "$work/cases.tsv"
[[ -s "$work/cases.tsv" ]] || fail "no model is served from $models"

# One row per model and side: req/s and latency at $clients clients, one request's output kept for the comparison.
measure() {
  local side=$1 port=$2
  while IFS=$'\t' read -r name path image; do
    local args=(--requests "$requests" --clients "$clients" --warm 2 --out "$work/$side-$name.png")
    [[ "$image" != "-" ]] && args+=(--image "$image")
    echo -e "$name\t$($probe load "http://127.0.0.1:$port" "$path" "${args[@]}")"
  done < "$work/cases.tsv"
}
measure cpu $cpu_port > "$work/cpu.tsv"

rows=()
for config in $configs; do
  search=${config%%:*} tf32=${config##*:}
  serve $cuda_port Gan__Device=$([[ "$self_test" == 1 ]] && echo cpu || echo cuda) Gan__Cuda__ConvAlgoSearch="$search" Gan__Cuda__UseTf32="$tf32"
  ready=$ready_s
  active=$(python3 -c "import json,sys; p=json.load(open(sys.argv[1]))['provider']; print(p['active'], '|', p.get('fallbackReason') or '')" "$work/ready-$cuda_port.json")
  [[ "$active" == cuda* || "$self_test" == 1 ]] || fail "the CUDA server fell back to CPU: ${active#*|} (CUDA 13 + cuDNN 9 libraries on the library path?)"
  measure "cuda-$search-$tf32" $cuda_port > "$work/cuda-$search-$tf32.tsv"
  stop_last
  while IFS=$'\t' read -r name json; do
    cpu=$(grep -P "^$name\t" "$work/cpu.tsv" | cut -f2)
    delta=$($probe compare "$work/cpu-$name.png" "$work/cuda-$search-$tf32-$name.png")
    rows+=("$(python3 - "$name" "$search" "$tf32" "$ready" "$json" "$cpu" "$delta" <<'EOF'
import json, sys
name, search, tf32, ready, gpu, cpu, delta = sys.argv[1:4] + [sys.argv[4]] + [json.loads(a) for a in sys.argv[5:]]
print(f"| {name} | {search} | {'on' if tf32 == 'true' else 'off'} | {ready} | {gpu['req_per_s']} | {gpu['p50_ms']} / {gpu['p95_ms']} / {gpu['p99_ms']} "
      f"| {gpu['outside_inference_share']:.0%} | {cpu['req_per_s']} | {cpu['p50_ms']} | {gpu['req_per_s'] / cpu['req_per_s']:.1f}× "
      f"| {delta['max_abs_delta']} | {'yes' if delta['same_bytes'] else 'no'} |")
EOF
)")
  done < "$work/cuda-$search-$tf32.tsv"
done

commit=$(git -C "$repo" rev-parse --short HEAD 2> /dev/null || echo unknown)
{
  echo "# GPU check (scripts/gpu-check.sh)"
  echo
  echo "$(date -u +%Y-%m-%d) · commit $commit · GPU: $gpus · CPU: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
  echo "· $requests requests per model and side, $clients clients; CPU reference ready after $cpu_ready s."
  echo
  echo "| model | cuDNN search | TF32 | CUDA ready (s) | CUDA req/s | CUDA p50 / p95 / p99 ms | CUDA outside inference | CPU req/s | CPU p50 ms | speed-up | max \|Δ\| vs CPU (grey levels) | same bytes |"
  echo "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|"
  printf '%s\n' "${rows[@]}"
} | if [[ "$self_test" == 1 ]]; then cat; else
  # The serving table replaces the file's top; the training section below it (scripts/gpu-train-check.sh's) is kept.
  training=$(sed -n '/^## Training on CUDA/,$p' "$repo/bench/gpu.md" 2> /dev/null || true)
  { cat; [[ -z "$training" ]] || printf '\n%s\n' "$training"; } > "$repo/bench/gpu.md.new"
  mv "$repo/bench/gpu.md.new" "$repo/bench/gpu.md"
  cat "$repo/bench/gpu.md"
fi
