#!/usr/bin/env bash
# Packs the `gan` CLI for scripts/gpu-train-check.sh on a GPU machine that has no .NET and no network: a self-contained
# linux-x64 publish without libtorch (-p:GanLibTorch=external: the machine's PyTorch brings libtorch and CUDA), as
# tar | xz, split into parts of at most 58,000,000 bytes (each one carried to the machine on its own), with SHA256SUMS.
#
# Usage: scripts/pack-gpu-train.sh [OUT_DIR]     default OUT_DIR: artifacts/gpu-train (ignored by git)
# Then, on the GPU machine, from the repository root with the parts in artifacts/gpu-train/: scripts/gpu-train-check.sh
# (bench/gpu.md, "Training on CUDA", has the exact steps).
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
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
mkdir -p "$out"
rm -f "$out"/gan-linux-x64.tar.xz.part-* "$out/SHA256SUMS"
tar -C "$work" -cf - gan-linux-x64 | xz -6 -T0 | split -b "$part_bytes" -d -a 2 - "$out/gan-linux-x64.tar.xz.part-"
(cd "$out" && sha256sum gan-linux-x64.tar.xz.part-* > SHA256SUMS)
echo "pack-gpu-train: $(du -sh "$work/gan-linux-x64" | cut -f1) published; parts in $out:"
ls -l "$out" | tail -n +2
