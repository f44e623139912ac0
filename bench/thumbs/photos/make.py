#!/usr/bin/env python3
"""Makes the photographic inputs of the storage benchmark from Debian's `mate-backgrounds` photos.

Each photo is cropped to the aspect of one of Gemini's output sizes (around the point named below),
downscaled with Pillow's LANCZOS and saved as PNG with Pillow's defaults (zlib level 6), as a Python
model server would answer. Source, authors and licence: README.md beside this file.

usage: python3 make.py NATURE_DIR OUT_DIR
  NATURE_DIR: usr/share/backgrounds/mate/nature of `apt-get download mate-backgrounds` (1.26.0-1),
  unpacked with `dpkg-deb -x`. Needs Pillow.
"""
import os, sys

from PIL import Image

# output name, source file, size, horizontal centre of the crop (0–1 of the width)
PHOTOS = [
    ("photo-wood-sq1024", "Wood.jpg", (1024, 1024), 0.5),
    ("photo-raindrops-sq1024", "RainDrops.jpg", (1024, 1024), 0.5),
    ("photo-dune-land1344x768", "Dune.jpg", (1344, 768), 0.5),
    ("photo-ladybird-port768x1344", "LadyBird.jpg", (768, 1344), 0.7),
]


def crop_to(image, size, centre):
    """The largest box of the target's aspect, centred on `centre` across and on the middle down."""
    (w, h), (tw, th) = image.size, size
    if w * th > h * tw:
        cw, ch = round(h * tw / th), h
    else:
        cw, ch = w, round(w * th / tw)
    left = min(max(round(centre * w - cw / 2), 0), w - cw)
    top = (h - ch) // 2
    return image.crop((left, top, left + cw, top + ch))


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    source, out = sys.argv[1], sys.argv[2]
    os.makedirs(out, exist_ok=True)
    for name, file, size, centre in PHOTOS:
        image = Image.open(os.path.join(source, file)).convert("RGB")
        crop_to(image, size, centre).resize(size, Image.LANCZOS).save(os.path.join(out, name + ".png"))
        print(name)


if __name__ == "__main__":
    main()
