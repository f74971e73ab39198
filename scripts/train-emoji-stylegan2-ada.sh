#!/usr/bin/env bash
# Trains the 64² emoji StyleGAN2 with adaptive discriminator augmentation (issue 30, StyleGAN2-ADA) on the training
# split only, so the 402 held-out emoji stay held out, in two stages as progressive growing and StyleGAN2-ADA's transfer
# learning suggest for a CPU budget: first at 32² (the shipped 32² model's slim widths: 64 channels up to 16², 32 at 32²),
# then at 64² starting from that run (--init-from: the mapping and the 4²…32² blocks carried over, a 64² block of 16
# channels and D's new top block trained from their initialisation). Both stages: batch 16, NVlabs small-config lr,
# R1 γ from NVlabs's 'auto' config (0.0002 · size² / batch: 0.0128 at 32², 0.0512 at 64²), style mixing, EMA, x-flips,
# ADA in place of DiffAugment ('bgc' pipeline, p steered toward r_t = 0.6).
# Deviation from StyleGAN2-ADA: p may move from 0 to 1 in 100 kimg, not the paper's 500. Their runs are tens of
# thousands of kimg; these are a few hundred, and at 500 the 64² run's p had reached only 0.12 after 113 kimg while
# r_t sat at 0.8–1.0 (D's mean real logit 3–6): the heuristic asked for more augmentation than p could give in time.
#   gan datasets emoji-captions --out DATA32 --size 32; gan datasets emoji-captions --out DATA64 --size 64   # once
#   SIZE=32 scripts/train-emoji-stylegan2-ada.sh DATA32 RUN32 [MINUTES=240]                     # stage 1, a new run
#   SIZE=64 scripts/train-emoji-stylegan2-ada.sh DATA64 RUN64 [MINUTES] --init-from RUN32/checkpoint   # stage 2
#   SIZE=64 scripts/train-emoji-stylegan2-ada.sh DATA64 RUN64 [MINUTES] --resume               # continue either stage
# Runs under scripts/keep-training.sh, so a crash resumes from the last checkpoint (every 3 minutes) until MINUTES are
# spent. THREADS (default 1) libtorch threads; GAMMA overrides the R1 γ; CHANNEL_BASE (default 1024: 16 channels at 64²)
# widens the upper blocks (2048: 64 at 32², 32 at 64², the 32² model's width at each scale), e.g. from a narrower
# 64² run with --init-from RUN/checkpoint --init-widen true; CHANNEL_MAX (default 64) caps every block's width, so 128
# widens the 4²…16² blocks of G and D, where a sample's subject is laid out, the same way. GAN selects the `gan`
# command (default: dotnet run of the CLI project); GAN_CONV_REMEDY defaults to isa, the faster remedy for StyleGAN2 on
# a CPU whose oneDNN convolutions are wrong (docs/platform.md). Progress, p and r_t: RUN/metrics.jsonl and
# RUN/samples/loss_plot.png. Then scripts/ship-emoji-stylegan2.sh RUN64 DATA64 STAGING_MODELS_DIR measures it.
set -euo pipefail
data=${1:?usage: [SIZE=32|64] train-emoji-stylegan2-ada.sh DATA_DIR RUN_DIR [MINUTES] [--resume | --init-from CHECKPOINT]}
run=${2:?RUN_DIR}
minutes=${3:-240}
shift $(( $# < 3 ? $# : 3 ))
size=${SIZE:-64}
gamma=${GAMMA:-$(awk -v s="$size" 'BEGIN { printf "%.4g", 0.0002 * s * s / 16 }')}
read -ra gan <<< "${GAN:-dotnet run --project training/GanService.Cli --}"
export GAN_CONV_REMEDY=${GAN_CONV_REMEDY:-isa}
exec "$(dirname "$0")/keep-training.sh" --minutes "$minutes" -- "${gan[@]}" train stylegan2 \
  --data "$data/train" --size "$size" --channel-base "${CHANNEL_BASE:-1024}" --channel-max "${CHANNEL_MAX:-64}" \
  --batch-size 16 \
  --gamma "$gamma" --ada true --ada-kimg 100 --augment "" --threads "${THREADS:-1}" --checkpoint-minutes 3 \
  --set "dataDescription=OpenMoji 17.0.0 colour emoji, training split (gan datasets emoji-captions --size $size, train/, 4,093 images)" \
  --set "dataLicense=CC-BY-SA-4.0 (OpenMoji, https://openmoji.org)" \
  --out "$run" "$@"
