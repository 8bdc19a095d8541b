#!/usr/bin/python3
"""Golden outputs proving lib/models computes what torchvision computes.

Run with Debian's interpreter (python3-torch, python3-torchvision), never the pyenv one:

    /usr/bin/python3 scripts/gen-model-golden.py

For each model it builds the torch reference, fills EVERY parameter and buffer with a formula of the state-dict
key and the flat (C-order) index, runs fixed inputs in eval mode and writes outputs to
test/fixtures/models-golden.json. test/models/*.test.ts rebuilds the same numbers in TypeScript
(test/models/golden-fill.ts), writes them to a safetensors file and loads them through the real loader, so no
weight file is committed.

The formula (keep in sync with test/models/golden-fill.ts):
    phase(key) = (fnv1a32(key) % 6283) / 1000
    wave[i]    = sin(0.61803 * i + phase(key))                  (float64, then rounded to float32)
    conv / linear weight   sqrt(3 / fan_in) * wave               fan_in = prod(shape[1:])
    conv / linear bias     0.1 * wave
    bn weight              1 + 0.2 * wave
    bn bias / running_mean 0.1 * wave
    bn running_var         1 + 0.5 * wave                        (in [0.5, 1.5], so positive)
    num_batches_tracked    0
    input x (NCHW, flat j) sin(0.0137 * j) + 0.5 * cos(0.291 * j + 0.3)
Large feature maps are summarised: 512 values at NCHW flat indices floor(k * n / 512), plus sum and sum |x|.
"""
import json
import math
import os
from collections import OrderedDict

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, 'test', 'fixtures', 'models-golden.json')
SAMPLES = 512


def fnv1a32(text):
    h = 0x811C9DC5
    for ch in text:
        h ^= ord(ch)
        h = (h * 0x01000193) & 0xFFFFFFFF
    return h


def wave(key, n):
    phase = (fnv1a32(key) % 6283) / 1000.0
    return np.sin(0.61803 * np.arange(n, dtype=np.float64) + phase)


def fill_value(key, shape, kind):
    n = int(np.prod(shape)) if len(shape) else 1
    w = wave(key, n)
    if kind == 'weight':
        fan_in = int(np.prod(shape[1:]))
        v = math.sqrt(3.0 / fan_in) * w
    elif kind == 'bias':
        v = 0.1 * w
    elif kind == 'bn-weight':
        v = 1.0 + 0.2 * w
    elif kind in ('bn-bias', 'bn-mean'):
        v = 0.1 * w
    elif kind == 'bn-var':
        v = 1.0 + 0.5 * w
    else:
        raise ValueError(kind)
    return v.astype(np.float32).reshape(shape)


def fill_model(model):
    """Overwrite every parameter and buffer; returns [(key, shape)] in state-dict order."""
    spec = []
    sd = model.state_dict()
    kinds = {}
    for mod_name, mod in model.named_modules():
        prefix = mod_name + '.' if mod_name else ''
        if isinstance(mod, (nn.Conv2d, nn.Linear)):
            kinds[prefix + 'weight'] = 'weight'
            if mod.bias is not None:
                kinds[prefix + 'bias'] = 'bias'
        elif isinstance(mod, nn.BatchNorm2d):
            kinds[prefix + 'weight'] = 'bn-weight'
            kinds[prefix + 'bias'] = 'bn-bias'
            kinds[prefix + 'running_mean'] = 'bn-mean'
            kinds[prefix + 'running_var'] = 'bn-var'
            kinds[prefix + 'num_batches_tracked'] = 'count'
    with torch.no_grad():
        for key, tensor in sd.items():
            kind = kinds[key]  # KeyError = a module type this script does not know: fail loudly
            if kind == 'count':
                tensor.zero_()
                continue
            tensor.copy_(torch.from_numpy(fill_value(key, list(tensor.shape), kind)))
            spec.append([key, list(tensor.shape)])
    return spec


def make_input(n, c, h, w):
    j = np.arange(n * c * h * w, dtype=np.float64)
    x = np.sin(0.0137 * j) + 0.5 * np.cos(0.291 * j + 0.3)
    return torch.from_numpy(x.astype(np.float32).reshape(n, c, h, w))


