#!/usr/bin/env bash
# Trains the 64² emoji StyleGAN2 with adaptive discriminator augmentation (issue 30, StyleGAN2-ADA) on the training
# split only, so the 402 held-out emoji stay held out. The recipe is the earlier 64² run's (the card of
# models/emoji-stylegan2: the 32² model's slim widths one level deeper, 64 channels up to 32² and 32 at 64², batch 16,
# NVlabs small-config defaults for lr, R1 γ 0.01, style mixing, EMA; x-flips) with one change: ADA (p steered toward
# r_t = 0.6 at the paper's speed, 'bgc' pipeline) in place of DiffAugment.
#   gan datasets emoji-captions --out DATA_DIR --size 64          # once: DATA_DIR/train (4,093) and DATA_DIR/test (402)
#   scripts/train-emoji-stylegan2-ada.sh DATA_DIR RUN_DIR [MINUTES=240]            # a new run
#   scripts/train-emoji-stylegan2-ada.sh DATA_DIR RUN_DIR [MINUTES] --resume       # continue RUN_DIR/checkpoint
# Runs under scripts/keep-training.sh, so a crash resumes from the last checkpoint (every 3 minutes) until MINUTES are
# spent; one libtorch thread (--threads 1). GAN selects the `gan` command (default: dotnet run of the CLI project);
# GAN_CONV_REMEDY defaults to isa, the faster remedy for StyleGAN2 on a CPU whose oneDNN convolutions are wrong
# (docs/platform.md). Progress, p and r_t: RUN_DIR/metrics.jsonl and RUN_DIR/samples/loss_plot.png. Then
# scripts/ship-emoji-stylegan2.sh RUN_DIR DATA_DIR STAGING_MODELS_DIR measures it.
set -euo pipefail
data=${1:?usage: train-emoji-stylegan2-ada.sh DATA_DIR RUN_DIR [MINUTES] [--resume]}
run=${2:?RUN_DIR}
minutes=${3:-240}
shift $(( $# < 3 ? $# : 3 ))
read -ra gan <<< "${GAN:-dotnet run --project training/GanService.Cli --}"
export GAN_CONV_REMEDY=${GAN_CONV_REMEDY:-isa}
exec "$(dirname "$0")/keep-training.sh" --minutes "$minutes" -- "${gan[@]}" train stylegan2 \
  --data "$data/train" --size 64 --channel-base 2048 --channel-max 64 --batch-size 16 \
  --ada true --augment "" --threads 1 --checkpoint-minutes 3 \
  --set "dataDescription=OpenMoji 17.0.0 colour emoji, training split (gan datasets emoji-captions --size 64, train/, 4,093 images)" \
  --set "dataLicense=CC-BY-SA-4.0 (OpenMoji, https://openmoji.org)" \
  --out "$run" "$@"
