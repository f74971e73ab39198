#!/usr/bin/env bash
# Exports an emoji translation run into models/ and measures it against the held-out ground truth (writes the card's
# table and samples.png with `gan eval translation`, which also checks export parity against the checkpoint), then
# regenerates the zoo table.
#   scripts/ship-emoji-translation.sh sketch2emoji RUN_DIR DATA_DIR   # pix2pix; DATA from gan datasets emoji --layout aligned
#   scripts/ship-emoji-translation.sh cyclegan RUN_DIR DATA_DIR       # → openmoji2twemoji + twemoji2openmoji; --layout unaligned
#   scripts/ship-emoji-translation.sh stargan RUN_DIR DATA_DIR        # → emoji-style; --layout domains with the styles
#                                                                     #   fluent-flat,noto,openmoji,twemoji (served as fluent, noto, openmoji, twemoji)
# The card's prose (what it is, how long it trained, what the samples show) is written by hand above the table.
set -euo pipefail
what=${1:?usage: ship-emoji-translation.sh sketch2emoji|cyclegan|stargan RUN_DIR DATA_DIR}
run=${2:?RUN_DIR}
data=${3:?DATA_DIR}
gan="dotnet run --project training/GanService.Cli --"
# A copy, so a training run that is still writing checkpoints cannot change the weights half-way through.
ckpt=$(mktemp -d)
trap 'rm -rf "$ckpt"' EXIT
cp -r "$run/checkpoint/." "$ckpt/"
case "$what" in
  sketch2emoji)
    $gan export pix2pix --checkpoint "$ckpt" --name sketch2emoji --models models
    $gan eval translation --model models/sketch2emoji --checkpoint "$ckpt" --label "sketch2emoji (line art → colour)" \
      --inputs "$data/test/A" --truth "$data/test/B" --reference "$data/train/B"
    ;;
  cyclegan)
    $gan export cyclegan --checkpoint "$ckpt" --name openmoji2twemoji --models models --set direction=AtoB
    $gan export cyclegan --checkpoint "$ckpt" --name twemoji2openmoji --models models --set direction=BtoA
    $gan eval translation --model models/openmoji2twemoji --checkpoint "$ckpt" --direction AtoB --label "openmoji2twemoji (CycleGAN G_A)" \
      --inputs "$data/testA" --truth "$data/testB" --reference "$data/trainB"
    $gan eval translation --model models/twemoji2openmoji --checkpoint "$ckpt" --direction BtoA --label "twemoji2openmoji (CycleGAN G_B)" \
      --inputs "$data/testB" --truth "$data/testA" --reference "$data/trainA"
    ;;
  stargan)
    # The domains are the sorted folder names; `labels` renames them for serving in the same order.
    $gan export stargan --checkpoint "$ckpt" --name emoji-style --models models --set labels=fluent,noto,openmoji,twemoji
    # Every target from OpenMoji (openmoji itself from Twemoji); samples.png is the OpenMoji → Twemoji grid.
    for pair in twemoji:twemoji fluent:fluent-flat noto:noto openmoji:openmoji; do
      target=${pair%%:*} folder=${pair#*:} source=openmoji
      [ "$target" = openmoji ] && source=twemoji
      grid=models/emoji-style/samples-$target.png
      [ "$target" = twemoji ] && grid=models/emoji-style/samples.png
      $gan eval translation --model models/emoji-style --checkpoint "$ckpt" --target "$target" --label "$source → $target" --grid "$grid" \
        --inputs "$data/test/$source" --truth "$data/test/$folder" --reference "$data/train/$folder"
    done
    # styles.png: eight held-out OpenMoji emoji spread over the sorted set, each in every style.
    picks=$(mktemp -d)
    ls "$data/test/openmoji" | awk 'NR % 34 == 1 && NR < 272' | while read -r f; do cp "$data/test/openmoji/$f" "$picks/"; done
    $gan translate --model models/emoji-style --in "$picks" --target twemoji,fluent,noto,openmoji --out models/emoji-style/styles.png
    rm -rf "$picks"
    ;;
  *) echo "unknown model '$what': sketch2emoji, cyclegan or stargan" >&2; exit 2 ;;
esac
$gan zoo table --write
