#!/usr/bin/env bash
# Training on a GPU (issue 31, item 2), on a machine with an NVIDIA GPU and a CUDA PyTorch but no .NET SDK and no
# network: the `gan` CLI comes as a self-contained linux-x64 publish without libtorch (scripts/pack-gpu-train.sh makes it,
# in parts), and loads the PyTorch's own libtorch (--libtorch, docs/platform.md "CUDA libtorch").
#
#   1. the PyTorch's version against TorchSharp 0.107's libtorch 2.10 — first, and nothing else runs if it differs;
#   2. `gan doctor --libtorch …`: the libtorch loaded, CUDA devices, the convolution probe on the GPU;
#   3. a pix2pix U-Net-256 run and a StyleGAN2 64² run with --device cuda on synthetic shapes (`gan datasets shapes`):
#      seconds per step, losses finite (the run's NaN guard stops it otherwise), a resume from the checkpoint, export to
#      ONNX from the CUDA-trained checkpoint, and export parity (pix2pix: `gan eval translation --checkpoint`, the largest
#      |TorchSharp − ONNX Runtime| on the CPU); StyleGAN2: `gan generate` from the exported model;
#   4. the same runs for a few steps with --device cpu on that machine, for the step-time ratio.
# Everything goes under $OUT (summary.md, the logs, doctor.txt, the runs' losses.csv and metrics.jsonl).
#
# Usage (from the repository root):
#   scripts/gpu-train-check.sh                       the CLI from artifacts/gpu-train/gan-linux-x64.tar.xz.part-* (joined,
#                                                    unpacked) or from GAN_APP (a folder holding the publish's `gan`)
# Environment: OUT (results folder; default a new temporary one), GAN_TORCH_PYTHON (/opt/torch/.venv/bin/python),
#   GAN_TRAIN_STEPS (200 GPU steps per run; the resume adds as many again), GAN_TRAIN_CPU_STEPS (3),
#   GPU_TRAIN_SELF_TEST=1: no GPU needed — the "cuda" runs use --device cpu with GAN_TRAIN_STEPS steps (test the script).
# Exit: 0 all ran; 2 no GPU / no CLI / bad settings; 3 the PyTorch is not libtorch 2.10 (nothing was run); 1 a step failed.
set -euo pipefail

fail() { echo "gpu-train-check: $*" >&2; [[ -n "${OUT:-}" ]] && echo "gpu-train-check: $*" >> "$OUT/summary.md"; exit "${2:-2}"; }
say() { echo "gpu-train-check: $*"; }

repo=$(cd "$(dirname "$0")/.." && pwd)
OUT=${OUT:-$(mktemp -d)}
mkdir -p "$OUT"
: > "$OUT/summary.md"
self_test=${GPU_TRAIN_SELF_TEST:-0}
steps=${GAN_TRAIN_STEPS:-200} cpu_steps=${GAN_TRAIN_CPU_STEPS:-3}
[[ "$steps" =~ ^[0-9]+$ && "$steps" -ge 2 && "$cpu_steps" =~ ^[0-9]+$ && "$cpu_steps" -ge 1 ]] || fail "GAN_TRAIN_STEPS must be ≥ 2 and GAN_TRAIN_CPU_STEPS ≥ 1"
python=${GAN_TORCH_PYTHON:-/opt/torch/.venv/bin/python}
expected=2.10   # TorchSharp 0.107.0 is built against libtorch 2.10.0 (LibTorchLocation.ExpectedLine)

# 1. The PyTorch's version, read from torch/version.py without importing torch (no CUDA start-up for a refusal).
[[ -x "$python" ]] || fail "no Python at $python (set GAN_TORCH_PYTHON to the python of a CUDA PyTorch install)"
torch_dir=$("$python" -c 'import importlib.util, os; s = importlib.util.find_spec("torch"); print(os.path.dirname(s.origin) if s else "")' 2> /dev/null || true)
[[ -n "$torch_dir" && -d "$torch_dir/lib" ]] || fail "no torch package for $python"
torch_version=$(sed -n "s/^__version__ *= *['\"]\([^'\"]*\)['\"].*/\1/p" "$torch_dir/version.py")
torch_cuda=$(sed -n "s/^cuda *[:=].*['\"]\([^'\"]*\)['\"].*/\1/p" "$torch_dir/version.py")
say "PyTorch $torch_version (CUDA ${torch_cuda:-none}) at $torch_dir"
if [[ "$torch_version" != "$expected".* ]]; then
  {
    echo "# Training on CUDA: not run"
    echo
    echo "The machine's PyTorch is $torch_version (CUDA ${torch_cuda:-none}); TorchSharp 0.107 is built against libtorch 2.10.0, and"
    echo "libtorch's C++ interface changes between minor versions, so the CLI cannot load this one. Nothing was run."
    echo "Bring a PyTorch/libtorch $expected.x (for example a CUDA libtorch 2.10 zip, or the wheel) or build the CLI with"
    echo "-p:GanLibTorch=cuda where a NuGet feed serves libtorch-cuda-12.8-linux-x64 2.10.0."
  } >> "$OUT/summary.md"
  fail "PyTorch $torch_version is not libtorch $expected.x (TorchSharp 0.107); training part not run" 3