def full(t):
    return {'shape': list(t.shape), 'values': [float(v) for v in t.detach().reshape(-1).tolist()]}


def summary(t):
    flat = t.detach().reshape(-1).double()
    n = flat.numel()
    idx = [(k * n) // SAMPLES for k in range(SAMPLES)]
    return {
        'shape': list(t.shape),
        'indices': idx,
        'values': [float(flat[i]) for i in idx],
        'sum': float(flat.sum()),
        'sumAbs': float(flat.abs().sum()),
    }


# --- CBR, exactly as sun-umn/TTL utils/CBR.py (module names kept so state-dict keys match) ---------------------
class CBR(nn.Module):
    def __init__(self, cin, cout, stride, k):
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, kernel_size=k, stride=stride)
        self.bn = nn.BatchNorm2d(cout)

    def forward(self, x):
        return F.relu(self.bn(self.conv(x)))


class CBRNet(nn.Module):
    def __init__(self, widths, kernel, pool_last, classes):
        super().__init__()
        self.n = len(widths)
        self.pool_last = pool_last
        cin = 3
        for i, w in enumerate(widths, start=1):
            setattr(self, 'CBR%d' % i, CBR(cin, w, 1, kernel))
            if i < self.n or pool_last:
                setattr(self, 'pool%d' % i, nn.MaxPool2d(kernel_size=(3, 3), stride=(2, 2)))
            cin = w
        self.fc = nn.Linear(cin, classes)
        self.dp = nn.Dropout(p=0.1)

    def features(self, x):
        for i in range(1, self.n + 1):
            x = getattr(self, 'CBR%d' % i)(x)
            if i < self.n or self.pool_last:
                x = getattr(self, 'pool%d' % i)(x)
        return x

    def forward(self, x):
        x = F.adaptive_avg_pool2d(self.features(x), (1, 1)).view(x.size(0), -1)
        return self.fc(self.dp(x))


CBR_SPECS = {
    'large-t': ([32, 64, 128, 256, 512], 7, False, 224),
    'large-w': ([64, 128, 256, 512], 7, True, 128),
    'small': ([32, 64, 128, 256], 7, True, 128),
    'tiny': ([64, 128, 256, 512], 5, True, 96),
}


class Truncated(nn.Module):
    """The paper's truncation (utils/models.py), with module names kept: features children up to a cut, then
    Flatten -> Linear (torch flattens NCHW, i.e. channel-major)."""

    def __init__(self, features, keep, flat_dim, classes):
        super().__init__()
        self.features = nn.Sequential(OrderedDict(list(features.named_children())[:keep]))
        self.classifier = nn.Linear(flat_dim, classes)

    def forward(self, x):
        return self.classifier(torch.flatten(self.features(x), 1))


def densenet_case():
    m = torchvision.models.densenet121(num_classes=1000).eval()
    spec = fill_model(m)
    x = make_input(2, 3, 64, 64)
    feats = {}
    with torch.no_grad():
        h = x
        for name, child in m.features.named_children():
            h = child(h)
            if name in ('transition1', 'transition2', 'transition3', 'norm5'):
                feats[name] = summary(h)
        logits = m(x)
    # T1 with the paper's flatten -> linear head (3 classes): checks our flatten order matches torch's.
    t1 = Truncated(m.features, 6, 128 * 8 * 8, 3).eval()
    t1_spec = fill_model(t1)
    with torch.no_grad():
        t1_logits = t1(x)
    return {
        'input': [2, 3, 64, 64],
        'stateDict': spec,
        'logits': full(logits),
        'features': feats,
        't1FlattenLinear': {'stateDict': t1_spec[-2:], 'logits': full(t1_logits)},
    }


def resnet_case():
    m = torchvision.models.resnet50(num_classes=1000).eval()
    spec = fill_model(m)
    x = make_input(2, 3, 64, 64)
    feats = {}
    with torch.no_grad():
        h = m.maxpool(m.relu(m.bn1(m.conv1(x))))
        for name in ('layer1', 'layer2', 'layer3', 'layer4'):
            h = getattr(m, name)(h)
            feats[name] = summary(h)
        logits = m(x)
    return {'input': [2, 3, 64, 64], 'stateDict': spec, 'logits': full(logits), 'features': feats}


