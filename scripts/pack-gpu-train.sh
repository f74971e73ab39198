#!/usr/bin/env bash
# Packs the `gan` CLI for scripts/gpu-train-check.sh on a GPU machine that has no .NET and no network: a self-contained
# linux-x64 publish without libtorch (-p:GanLibTorch=external: the machine's PyTorch brings libtorch and CUDA), as
# tar | xz, split into parts of at most 58,000,000 bytes (each one carried to the machine on its own), with SHA256SUMS.
#
# Usage: scripts/pack-gpu-train.sh [--api] [OUT_DIR]     default OUT_DIR: artifacts/gpu-train (ignored by git)
#   --api   also packs the API, self-contained with the CUDA build of ONNX Runtime (-p:GanUseGpu=true), as
#           gan-api-linux-x64.tar.xz.part-NN, for scripts/gpu-check.sh on the same machine (GPU_CHECK_API=DIR).
# Then, on the GPU machine, from the repository root with the parts in artifacts/gpu-train/: scripts/gpu-train-check.sh
# (bench/gpu.md, "Training on CUDA", has the exact steps).
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
with_api=0
[[ "${1:-}" == --api ]] && { with_api=1; shift; }
out=${1:-$repo/artifacts/gpu-train}
part_bytes=58000000
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
command -v dotnet > /dev/null || { echo "pack-gpu-train: the .NET SDK is required" >&2; exit 2; }
echo "pack-gpu-train: dotnet publish training/GanService.Cli -r linux-x64 --self-contained -p:GanLibTorch=external …"
# Its own artifacts folder: the restore for a RID without libtorch does not touch the usual obj/ folders.
dotnet publish "$repo/training/GanService.Cli/GanService.Cli.csproj" -c Release -r linux-x64 --self-contained true \
  -p:GanLibTorch=external --artifacts-path "$work/artifacts" -o "$work/gan-linux-x64" -v q -nologo > "$work/publish.log" 2>&1 \
  || { tail -20 "$work/publish.log"; echo "pack-gpu-train: publish failed" >&2; exit 1; }
if compgen -G "$work/gan-linux-x64/libtorch*.so" > /dev/null || [[ -e "$work/gan-linux-x64/libc10.so" ]]; then
  echo "pack-gpu-train: the publish contains a libtorch; it would be loaded beside the machine's (docs/platform.md)" >&2; exit 1
fi
if ((with_api)); then
  echo "pack-gpu-train: dotnet publish src/GanService.Api -r linux-x64 --self-contained -p:GanUseGpu=true …"
  dotnet publish "$repo/src/GanService.Api/GanService.Api.csproj" -c Release -r linux-x64 --self-contained true \
    -p:GanUseGpu=true --artifacts-path "$work/artifacts-api" -o "$work/gan-api-linux-x64" -v q -nologo > "$work/publish-api.log" 2>&1 \
    || { tail -20 "$work/publish-api.log"; echo "pack-gpu-train: API publish failed" >&2; exit 1; }
fi
mkdir -p "$out"
rm -f "$out"/gan-linux-x64.tar.xz.part-* "$out"/gan-api-linux-x64.tar.xz.part-* "$out/SHA256SUMS" "$out/gan-api-linux-x64.SHA256SUMS"
for folder in gan-linux-x64 $( ((with_api)) && echo gan-api-linux-x64); do
  tar -C "$work" -cf - "$folder" | xz -6 -T0 | split -b "$part_bytes" -d -a 2 - "$out/$folder.tar.xz.part-"
  # The CLI's sums in SHA256SUMS (gpu-train-check.sh checks them), the API's in their own file: each carried alone.
  sums=SHA256SUMS; [[ "$folder" == gan-linux-x64 ]] || sums=$folder.SHA256SUMS
  (cd "$out" && sha256sum "$folder".tar.xz.part-* > "$sums")
  echo "pack-gpu-train: $folder $(du -sh "$work/$folder" | cut -f1) published"
done
echo "pack-gpu-train: parts in $out:"
ls -l "$out" | tail -n +2
