#!/usr/bin/env bash
# Trains emoji-upscale-x4 (issue 29): the srgan family's ESRGAN recipe (RRDBNet, VGG-style D, relativistic GAN, L1 +
# perceptual loss on a feature network trained here) small enough to train on a CPU in about an hour — nf 32, 2 RRDB
# blocks, growth 16, batch 8 of 64² HR / 16² LR random crops — on the training split only, so the 402 held-out emoji
# stay held out. On pairs made with --degrade (blurred, noisy, JPEG'd LR) the same recipe makes emoji-upscale-x4-real.
#   gan datasets emoji --layout sr --a openmoji --size 256 --scale 4 --out DATA_DIR     # once: HR 256², LR 64² (bicubic)
#   gan datasets emoji --layout groups --size 64 --out GROUPS_DIR                        # once: the feature network's classes
#   gan train-perceptual --data GROUPS_DIR --size 32 --epochs 8 --out FEATURES           # the perceptual loss's features
#   scripts/train-emoji-upscale.sh DATA_DIR RUN_DIR [MINUTES=75] --feature-net FEATURES               # a new run
#   scripts/train-emoji-upscale.sh DATA_DIR RUN_DIR [MINUTES] --resume [--pretrain-steps N …]         # continue it
# The PSNR-oriented phase (L1 only) needs no feature network: a run may start with --max-steps 1000 (= the PSNR steps)
# while the feature network trains, and resume into the adversarial phase with --resume --feature-net FEATURES
# --max-steps N: the feature file is read at every start. Runs under scripts/keep-training.sh, so a crash
# resumes from the last checkpoint (every 3 minutes) until MINUTES are spent; one libtorch thread. GAN selects the
# `gan` command (default: dotnet run of the CLI project). Progress: RUN_DIR/metrics.jsonl (phase, l1, percep, g_gan,
# d_real, d_fake) and RUN_DIR/samples/. Then:
#   gan export srgan --checkpoint RUN_DIR/checkpoint --name emoji-upscale-x4 --models STAGING
#   gan eval upscale --model STAGING/emoji-upscale-x4 --data DATA_DIR/test --grid samples.png
set -euo pipefail
data=${1:?usage: train-emoji-upscale.sh DATA_DIR RUN_DIR [MINUTES] [gan train flags…]}
run=${2:?RUN_DIR}
minutes=${3:-75}
shift $(( $# < 3 ? $# : 3 ))
read -ra gan <<< "${GAN:-dotnet run --project training/GanService.Cli --}"
# The same recipe on the degraded pairs (gan datasets emoji --layout sr --degrade, which leaves LR/degradations.csv) is
# emoji-upscale-x4-real; the description says which data it was, at every start (a resume sets it again).
lr="LR 64² bicubic"
[ -f "$data/train/LR/degradations.csv" ] && lr="LR 64² degraded as Real-ESRGAN does (blur, bicubic ×4, noise, JPEG; --degrade)"
exec "$(dirname "$0")/keep-training.sh" --minutes "$minutes" -- "${gan[@]}" train srgan \
  --data "$data/train" --arch rrdb --scale 4 --nf 32 --nb 2 --gc 16 --hr-size 64 --batch-size 8 --ndf 32 \
  --pretrain-steps 1000 --set emaBeta=0.995 --threads 1 --checkpoint-minutes 3 \
  --set "dataDescription=OpenMoji 17.0.0 colour emoji, training split (gan datasets emoji --layout sr --size 256 --scale 4: HR 256², $lr; 4,093 pairs)" \
  --set "dataLicense=CC-BY-SA-4.0 (OpenMoji, https://openmoji.org)" \
  --out "$run" "$@"
