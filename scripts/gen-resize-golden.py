"""Golden outputs of PIL's Image.resize(..., BILINEAR) on 8-bit gray images, for test/data/png-fast-path.test.ts.

    /usr/bin/python3 scripts/gen-resize-golden.py > test/fixtures/data-resize-golden.json

Inputs are synthetic patterns defined by a formula the test recomputes (top half hash noise, bottom half
gradients: both sharp edges and smooth ramps), plus the first few prepared COVID images when the shared data
folder is there. 'fit' cases place the resized image in a square the way lib/data/image/fit.ts (sharp) does:
one scale for both axes (max of the two shrinks for pad-white, min for center-crop), resized sides rounded,
padding split floor/ceil (odd pixel right/bottom), crop offset ceil((w - side) / 2) (odd pixel left/top).
Each case stores the sha256 of the full output and every STRIDE-th pixel (hex), to keep the fixture small.
Run with Debian's /usr/bin/python3 (python3-pil).
"""
import hashlib
import json
import os
import sys

import PIL
from PIL import Image

STRIDE = 7
HERE = os.path.dirname(os.path.abspath(__file__))
SHARED = os.environ.get("RETHINK_SHARED", os.path.join(HERE, "..", "..", "shared"))
COVID_IMAGES = os.path.join(SHARED, "data", "covid-chestxray-cohen-256", "images")


def pattern(w, h, seed):
    """Must match `pattern` in test/data/png-fast-path.test.ts."""
    px = bytearray(w * h)
    for y in range(h):
        for x in range(w):
            if 2 * y < h:
                v = ((x * 2654435761 + y * 2246822519 + seed * 374761393) % 4294967296) // 16777216
            else:
                v = ((x * 255) // max(w - 1, 1) + (y * 97) // h) % 256
            px[y * w + x] = v
    return Image.frombytes("L", (w, h), bytes(px))


def fit_square(im, side, fit):
    w, h = im.size
    if fit == "stretch":
        return im.resize((side, side), Image.BILINEAR)
    hs, vs = w / side, h / side
    s = max(hs, vs) if fit == "pad-white" else min(hs, vs)
    rw = side if hs == s else max(1, int(w / s + 0.5))
    rh = side if vs == s else max(1, int(h / s + 0.5))
    r = im.resize((rw, rh), Image.BILINEAR) if (rw, rh) != (w, h) else im.copy()
    if fit == "pad-white":
        out = Image.new("L", (side, side), 255)
        out.paste(r, ((side - rw) // 2, (side - rh) // 2))
        return out
    left, top = (rw - side + 1) // 2, (rh - side + 1) // 2
    return r.crop((left, top, left + side, top + side))


def record(case, out):
    data = out.tobytes()
    case.update(
        outWidth=out.size[0],
        outHeight=out.size[1],
        sha256=hashlib.sha256(data).hexdigest(),
        stride=STRIDE,
        samples=data[::STRIDE].hex(),
    )
    return case


def main():
    cases = []
    # Plain resizes: (w, h, seed, out_w, out_h)
    for w, h, seed, ow, oh in [
        (256, 256, 1, 224, 224),  # the paper's eval size from the prepared 256 px images
        (256, 256, 2, 64, 64),  # 4x: wider filter support
        (200, 200, 3, 256, 256),  # upscale: support stays 1
        (300, 200, 4, 160, 120),  # non-square, different scale per axis
        (120, 80, 5, 200, 40),  # up in x, down in y
        (1000, 30, 6, 37, 29),  # large, fractional shrink
    ]:
        out = pattern(w, h, seed).resize((ow, oh), Image.BILINEAR)
        cases.append(record({"name": f"resize {w}x{h} -> {ow}x{oh}", "kind": "resize", "width": w, "height": h, "seed": seed}, out))
    for w, h, seed, side, fit in [
        (300, 200, 7, 224, "pad-white"),
        (300, 200, 7, 224, "center-crop"),
        (150, 257, 8, 100, "pad-white"),
        (150, 257, 8, 100, "center-crop"),
        (333, 97, 9, 64, "center-crop"),
        (97, 333, 9, 64, "pad-white"),
        (255, 256, 10, 224, "stretch"),
    ]:
        out = fit_square(pattern(w, h, seed), side, fit)
        cases.append(record({"name": f"fit {fit} {w}x{h} -> {side}", "kind": "fit", "width": w, "height": h, "seed": seed, "side": side, "fit": fit}, out))
    if os.path.isdir(COVID_IMAGES):
        names = sorted(n for n in os.listdir(COVID_IMAGES) if n.endswith(".png"))[:3]
        for n in names:
            with Image.open(os.path.join(COVID_IMAGES, n)) as im:
                assert im.mode == "L", f"{n}: expected an 8-bit gray PNG, got {im.mode}"
                out = im.resize((224, 224), Image.BILINEAR)
            cases.append(record({"name": f"covid {n} -> 224", "kind": "covid", "file": n}, out))
    else:
        print(f"warning: {COVID_IMAGES} not found; COVID cases left out", file=sys.stderr)
    json.dump({"generator": "scripts/gen-resize-golden.py", "pil": PIL.__version__, "filter": "BILINEAR", "cases": cases}, sys.stdout, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
