#!/usr/bin/env bash
# Packages a trained emoji StyleGAN2 run as models/emoji-stylegan2 (ONNX graphs + model.json + samples.png) and renders
# the review figures (seed grid, truncation sweep, style mixing, interpolation) into FIGURES_DIR.
#   scripts/ship-emoji-stylegan2.sh RUN_DIR [FIGURES_DIR=/tmp/emoji-stylegan2-figures]
set -euo pipefail
run=${1:?usage: ship-emoji-stylegan2.sh RUN_DIR [FIGURES_DIR]}
fig=${2:-/tmp/emoji-stylegan2-figures}
gan="dotnet run --project training/GanService.Cli --"
mkdir -p "$fig"
$gan export stylegan2 --name emoji-stylegan2 --checkpoint "$run/checkpoint" --models models \
  --set "data=OpenMoji 17.0.0 colour emoji (all 4,495 SVGs) rendered to 32x32 on white by rsvg-convert (gan datasets emoji-captions --size 32, train + test)" \
  --set "dataLicense=CC-BY-SA-4.0 (OpenMoji, https://openmoji.org)" \
  --set "license=CC-BY-SA-4.0" \
  --set "description=StyleGAN2 (32x32, slim) trained on OpenMoji colour emoji; mapping + synthesis graphs, truncation and style mixing in W."
$gan generate --model models/emoji-stylegan2 --seeds 0-47 --trunc 0.7 --columns 8 --grid models/emoji-stylegan2/samples.png
$gan generate --model models/emoji-stylegan2 --seeds 0-63 --trunc 1 --columns 8 --grid "$fig/seeds-psi1.png"
$gan trunc-sweep --model models/emoji-stylegan2 --seeds 0-7 --psi 1,0.9,0.8,0.7,0.6,0.5 --out "$fig/trunc-sweep.png"
$gan style-mix --model models/emoji-stylegan2 --rows 1,2,3,4,5 --cols 6,7,8,9,10,11 --styles 0-3 --trunc 0.7 --out "$fig/style-mix-coarse.png"
$gan style-mix --model models/emoji-stylegan2 --rows 1,2,3,4,5 --cols 6,7,8,9,10,11 --styles 4-7 --trunc 0.7 --out "$fig/style-mix-fine.png"
$gan interpolate --model models/emoji-stylegan2 --from 1 --to 2 --steps 8 --trunc 0.7 --out "$fig/interpolate.png"
echo "figures in $fig"
