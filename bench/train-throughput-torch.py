#!/usr/bin/python3
"""PyTorch CPU peer of bench/train-throughput.ts: the same models, batch, thread count and training step
(forward, BCE-with-logits, backward, Adam update), timed the same way. Prints one JSON object.

Thread pinning: the caller sets OMP_NUM_THREADS / OPENBLAS_NUM_THREADS / MKL_NUM_THREADS before this process
starts (they must be set before torch is imported); here torch.set_num_threads does the rest, and the JSON
reports what torch saw so a run that was not pinned shows it.

Run with Debian's interpreter (python3-torch / python3-torchvision): /usr/bin/python3 bench/train-throughput-torch.py ...
Dev/benchmark tool only, never a runtime dependency.
"""
import argparse
import json
import os
import resource
import time

import torch
import torch.nn as nn
import torchvision


def cbr(widths, kernel, num_classes):
    # sun-umn/TTL utils/CBR.py layout: Conv(k, stride 1, no padding, bias) -> BN -> ReLU -> MaxPool(3, 2).
    layers, cin = [], 3
    for w in widths:
        layers += [nn.Conv2d(cin, w, kernel), nn.BatchNorm2d(w), nn.ReLU(inplace=True), nn.MaxPool2d(3, 2)]
        cin = w
    return nn.Sequential(*layers, nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Dropout(0.1), nn.Linear(cin, num_classes))


def densenet_t1(num_classes, size):
    # torchvision features through transition1 (conv0..transition1), then Flatten -> Linear (the paper's head).
    full = torchvision.models.densenet121(num_classes=num_classes)
    children = list(full.features.children())
    names = [n for n, _ in full.features.named_children()]
    body = nn.Sequential(*children[: names.index("transition1") + 1])
    with torch.no_grad():
        feat = body(torch.zeros(1, 3, size, size)).numel()
    return nn.Sequential(body, nn.Flatten(), nn.Linear(feat, num_classes))


def keras_resnet50(num_classes):
    # Keras ResNet50 v1 (the grids' ResNet50K): the stride-2 on the first 1x1 conv of each downsampling block
    # instead of on the 3x3 (torchvision's v1.5), and a bias on every conv. Same FLOP profile as the tfjs model.
    model = torchvision.models.resnet50(num_classes=num_classes)
    for layer in (model.layer2, model.layer3, model.layer4):
        block = layer[0]
        block.conv1.stride, block.conv2.stride = block.conv2.stride, (1, 1)
    for name, module in list(model.named_modules()):
        for child_name, child in list(module.named_children()):
            if isinstance(child, nn.Conv2d) and child.bias is None:
                setattr(module, child_name, nn.Conv2d(child.in_channels, child.out_channels, child.kernel_size,
                                                      child.stride, child.padding, bias=True))
    return model


def build(name, size, num_classes):
    if name == "densenet121":
        return torchvision.models.densenet121(num_classes=num_classes)
    if name == "resnet50":
        return torchvision.models.resnet50(num_classes=num_classes)
    if name == "resnet50-keras":
        return keras_resnet50(num_classes)
    if name == "cbr-small":
        return cbr([32, 64, 128, 256], 7, num_classes)
    if name == "densenet121-t1":
        return densenet_t1(num_classes, size)
    raise SystemExit(f"unknown model {name}")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--model", required=True)
    p.add_argument("--size", type=int, required=True)
    p.add_argument("--batch", type=int, required=True)
    p.add_argument("--threads", type=int, required=True)
    p.add_argument("--steps", type=int, default=3)
    p.add_argument("--classes", type=int, default=14)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    model = build(a.model, a.size, a.classes)
    model.train()
    opt = torch.optim.Adam(model.parameters(), lr=1e-4)
    loss_fn = nn.BCEWithLogitsLoss()
    x = torch.randn(a.batch, 3, a.size, a.size)
    y = (torch.rand(a.batch, a.classes) > 0.5).float()

    def step():
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
        return loss.item()

    step()  # warm-up (allocator, oneDNN primitive creation), like the first step on our side
    times = []
    cpu0 = time.process_time()
    for _ in range(a.steps):
        t0 = time.perf_counter()
        step()
        times.append(time.perf_counter() - t0)
    cpu = time.process_time() - cpu0
    mean = sum(times) / len(times)
    print(json.dumps({
        "model": a.model, "size": a.size, "batch": a.batch, "threads": a.threads,
        "torch": torch.__version__, "torchvision": torchvision.__version__,
        "stepSeconds": times, "meanStepSeconds": mean, "imagesPerSecond": a.batch / mean,
        "imagesPerCpuSecond": a.batch * a.steps / cpu,
        "peakRssMiB": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "torchThreads": torch.get_num_threads(),
        "ompNumThreads": os.environ.get("OMP_NUM_THREADS"),
        "openblasNumThreads": os.environ.get("OPENBLAS_NUM_THREADS"),
    }))


if __name__ == "__main__":
    main()
