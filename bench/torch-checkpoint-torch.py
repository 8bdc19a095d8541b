#!/usr/bin/python3
"""PyTorch peer of bench/torch-checkpoint.ts: writes full-size torchvision checkpoints laid out as the published
ones are (one contiguous storage per tensor, float32, seeded random init), times torch.load on each, and records
each model's eval-mode logits on the shared test input. Prints one JSON object.

    /usr/bin/python3 bench/torch-checkpoint-torch.py <out dir> <repeats>

Dev/benchmark tool only (Debian python3-torch / python3-torchvision), never a runtime dependency.
"""
import importlib.util
import json
import os
import statistics
import sys
import time
from collections import OrderedDict

import torch
import torchvision


def make_input(n, c, h, w):
    """scripts/gen-model-golden.py's input formula (goldenInput in the tests)."""
    path = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), 'scripts', 'gen-model-golden.py')
    spec = importlib.util.spec_from_file_location('gen_model_golden', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.make_input(n, c, h, w)


def main(out_dir, repeats):
    torch.set_num_threads(1)
    torch.manual_seed(0)
    x = make_input(1, 3, 64, 64)
    result = OrderedDict()
    for arch in ('densenet121', 'resnet50'):
        model = getattr(torchvision.models, arch)(num_classes=1000).eval()
        with torch.no_grad():
            logits = model(x).reshape(-1).tolist()
        for fmt in ('zip', 'legacy'):
            path = os.path.join(out_dir, '%s.%s.pth' % (arch, fmt))
            torch.save(model.state_dict(), path, _use_new_zipfile_serialization=(fmt == 'zip'))
            seconds = []
            for _ in range(repeats):
                t0 = time.perf_counter()
                torch.load(path, map_location='cpu')
                seconds.append(time.perf_counter() - t0)
            result['%s.%s' % (arch, fmt)] = {
                'architecture': arch, 'path': path, 'bytes': os.path.getsize(path),
                'torchLoadSeconds': statistics.median(seconds), 'logits': logits,
            }
    print(json.dumps({'torch': torch.__version__, 'files': result}))


if __name__ == '__main__':
    main(sys.argv[1], int(sys.argv[2]))
