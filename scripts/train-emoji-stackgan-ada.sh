#!/usr/bin/env bash
# Trains the emoji StackGAN with adaptive discriminator augmentation (issue 30, StyleGAN2-ADA on both stages'
# discriminators) on the training split only, so the 402 held-out emoji stay held out for `gan eval text`. The recipe
# is the shipped models/emoji-stackgan's (its card and model.json: Stage-I width 128, Stage-II width 16, 300 encoder +
# 1,000 Stage-I + 2,500 Stage-II steps, batch 32, KL coefficient 2, the family's defaults otherwise) with one change:
# ADA (p steered toward r_t = 0.6, 'bgc' pipeline; p starts over when Stage II's D begins). As in
# scripts/train-emoji-stylegan2-ada.sh, p may move from 0 to 1 in 100 kimg rather than the paper's 500: Stage II sees
# 80 kimg in all, in which p could otherwise not pass 0.16.
#   gan datasets emoji-captions --out DATA_DIR --size 64          # once: DATA_DIR/train (4,093) and DATA_DIR/test (402)
#   scripts/train-emoji-stackgan-ada.sh DATA_DIR RUN_DIR [MINUTES=150]             # a new run
#   scripts/train-emoji-stackgan-ada.sh DATA_DIR RUN_DIR [MINUTES] --resume        # continue RUN_DIR/checkpoint
# Runs under scripts/keep-training.sh, so a crash resumes from the last checkpoint (every 3 minutes) until MINUTES are
# spent; one libtorch thread (--threads 1). GAN selects the `gan` command (default: dotnet run of the CLI project).
# Progress, p and r_t: RUN_DIR/metrics.jsonl and RUN_DIR/samples/loss_plot.png. Then
#   gan eval text --checkpoint RUN_DIR/checkpoint --data DATA_DIR --out EVAL_DIR
# gives the caption retrieval score and KID to set beside the shipped model's card.
set -euo pipefail
data=${1:?usage: train-emoji-stackgan-ada.sh DATA_DIR RUN_DIR [MINUTES] [--resume]}
run=${2:?RUN_DIR}
minutes=${3:-150}
shift $(( $# < 3 ? $# : 3 ))
read -ra gan <<< "${GAN:-dotnet run --project training/GanService.Cli --}"
exec "$(dirname "$0")/keep-training.sh" --minutes "$minutes" -- "${gan[@]}" train stackgan \
  --data "$data/train" --size 64 --stage-one-size 32 --batch-size 32 --kl 2 \
  --encoder-steps 300 --stage-one-steps 1000 --stage-two-steps 2500 \
  --set stageOneWidth=128 --set stageTwoWidth=16 \
  --ada true --ada-kimg 100 --threads 1 --checkpoint-minutes 3 \
  --set "dataDescription=OpenMoji 17.0.0 colour emoji with captions (annotation; annotation + tags + group/subgroup words), gan datasets emoji-captions --size 64, train split (4093 emoji)" \
  --set "dataLicense=CC BY-SA 4.0 (OpenMoji – the open-source emoji and icon project, https://openmoji.org)" \
  --out "$run" "$@"
