#!/usr/bin/env python3
"""Writes the example inputs shipped in models/<name>/examples/ (the web page's clickable examples; GET
/models/{name}/examples). Every example is a held-out input: from the test split of the recipe the model was trained on
(shared/DATA.md, the model's card), never from its training data.

Build the data sets first with the recipes (the emoji ones fetch the npm packages and need rsvg-convert; Fashion-MNIST
is Debian's dataset-fashion-mnist):

    gan datasets emoji --out DATA/emoji-line2color --layout aligned --source openmoji-line2color --size 64
    gan datasets emoji --out DATA/emoji-om-tw --layout unaligned --a openmoji --b twemoji --size 64
    gan datasets shapes --out DATA/shapes --layout aligned --size 64 --count 800 --seed 0
    gan datasets shapes --out DATA/shapes-domains --layout domains --size 32 --count 600 --seed 5

then: python3 scripts/model_examples.py DATA [--models models]
"""
import argparse
import gzip
import shutil
import struct
import sys
import zlib
from pathlib import Path

# Emoji held out by code point (EmojiKey.IsTest), chosen to show what each model does: faces, an animal, an object.
EMOJI = ["1f600", "1f60d", "1f431", "1f34e"]
FASHION_IDX = "/usr/share/datasets/fashion-mnist"
FASHION_CLASSES = ["t-shirt", "trouser", "pullover", "dress", "coat", "sandal", "shirt", "sneaker", "bag", "ankle-boot"]


def copy_examples(sources, target: Path):
    target.mkdir(parents=True, exist_ok=True)
    for old in target.glob("*.png"):
        old.unlink()
    for source, name in sources:
        if not source.is_file():
            sys.exit(f"missing {source}: build the data set with its recipe first (see this script's docstring)")
        shutil.copyfile(source, target / name)


def png_grey(path: Path, width: int, height: int, pixels: bytes):
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    rows = b"".join(b"\x00" + pixels[y * width:(y + 1) * width] for y in range(height))
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
                     + chunk(b"IDAT", zlib.compress(rows, 9)) + chunk(b"IEND", b""))


def fashion_examples(target: Path, per_class=(0, 1, 7, 8)):
    """The first test image of some classes, 28² padded with black to 32² as the models were trained."""
    with gzip.open(f"{FASHION_IDX}/t10k-images-idx3-ubyte.gz") as f:
        _, count, rows, cols = struct.unpack(">IIII", f.read(16))
        images = f.read()
    with gzip.open(f"{FASHION_IDX}/t10k-labels-idx1-ubyte.gz") as f:
        f.read(8)
        labels = f.read()
    target.mkdir(parents=True, exist_ok=True)
    for old in target.glob("*.png"):
        old.unlink()
    for wanted in per_class:
        index = labels.index(wanted)
        image = images[index * rows * cols:(index + 1) * rows * cols]
        padded = bytearray(32 * 32)
        for y in range(rows):
            padded[(y + 2) * 32 + 2:(y + 2) * 32 + 2 + cols] = image[y * cols:(y + 1) * cols]
        png_grey(target / f"test-{index:04d}-{FASHION_CLASSES[wanted]}.png", 32, 32, bytes(padded))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data")
    parser.add_argument("--models", default="models")
    args = parser.parse_args()
    data, models = Path(args.data), Path(args.models)

    line2color = data / "emoji-line2color" / "test"
    copy_examples([(line2color / "A" / f"{k}.png", f"{k}-line-art.png") for k in EMOJI], models / "sketch2emoji" / "examples")
    om_tw = data / "emoji-om-tw"
    copy_examples([(om_tw / "testA" / f"{k}.png", f"{k}-openmoji.png") for k in EMOJI], models / "openmoji2twemoji" / "examples")
    copy_examples([(om_tw / "testB" / f"{k}.png", f"{k}-twemoji.png") for k in EMOJI], models / "twemoji2openmoji" / "examples")
    copy_examples([(om_tw / "testA" / f"{k}.png", f"{k}-openmoji.png") for k in EMOJI], models / "emoji-style" / "examples")

    shapes = sorted((data / "shapes" / "test" / "A").glob("*.png"))[:4]
    copy_examples([(p, f"outline-{p.name}") for p in shapes], models / "shapes2color-pix2pix" / "examples")
    domains = data / "shapes-domains" / "test"
    copy_examples([(sorted((domains / colour).glob("*.png"))[0], f"{colour}-{sorted((domains / colour).glob('*.png'))[0].name}")
                   for colour in ("blue", "green", "red")], models / "shapes-recolor-stargan" / "examples")

    for name in ("fmnist-aae", "fmnist-ali"):
        fashion_examples(models / name / "examples")


if __name__ == "__main__":
    main()
