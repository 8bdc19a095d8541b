"""PIL peer for bench/image-decode.ts: the same work per image (open, grayscale, resize to SIZE) single-threaded,
as a torchvision Dataset worker does it. Prints one JSON line: {"images": n, "seconds": [...wall per repeat], "cpu": [...process CPU per repeat], "pil": version}.
Run with Debian's /usr/bin/python3 (python3-pil)."""
import json
import sys
import time

import PIL
from PIL import Image

size = int(sys.argv[1])
repeats = int(sys.argv[2])
files = [line.strip() for line in sys.stdin if line.strip()]
seconds = []
cpu = []
for _ in range(repeats):
    t0 = time.perf_counter()
    c0 = time.process_time()
    for f in files:
        with Image.open(f) as im:
            im.convert("L").resize((size, size), Image.BILINEAR).tobytes()
    seconds.append(time.perf_counter() - t0)
    cpu.append(time.process_time() - c0)
version = getattr(PIL, "__version__", None)
print(json.dumps({"images": len(files), "seconds": seconds, "cpu": cpu, "pil": version}))