fi

# 2. A GPU (unless self-testing).
if [[ "$self_test" == 1 ]]; then gpu="none (self-test: the cuda runs use --device cpu)"; device=cpu; else
  command -v nvidia-smi > /dev/null || fail "no NVIDIA GPU/driver found: nvidia-smi is not installed"
  gpu=$(timeout 20 nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>&1) \
    || fail "no NVIDIA GPU/driver found: nvidia-smi failed or timed out: ${gpu:-no output}"
  [[ -n "$gpu" ]] || fail "no NVIDIA GPU/driver found: nvidia-smi lists no GPU"
  device=cuda
fi
say "GPU: $gpu"

# 3. The CLI: GAN_APP, else the carried parts.
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
if [[ -n "${GAN_APP:-}" ]]; then app=$GAN_APP; else
  parts=("$repo"/artifacts/gpu-train/gan-linux-x64.tar.xz.part-*)
  [[ -e "${parts[0]}" ]] || fail "no CLI: set GAN_APP or carry artifacts/gpu-train/gan-linux-x64.tar.xz.part-* (scripts/pack-gpu-train.sh)"
  if [[ -f "$repo/artifacts/gpu-train/SHA256SUMS" ]]; then
    (cd "$repo/artifacts/gpu-train" && sha256sum -c --quiet SHA256SUMS) || fail "the carried parts do not match SHA256SUMS (a part missing or cut short?)"
  fi
  cat "${parts[@]}" | xz -d | tar -x -C "$work"
  app="$work/gan-linux-x64"
fi
[[ -x "$app/gan" ]] || fail "no gan executable in $app"
gan() { "$app/gan" "$@" --libtorch "$torch_dir/lib"; }

{
  echo "# Training on CUDA (scripts/gpu-train-check.sh)"
  echo
  echo "$(date -u +%Y-%m-%d) · commit $(git -C "$repo" rev-parse --short HEAD 2> /dev/null || echo unknown) · GPU: $gpu"
  echo "· PyTorch $torch_version (CUDA ${torch_cuda:-none}), its libtorch loaded with --libtorch · CPU: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
  echo
} >> "$OUT/summary.md"

say "gan doctor"
doctor_rc=0
gan doctor > "$OUT/doctor.txt" 2>&1 || doctor_rc=$?
cat "$OUT/doctor.txt"
[[ $doctor_rc == 0 ]] || fail "gan doctor failed (exit $doctor_rc): see doctor.txt" 1
if [[ "$device" == cuda ]]; then
  grep -q '^cuda          available' "$OUT/doctor.txt" || fail "libtorch from $torch_dir/lib sees no CUDA device (doctor.txt)" 1
fi
{ echo '```'; grep -E '^(torchsharp|libtorch|cuda|cuda check|result) ' "$OUT/doctor.txt"; echo '```'; echo; } >> "$OUT/summary.md"

say "data: synthetic shapes (pix2pix 256² A|B pairs, StyleGAN2 64² images)"
gan datasets shapes --out "$work/aligned" --layout aligned --count 64 --test-count 8 --size 256 > /dev/null
gan datasets shapes --out "$work/shapes" --layout domains --count 96 --size 64 > /dev/null

