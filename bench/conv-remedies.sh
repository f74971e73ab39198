#!/usr/bin/env bash
# Training speed under each convolution remedy (docs/platform.md): a few families, the same steps, one machine, one run.
# usage: bench/conv-remedies.sh [STEPS]   — prints a markdown table of seconds per step and the ratio to "off".
# "off" is libtorch as it comes: fastest, and wrong on a CPU where the check finds a defect. "pad" is not measured: on
# such a CPU its double backward is wrong, so the check replaces it with no-mkldnn (docs/platform.md).
set -euo pipefail
cd "$(dirname "$0")/.."
steps=${1:-20}
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
dotnet build training/GanService.Cli -c Release -o "$work/gan" -v q -nologo >/dev/null
gan() { dotnet "$work/gan/gan.dll" "$@"; }
gan datasets shapes --out "$work/aligned" --layout aligned --count 64 --size 64 >/dev/null
gan datasets shapes --out "$work/faces" --layout domains --count 64 --size 64 >/dev/null
declare -A cmd=(
  [dcgan-64]="train dcgan --data $work/faces/train --size 64 --channels 3 --batch-size 16"
  [pix2pix-64]="train pix2pix --data $work/aligned --crop-size 64 --load-size 64 --batch-size 4 --netG unet_64"
  [stylegan2-32]="train stylegan2 --data $work/faces/train --size 32 --batch-size 8"
  [stargan-64]="train stargan --data $work/faces/train --crop-size 64 --load-size 64 --batch-size 8"
)
# a setting: GAN_CONV_REMEDY's value, or gate-off (no-mkldnn with the finalizer gate off: what the gate costs)
settings=(off isa no-mkldnn gate-off)
echo "| family (${steps} steps) | $(IFS='|'; echo "${settings[*]}" | sed 's/|/ | /g') |"
echo "|---|$(printf -- '---|%.0s' "${settings[@]}")"
for fam in dcgan-64 pix2pix-64 stylegan2-32 stargan-64; do
  row="| $fam |"; base=""
  for s in "${settings[@]}"; do
    out="$work/run-$fam-$s"
    t0=$(date +%s.%N)
    remedy=$s gate=1; [[ $s == gate-off ]] && remedy=no-mkldnn gate=0
    GAN_CONV_REMEDY=$remedy GAN_FINALIZER_GATE=$gate gan ${cmd[$fam]} --out "$out" --max-steps "$steps" --threads 2 >/dev/null 2>"$out.err" || { row+=" failed |"; continue; }
    t=$(echo "$(date +%s.%N) - $t0" | bc)
    [[ -z $base ]] && base=$t
    row+=" $(printf '%.2f s/step (×%.2f)' "$(echo "$t / $steps" | bc -l)" "$(echo "$t / $base" | bc -l)") |"
  done
  echo "$row"
done
