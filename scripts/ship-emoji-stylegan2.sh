#!/usr/bin/env bash
# Exports a StyleGAN2 emoji run into a model folder and measures it: FD / KID against the held-out OpenMoji emoji on the
# emoji style classifier's and the emoji content classifier's features (beside the training emoji themselves, the
# floor, and the models already in models/), the nearest training emoji of eight samples, and the card's figures.
#   scripts/ship-emoji-stylegan2.sh RUN_DIR DATA_DIR MODELS_DIR   # DATA from gan datasets emoji-captions --size 64
# Writes MODELS_DIR/emoji-stylegan2/ (model, samples.png, truncation.png, style-mix.png, nearest.png) and prints the
# measurements as a markdown table; the card's prose is written by hand around that table. Export to a staging folder
# first and move it into models/ only if it measures better than what ships.
set -euo pipefail
run=${1:?RUN_DIR} data=${2:?DATA_DIR} models=${3:?MODELS_DIR}
gan=${GAN:-"dotnet run --project training/GanService.Cli --"}
ckpt=$(mktemp -d)
trap 'rm -rf "$ckpt"' EXIT
cp -r "$run/checkpoint/." "$ckpt/"
m="$models/emoji-stylegan2"
$gan export stylegan2 --checkpoint "$ckpt" --name emoji-stylegan2 --models "$models" \
  --set "license=CC-BY-SA-4.0" --set "dataLicense=CC-BY-SA-4.0 (OpenMoji, https://openmoji.org)" \
  --set "description=StyleGAN2 (64x64, slim) trained on the OpenMoji colour emoji of the training split; mapping + synthesis graphs, truncation and style mixing in W."
$gan generate --model "$m" --seeds 0-47 --trunc 0.7 --noise-mode const --grid "$m/samples.png"
$gan trunc-sweep --model "$m" --seeds 0-5 --psi 1,0.9,0.8,0.7,0.6,0.5 --out "$m/truncation.png"
$gan style-mix --model "$m" --rows 1,2,3,4 --cols 10-14 --styles 0-3 --trunc 0.7 --out "$m/style-mix.png"
$gan eval nearest --model "$m" --data "$data/train" --seeds 0-7 --trunc 0.7 --out "$m/nearest.png"
echo "| set | style FD | style KID | content FD | content KID |"
echo "|---|---|---|---|---|"
row() {
  local name=$1; shift
  local s c
  s=$($gan eval "$@" --features metrics/emoji-style-classifier.onnx --data "$data/test" | grep -E '^(FD|KID)' | awk '{print $2 ($3 == "±" ? " ± " $4 : "")}' | paste -sd'|')
  c=$($gan eval "$@" --features metrics/emoji-content-classifier.onnx --data "$data/test" | grep -E '^(FD|KID)' | awk '{print $2 ($3 == "±" ? " ± " $4 : "")}' | paste -sd'|')
  echo "| $name | ${s%%|*} | ${s#*|} | ${c%%|*} | ${c#*|} |"
}
row "this model (ψ 0.7)" --model "$m" --count 1000
row "this model (ψ 1)" --model "$m" --count 1000 --trunc 1
for other in models/emoji-stylegan2 models/emoji-progan; do
  [ -d "$other" ] && [ "$(realpath "$other")" != "$(realpath "$m")" ] && row "$(basename "$other") (shipped)" --model "$other" --count 1000
done
row "training emoji (floor)" --images "$data/train" --size 64