declare -A args=(
  [pix2pix]="train pix2pix --data $work/aligned --load-size 256 --crop-size 256 --netG unet_256 --batch-size 1"
  [stylegan2]="train stylegan2 --data $work/shapes/train --size 64 --batch-size 8"
)
# Seconds per step over a run's last half (its first steps carry cuDNN's algorithm search and the allocator's growth),
# from the run's metrics.jsonl (one line per step: step, seconds since the run started); a one-step run: that step,
# start-up included.
per_step() {
  "$python" - "$1" << 'EOF'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
if len(rows) == 1:
    first, last = {"step": 0, "seconds": 0.0}, rows[0]
elif len(rows) < 4:
    first, last = rows[0], rows[-1]
else:
    first, last = rows[len(rows) // 2 - 1], rows[-1]
n = last["step"] - first["step"]
print(f"{(last['seconds'] - first['seconds']) / n:.3f}" if n > 0 else "n/a")
EOF
}
last_losses() { tail -1 "$1" | "$python" -c 'import json,sys; r=json.loads(sys.stdin.read()); print(", ".join(f"{k} {v:.3g}" for k, v in r.items() if k not in ("epoch","step","seconds") and v is not None))'; }

# One family: N steps on $device, a resume to 2N, export, parity; then a few steps on the CPU.
train_family() {
  local fam=$1 run="$work/run-$1" log="$OUT/$1"
  say "$fam: $steps steps on $device"
  local rc=0
  gan ${args[$fam]} --device "$device" --max-steps "$steps" --checkpoint-minutes 60 --out "$run" > "$log-train.log" 2>&1 || rc=$?
  cp "$run/metrics.jsonl" "$log-metrics.jsonl" 2> /dev/null || true
  [[ $rc == 0 ]] || { tail -5 "$log-train.log"; fail "$fam on $device: exit $rc (see $fam-train.log)" 1; }
  local sps; sps=$(per_step "$run/metrics.jsonl")
  say "$fam: resume to step $((2 * steps))"
  gan train "$fam" --out "$run" --resume --max-steps $((2 * steps)) > "$log-resume.log" 2>&1 || { tail -5 "$log-resume.log"; fail "$fam: resume failed (see $fam-resume.log)" 1; }
  cp "$run/metrics.jsonl" "$log-metrics.jsonl"
  local resumed; resumed=$("$python" -c 'import json,sys; print(json.load(open(sys.argv[1]))["step"])' "$run/checkpoint/state.json" 2> /dev/null || echo "?")
  [[ "$resumed" == $((2 * steps)) ]] || fail "$fam: after the resume the checkpoint is at step $resumed, not $((2 * steps))" 1
  say "$fam: export from the checkpoint"
  gan export "$fam" --checkpoint "$run/checkpoint" --name "gpu-$fam" --models "$work/models" > "$log-export.log" 2>&1 || { tail -5 "$log-export.log"; fail "$fam: export failed (see $fam-export.log)" 1; }
  local parity
  if [[ "$fam" == pix2pix ]]; then
    # The test A|B images serve as inputs and as "truth": only the parity line is read (same inputs through the
    # checkpoint's network in TorchSharp and through the exported ONNX graph, both on the CPU).
    gan eval translation --model "$work/models/gpu-$fam" --inputs "$work/aligned/test" --truth "$work/aligned/test" --reference "$work/aligned/train" \
      --checkpoint "$run/checkpoint" --card "$work/card-$fam.md" --grid "$work/grid-$fam.png" --features "$repo/metrics/emoji-style-classifier.onnx" > "$log-parity.log" 2>&1 \
      || { tail -5 "$log-parity.log"; fail "$fam: export parity check failed (see $fam-parity.log)" 1; }
    parity=$(grep -o 'max |TorchSharp − ONNX Runtime| = [^ ]*' "$work/card-$fam.md" | head -1 | sed 's/.*= //')
    [[ -n "$parity" ]] || fail "$fam: no parity figure in the eval output (see $fam-parity.log)" 1
  else
    gan generate --model "$work/models/gpu-$fam" --seeds 0-15 --grid "$OUT/$fam-generated.png" > "$log-generate.log" 2>&1 \
      || { tail -5 "$log-generate.log"; fail "$fam: generate from the exported model failed (see $fam-generate.log)" 1; }
    parity="exported and generated (grid $fam-generated.png)"
  fi
  say "$fam: $cpu_steps steps on the CPU"
  local cpu_run="$work/cpu-$fam" cpu_sps="n/a"
  if gan ${args[$fam]} --device cpu --max-steps "$cpu_steps" --checkpoint-minutes 60 --out "$cpu_run" > "$log-cpu.log" 2>&1; then
    cpu_sps=$(per_step "$cpu_run/metrics.jsonl")
  fi
  echo "| $fam | $device | $steps + $steps | $sps | $cpu_sps | $(last_losses "$run/metrics.jsonl") | step $resumed | $parity |" >> "$work/rows.md"
}

: > "$work/rows.md"
for fam in pix2pix stylegan2; do train_family "$fam"; done
{
  echo "| run | device | steps (run + resume) | s/step on the device | s/step on the CPU ($cpu_steps steps) | last losses | checkpoint after resume | export |"
  echo "|---|---|---|---:|---:|---|---|---|"
  cat "$work/rows.md"
} >> "$OUT/summary.md"
cat "$OUT/summary.md"
say "done: $OUT"