def cbr_case(variant):
    widths, kernel, pool_last, size = CBR_SPECS[variant]
    m = CBRNet(widths, kernel, pool_last, 3).eval()
    spec = fill_model(m)
    x = make_input(1, 3, size, size)
    with torch.no_grad():
        logits = m(x)
        feats = m.features(x)
    return {'input': [1, 3, size, size], 'stateDict': spec, 'logits': full(logits), 'features': summary(feats)}


def bn_training_case():
    """One CBR-Tiny block in training mode: BN normalises with the batch statistics and updates the running
    statistics with momentum 0.1. torch updates running_var with the UNBIASED batch variance; tfjs uses the
    biased one, so both are recorded."""
    widths, kernel, pool_last, _ = CBR_SPECS['tiny']
    m = CBRNet(widths, kernel, pool_last, 3)
    spec = fill_model(m)
    x = make_input(2, 3, 96, 96)
    m.train()
    with torch.no_grad():
        conv = m.CBR1.conv(x)
        n = conv.shape[0] * conv.shape[2] * conv.shape[3]
        biased = conv.var(dim=(0, 2, 3), unbiased=False)
        var_before = m.CBR1.bn.running_var.clone()
        out = m.CBR1.bn(conv)
    return {
        'input': [2, 3, 96, 96],
        'stateDict': spec,
        'bnOutput': summary(out),
        'runningMean': m.CBR1.bn.running_mean.tolist(),
        'runningVarTorch': m.CBR1.bn.running_var.tolist(),
        'runningVarBiasedUpdate': (0.9 * var_before + 0.1 * biased).tolist(),
        'reductionSize': int(n),
    }


def truncation_counts():
    """Backbone parameter counts and flatten sizes at 224 px of the paper's truncations (utils/models.py)."""
    x = torch.zeros(1, 3, 224, 224)
    d = torchvision.models.densenet121().eval()
    children = list(d.features.named_children())
    dense = {}
    for level, keep in (('T1', 6), ('T2', 8), ('T3', 10), ('F', len(children))):
        net = nn.Sequential(OrderedDict(children[:keep]))
        with torch.no_grad():
            flat = int(np.prod(net(x).shape[1:]))
        dense[level] = {'backbone': sum(p.numel() for p in net.parameters()), 'flatten': flat}
    r = torchvision.models.resnet50().eval()
    rchildren = list(r.named_children())
    res = {}
    for level, keep in (('L1', 5), ('L2', 6), ('L3', 7), ('F', 8)):
        net = nn.Sequential(OrderedDict(rchildren[:keep]))
        with torch.no_grad():
            flat = int(np.prod(net(x).shape[1:]))
        res[level] = {'backbone': sum(p.numel() for p in net.parameters()), 'flatten': flat}
    return {'densenet121': dense, 'resnet50': res}


def main():
    torch.set_num_threads(2)
    golden = {
        'generator': 'scripts/gen-model-golden.py',
        'torch': torch.__version__,
        'torchvision': torchvision.__version__,
        'paramCounts1000': {
            'densenet121': sum(p.numel() for p in torchvision.models.densenet121().parameters()),
            'resnet50': sum(p.numel() for p in torchvision.models.resnet50().parameters()),
        },
        'truncation224': truncation_counts(),
        'densenet121': densenet_case(),
        'resnet50': resnet_case(),
        'cbr': {v: cbr_case(v) for v in CBR_SPECS},
        'bnTraining': bn_training_case(),
    }
    with open(OUT, 'w') as f:
        json.dump(golden, f, separators=(',', ':'))
    print('wrote %s (%d bytes)' % (OUT, os.path.getsize(OUT)))
    for name in ('densenet121', 'resnet50'):
        v = np.array(golden[name]['logits']['values'])
        print(name, 'logits |max| %.4g std %.4g' % (np.abs(v).max(), v.std()))
        for k, s in golden[name]['features'].items():
            a = np.array(s['values'])
            print('  ', k, s['shape'], '|max| %.4g std %.4g' % (np.abs(a).max(), a.std()))
    for k, c in golden['cbr'].items():
        print('cbr', k, c['logits']['values'])


if __name__ == '__main__':
    main()
