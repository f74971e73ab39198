#!/usr/bin/env bash
# Rebuilds the OpenMoji colour-emoji image folder used to train emoji-stylegan2 (deterministic: same package version,
# same renderer, sorted file names, PNGs composited on white).
#   scripts/build-emoji-dataset.sh OUT_DIR [SIZE=32]
# Needs: npm (reaches the registry), rsvg-convert (apt install librsvg2-bin).
# Data: OpenMoji 17.0.0 (https://openmoji.org), CC BY-SA 4.0 — credit "OpenMoji – the open-source emoji and icon project".
set -euo pipefail
out=${1:?usage: build-emoji-dataset.sh OUT_DIR [SIZE]}
size=${2:-32}
command -v rsvg-convert >/dev/null || { echo "rsvg-convert missing: apt-get install librsvg2-bin" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent openmoji@17.0.0 >/dev/null && tar xzf openmoji-17.0.0.tgz)
mkdir -p "$out"
n=0
while IFS= read -r svg; do
  name=$(basename "$svg" .svg)
  rsvg-convert --width "$size" --height "$size" --keep-aspect-ratio --background-color white \
    --format png --output "$out/$name.png" "$svg"
  n=$((n + 1))
done < <(find "$work/package/color/svg" -name '*.svg' | LC_ALL=C sort)
cp "$work/package/LICENSE.txt" "$out/LICENSE-openmoji.txt" 2>/dev/null || true
echo "rendered $n emoji at ${size}x${size} into $out"
