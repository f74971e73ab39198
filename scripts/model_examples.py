#!/usr/bin/env python3
"""Writes the example inputs shipped in models/<name>/examples/ (the web page's clickable examples; GET
/models/{name}/examples). Every example is a held-out input: from the test split of the recipe the model was trained on
(shared/DATA.md, the model's card), never from its training data.

Build the data sets first with the recipes (the emoji ones fetch the npm packages and need rsvg-convert; Fashion-MNIST
is Debian's dataset-fashion-mnist):

    gan datasets emoji --out DATA/emoji-line2color --layout aligned --source openmoji-line2color --size 64
    gan datasets emoji --out DATA/emoji-om-tw --layout unaligned --a openmoji --b twemoji --size 64
    gan datasets shapes --out DATA/shapes --layout aligned --size 64 --count 800 --seed 0
    gan datasets shapes --out DATA/shapes-heldout --layout domains --size 32 --count 30 --seed 99
    gan datasets emoji --out DATA/emoji-sr --layout sr --a openmoji --size 256 --scale 4

then: python3 scripts/model_examples.py DATA [--models models]
"""
import argparse
import gzip
import shutil
import struct
import sys
import zlib
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from serve_probe import read_png  # noqa: E402  (the one PNG reader of the scripts)

# Emoji held out by code point (EmojiKey.IsTest), chosen to show what each model does: faces, an animal, an object. The
# files are numbered in this order (the page lists examples by name and runs the first).
EMOJI = ["1f606", "1f633", "1f431", "1f34c"]
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


def png_write(path: Path, width: int, height: int, channels: int, pixels: bytes):
    """An 8-bit grey (1 channel) or RGB (3) PNG, rows unfiltered."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    stride = width * channels
    rows = b"".join(b"\x00" + pixels[y * stride:(y + 1) * stride] for y in range(height))
    colour_type = {1: 0, 3: 2}[channels]
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, colour_type, 0, 0, 0))
                     + chunk(b"IDAT", zlib.compress(rows, 9)) + chunk(b"IEND", b""))


def png_read_rgb(path: Path):
    """(width, height, RGB bytes) of an 8-bit RGB, non-interlaced PNG (what `gan datasets shapes` writes), through the
    PNG reader serve_probe.py already has."""
    width, height, channels, pixels = read_png(path)
    if channels != 3:
        sys.exit(f"{path}: expected an 8-bit RGB PNG, found {channels} channel(s)")
    return width, height, pixels


def left_half(source: Path, target: Path):
    """The input (A) of an aligned A|B pair."""
    width, height, rgb = png_read_rgb(source)
    half = width // 2
    png_write(target, half, height, 3, b"".join(rgb[y * width * 3:(y * width + half) * 3] for y in range(height)))


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
        png_write(target / f"test-{index:04d}-{FASHION_CLASSES[wanted]}.png", 32, 32, 1, bytes(padded))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data")
    parser.add_argument("--models", default="models")
    args = parser.parse_args()
    data, models = Path(args.data), Path(args.models)

    line2color = data / "emoji-line2color" / "test"
    copy_examples([(line2color / "A" / f"{k}.png", f"{i}-{k}-line-art.png") for i, k in enumerate(EMOJI, 1)], models / "sketch2emoji" / "examples")
    om_tw = data / "emoji-om-tw"
    copy_examples([(om_tw / "testA" / f"{k}.png", f"{i}-{k}-openmoji.png") for i, k in enumerate(EMOJI, 1)], models / "openmoji2twemoji" / "examples")
    copy_examples([(om_tw / "testB" / f"{k}.png", f"{i}-{k}-twemoji.png") for i, k in enumerate(EMOJI, 1)], models / "twemoji2openmoji" / "examples")
    copy_examples([(om_tw / "testA" / f"{k}.png", f"{i}-{k}-openmoji.png") for i, k in enumerate(EMOJI, 1)], models / "emoji-style" / "examples")
    # emoji-upscale-x4: the 64² low-resolution inputs (HR 256² downsampled ×4, bicubic) of the same held-out emoji.
    copy_examples([(data / "emoji-sr" / "test" / "LR" / f"{k}.png", f"{i}-{k}-64px.png") for i, k in enumerate(EMOJI, 1)], models / "emoji-upscale-x4" / "examples")

    # shapes2color-pix2pix: the outlines (left halves) of the recipe's first test pairs; samples.png shows all 16.
    outlines = models / "shapes2color-pix2pix" / "examples"
    copy_examples([], outlines)
    for pair in sorted((data / "shapes" / "test").glob("*.png"))[:4]:
        left_half(pair, outlines / f"test-{pair.stem}-outline.png")
    # shapes-recolor-stargan: shapes of another seed than its training set's (as its samples.png), one per colour.
    heldout = data / "shapes-heldout" / "train"
    copy_examples([(sorted((heldout / colour).glob("*.png"))[0], f"seed99-{colour}-{sorted((heldout / colour).glob('*.png'))[0].name}")
                   for colour in ("blue", "green", "red")], models / "shapes-recolor-stargan" / "examples")

    for name in ("fmnist-aae", "fmnist-ali"):
        fashion_examples(models / name / "examples")


if __name__ == "__main__":
    main()
