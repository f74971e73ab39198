#!/usr/bin/env bash
# Training speed under each convolution remedy (docs/platform.md): a few families, the same steps, one machine, one run.
# usage: bench/conv-remedies.sh [STEPS]   — prints a markdown table of seconds per step and the ratio to "off".
# "off" is libtorch as it comes: fastest, and wrong on a CPU where the check finds a defect.
set -euo pipefail
cd "$(dirname "$0")/.."
steps=${1:-20}
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
dotnet build training/GanService.Cli -c Release -o "$work/gan" -v q -nologo >/dev/null
gan() { dotnet "$work/gan/gan.dll" "$@"; }
gan datasets shapes --out "$work/aligned" --layout aligned --count 64 --size 64 >/dev/null
gan datasets shapes --out "$work/faces" --layout domains --count 64 --size 32 >/dev/null
declare -A cmd=(
  [dcgan-64]="train dcgan --data $work/faces/train --size 64 --channels 3 --batch-size 16"
  [pix2pix-64]="train pix2pix --data $work/aligned --crop-size 64 --load-size 64 --batch-size 4 --set netG=unet_64"
  [stylegan2-32]="train stylegan2 --data $work/faces/train --size 32 --batch-size 8"
  [stargan-32]="train stargan --data $work/faces/train --crop-size 32 --load-size 32 --batch-size 8"
)
settings=(off pad isa no-mkldnn)
echo "| family (${steps} steps) | $(IFS='|'; echo "${settings[*]}" | sed 's/|/ | /g') |"
echo "|---|$(printf -- '---|%.0s' "${settings[@]}")"
for fam in dcgan-64 pix2pix-64 stylegan2-32 stargan-32; do
  row="| $fam |"; base=""
  for s in "${settings[@]}"; do
    out="$work/run-$fam-$s"
    t0=$(date +%s.%N)
    GAN_CONV_REMEDY=$s gan ${cmd[$fam]} --out "$out" --max-steps "$steps" --threads 2 >/dev/null 2>"$out.err" || { row+=" failed |"; continue; }
    t=$(echo "$(date +%s.%N) - $t0" | bc)
    [[ -z $base ]] && base=$t
    row+=" $(printf '%.2f s/step (×%.2f)' "$(echo "$t / $steps" | bc -l)" "$(echo "$t / $base" | bc -l)") |"
  done
  echo "$row"
done
