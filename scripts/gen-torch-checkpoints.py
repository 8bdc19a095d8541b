#!/usr/bin/python3
"""Golden PyTorch checkpoints for lib/models/weights/torch (the TypeScript .pth/.pt reader).

Run with Debian's interpreter (python3-torch, python3-torchvision), never at run time:

    /usr/bin/python3 scripts/gen-torch-checkpoints.py

Writes test/fixtures/torch/*.pth|.pt, every one made by torch.save itself, and
test/fixtures/torch-checkpoints-golden.json with each file's eval-mode outputs on a fixed input:

    densenet121.legacy.pth   legacy format (_use_new_zipfile_serialization=False), the published file's legacy
                             key names (`denselayer1.norm.1.weight`) and no num_batches_tracked, a plain state dict
    densenet121.zip.pth      zip format, {'state_dict': <'module.'-prefixed keys>, 'epoch': 3} as a training
                             script with DataParallel writes it
    densenet121.fp16.pth     zip format, every floating tensor float16
    resnet50.zip.pth         zip format, a plain state dict (like resnet50-0676ba61.pth)
    resnet50.legacy.pth      legacy format, {'model': state dict}
    xrv-densenet121.pt       a whole saved module (legacy format, storages tagged 'cuda:0') shaped like
                             TorchXRayVision's DenseNet: its own classes in `torchxrayvision.models`, 1 input
                             channel, 18 outputs, an `op_threshs` buffer that is None; its BatchNorm statistics
                             calibrated at xrv's pixel scale, [-1024, 1024]
    tiny.zip.pth, tiny.legacy.pth   a dict of small tensors of every dtype the reader supports, including a
                             transposed view, an offset slice and two tensors sharing one storage
    forbidden-global.pth     a state dict next to an object whose unpickling would call os.system
plus, in the JSON, plain pickles of protocols 2-5 for the unpickler's own tests, and `xrvPixels`: 8-bit grey
images, TorchXRayVision's normalisation of every byte value (`xrv.datasets.normalize(img, 255)`: numpy float32
(2 * (img / 255) - 1) * 1024) and the xrv model's eval-mode logits on the normalised images.

Re-running reproduces every value and the zip files byte for byte; the legacy files differ in their storage
keys, which torch takes from memory addresses.

To keep the committed files small, every weight of the big models is a strided view into a few shared
storages: a conv weight [o, i, kh, kw] reads pool[offset + o*s0 + i*s1 + ...] with small strides, so a whole
DenseNet121 is ~40 KB. torch.save keeps views as they are (one storage, per-tensor offset and strides), so these
files exercise the reader's shared-storage, offset and stride handling on every tensor. Pool values are
multiples of 1/64 (exact in float16 and compressible by git). BatchNorm running statistics are one number per
layer (a stride-0 view), calibrated on the input so activations keep a sane scale through 120 layers.
"""
import hashlib
import importlib.util
import json
import os
import pickle
import re
import sys
import types
from collections import OrderedDict

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT_DIR = os.path.join(ROOT, 'test', 'fixtures', 'torch')
GOLDEN = os.path.join(ROOT, 'test', 'fixtures', 'torch-checkpoints-golden.json')
INPUT_SIZE = 64
XRV_LABELS = ['Atelectasis', 'Consolidation', 'Infiltration', 'Pneumothorax', 'Edema', 'Emphysema', 'Fibrosis',
              'Effusion', 'Pneumonia', 'Pleural_Thickening', 'Cardiomegaly', 'Nodule', 'Mass', 'Hernia',
              'Lung Lesion', 'Fracture', 'Lung Opacity', 'Enlarged Cardiomediastinum']


def _model_golden():
    """scripts/gen-model-golden.py as a module: its key hash and input formula (goldenInput in the tests)."""
    spec = importlib.util.spec_from_file_location('gen_model_golden', os.path.join(ROOT, 'scripts', 'gen-model-golden.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_GOLDEN = _model_golden()
fnv1a32 = _GOLDEN.fnv1a32
make_input = _GOLDEN.make_input


class Pools:
    """Shared 1-D storages and strided views into them."""

    STRIDES = (1, 2, 3, 5)  # the largest dim gets stride 1, the others 2, 3, 5 in order

    def __init__(self, seed):
        g = torch.Generator().manual_seed(seed)

        def levels(n, lo, hi):
            return (torch.randint(lo, hi + 1, (n,), generator=g).float() / 64.0)

        self.weight = levels(4608, -64, 64)        # conv / linear weights, in [-1, 1]
        self.gamma = 1.0 + levels(2304, -13, 13)    # BN weight, ~1 +- 0.2
        self.beta = levels(2304, -6, 6)             # BN bias and linear bias, ~+-0.1
        self.mean = torch.zeros(256)                # one running mean per BN layer (calibrated)
        self.var = torch.ones(256)                  # one running var per BN layer (calibrated)
        self.bn_layers = 0

    def strided(self, pool, shape, key):
        shape = list(shape)
        order = sorted(range(len(shape)), key=lambda d: -shape[d])
        stride = [0] * len(shape)
        for rank, d in enumerate(order):
            stride[d] = self.STRIDES[rank]
        span = sum((s - 1) * st for s, st in zip(shape, stride)) + 1
        room = pool.numel() - span
        assert room > 0, (key, shape)
        offset = fnv1a32(key) % room
        return pool.as_strided(shape, stride, offset)

    def bn_slot(self):
        k = self.bn_layers
        self.bn_layers += 1
        return k


def fill_with_views(model, pools):
    """Replace every parameter and BN buffer with a view into the pools; returns the BN layers in order."""
    bns = []
    for name, mod in model.named_modules():
        prefix = name + '.' if name else ''
        if isinstance(mod, (nn.Conv2d, nn.Linear)):
            mod.weight = nn.Parameter(pools.strided(pools.weight, mod.weight.shape, prefix + 'weight'))
            if mod.bias is not None:
                mod.bias = nn.Parameter(pools.strided(pools.beta, mod.bias.shape, prefix + 'bias'))
        elif isinstance(mod, nn.BatchNorm2d):
            c = mod.num_features
            mod.weight = nn.Parameter(pools.strided(pools.gamma, [c], prefix + 'weight'))
            mod.bias = nn.Parameter(pools.strided(pools.beta, [c], prefix + 'bias'))
            k = pools.bn_slot()
            mod.running_mean = pools.mean.as_strided([c], [0], k)
            mod.running_var = pools.var.as_strided([c], [0], k)
            mod.num_batches_tracked = torch.tensor(7, dtype=torch.long)
            bns.append((mod, k))
    return bns


def calibrate(model, bns, pools, x):
    """Set each BN layer's running mean/var to its input's mean/var on x, layer by layer in one eval pass."""
    hooks = []
    for mod, k in bns:
        def pre_hook(m, inputs, k=k):
            with torch.no_grad():
                pools.mean[k] = inputs[0].mean()
                pools.var[k] = inputs[0].var()
        hooks.append(mod.register_forward_pre_hook(pre_hook))
    model.eval()
    with torch.no_grad():
        model(x)
    for h in hooks:
        h.remove()


def full(t):
    """float32 values with 9 significant digits (enough to round-trip a float32)."""
    return {'shape': list(t.shape), 'values': [float('%.9g' % v) for v in t.detach().reshape(-1).tolist()]}


def legacy_densenet_key(key):
    """torchvision's published DenseNet files say `denselayer1.norm.1.weight` for today's `norm1`."""
    return re.sub(r'(denselayer\d+\.(?:norm|relu|conv))([12])\.', r'\1.\2.', key)


def describe_file(path):
    with open(path, 'rb') as f:
        data = f.read()
    return {'bytes': len(data), 'sha256': hashlib.sha256(data).hexdigest()}


def build_calibrated(model, seed, x):
    pools = Pools(seed)
    bns = fill_with_views(model, pools)
    calibrate(model, bns, pools, x)
    return pools


def densenet_cases(files, outputs):
    x = make_input(2, 3, INPUT_SIZE, INPUT_SIZE)
    m = torchvision.models.densenet121(num_classes=1000).eval()
    pools = build_calibrated(m, 121, x)
    with torch.no_grad():
        outputs['densenet121'] = case('densenet121', x, m(x), 1000)
    sd = m.state_dict()

    # The published file predates BatchNorm's num_batches_tracked (torch 0.4), so it has none.
    legacy = OrderedDict((legacy_densenet_key(k), v) for k, v in sd.items() if not k.endswith('num_batches_tracked'))
    assert 'features.denseblock1.denselayer1.norm.1.weight' in legacy
    save('densenet121.legacy.pth', legacy, legacy_format=True)
    files['densenet121.legacy.pth'] = {'format': 'legacy', 'stateDictAt': '', 'outputs': 'densenet121'}
    wrapped = {'state_dict': OrderedDict(('module.' + k, v) for k, v in sd.items()), 'epoch': 3}
    save('densenet121.zip.pth', wrapped)
    files['densenet121.zip.pth'] = {'format': 'zip', 'stateDictAt': 'state_dict', 'outputs': 'densenet121'}

    # float16: views into float16 copies of the pools; torch's reference runs the float32 model on the
    # float16-rounded values (what loading the file into a float32 model gives).
    half_pools = {id(p): p.half() for p in (pools.weight, pools.gamma, pools.beta, pools.mean, pools.var)}
    half_sd = OrderedDict()
    for k, v in sd.items():
        if not v.is_floating_point():
            half_sd[k] = v
            continue
        base = half_pools[id(pool_of(v, pools))]
        half_sd[k] = base.as_strided(v.shape, v.stride(), v.storage_offset())
    save('densenet121.fp16.pth', half_sd)
    m16 = torchvision.models.densenet121(num_classes=1000).eval()
    m16.load_state_dict(OrderedDict((k, v.float() if v.is_floating_point() else v) for k, v in half_sd.items()))
    with torch.no_grad():
        outputs['densenet121-fp16'] = case('densenet121', x, m16(x), 1000)
    files['densenet121.fp16.pth'] = {'format': 'zip', 'stateDictAt': '', 'outputs': 'densenet121-fp16'}


def pool_of(t, pools):
    for p in (pools.weight, pools.gamma, pools.beta, pools.mean, pools.var):
        if t.storage().data_ptr() == p.storage().data_ptr():
            return p
    raise ValueError('tensor is not a view into the pools')


def resnet_cases(files, outputs):
    x = make_input(2, 3, INPUT_SIZE, INPUT_SIZE)
    m = torchvision.models.resnet50(num_classes=1000).eval()
    build_calibrated(m, 50, x)
    with torch.no_grad():
        outputs['resnet50'] = case('resnet50', x, m(x), 1000)
    sd = m.state_dict()
    save('resnet50.zip.pth', sd)
    files['resnet50.zip.pth'] = {'format': 'zip', 'stateDictAt': '', 'outputs': 'resnet50'}
    save('resnet50.legacy.pth', {'model': sd}, legacy_format=True)
    files['resnet50.legacy.pth'] = {'format': 'legacy', 'stateDictAt': 'model', 'outputs': 'resnet50'}


# --- A stand-in for TorchXRayVision's DenseNet (xrv is not installable here). Written for this script after
# the structure of torchxrayvision/models.py (Apache-2.0): its own _DenseLayer/_DenseBlock/_Transition classes
# and a DenseNet with 1 input channel and 18 outputs, registered under the module name `torchxrayvision.models`
# so the pickle names the same globals as a real xrv checkpoint.
xrv_models = types.ModuleType('torchxrayvision.models')
xrv_models.__file__ = os.path.abspath(__file__)
sys.modules.setdefault('torchxrayvision', types.ModuleType('torchxrayvision'))
sys.modules['torchxrayvision.models'] = xrv_models


class _DenseLayer(nn.Sequential):
    def __init__(self, cin, growth, bn_size):
        super().__init__()
        self.add_module('norm1', nn.BatchNorm2d(cin))
        self.add_module('relu1', nn.ReLU(inplace=True))
        self.add_module('conv1', nn.Conv2d(cin, bn_size * growth, kernel_size=1, bias=False))
        self.add_module('norm2', nn.BatchNorm2d(bn_size * growth))
        self.add_module('relu2', nn.ReLU(inplace=True))
        self.add_module('conv2', nn.Conv2d(bn_size * growth, growth, kernel_size=3, padding=1, bias=False))
        self.drop_rate = 0

    def forward(self, x):
        return torch.cat([x, super().forward(x)], 1)


class _DenseBlock(nn.Sequential):
    def __init__(self, layers, cin, bn_size, growth):
        super().__init__()
        for i in range(layers):
            self.add_module('denselayer%d' % (i + 1), _DenseLayer(cin + i * growth, growth, bn_size))


class _Transition(nn.Sequential):
    def __init__(self, cin, cout):
        super().__init__()
        self.add_module('norm', nn.BatchNorm2d(cin))
        self.add_module('relu', nn.ReLU(inplace=True))
        self.add_module('conv', nn.Conv2d(cin, cout, kernel_size=1, bias=False))
        self.add_module('pool', nn.AvgPool2d(kernel_size=2, stride=2))


class DenseNet(nn.Module):
    def __init__(self, num_classes=18, in_channels=1):
        super().__init__()
        self.features = nn.Sequential(OrderedDict([
            ('conv0', nn.Conv2d(in_channels, 64, kernel_size=7, stride=2, padding=3, bias=False)),
            ('norm0', nn.BatchNorm2d(64)),
            ('relu0', nn.ReLU(inplace=True)),
            ('pool0', nn.MaxPool2d(kernel_size=3, stride=2, padding=1)),
        ]))
        c = 64
        for i, layers in enumerate((6, 12, 24, 16)):
            self.features.add_module('denseblock%d' % (i + 1), _DenseBlock(layers, c, 4, 32))
            c += layers * 32
            if i != 3:
                self.features.add_module('transition%d' % (i + 1), _Transition(c, c // 2))
                c //= 2
        self.features.add_module('norm5', nn.BatchNorm2d(c))
        self.classifier = nn.Linear(c, num_classes)
        self.register_buffer('op_threshs', None)
        self.pathologies = list(XRV_LABELS)
        self.weights = 'densenet121-res224-all'
        self.apply_sigmoid = False

    def forward(self, x):
        out = F.relu(self.features(x))
        out = F.adaptive_avg_pool2d(out, (1, 1)).view(x.size(0), -1)
        return self.classifier(out)


for _cls in (_DenseLayer, _DenseBlock, _Transition, DenseNet):
    _cls.__module__ = 'torchxrayvision.models'
    setattr(xrv_models, _cls.__name__, _cls)


def xrv_normalize(img):
    """torchxrayvision.utils.normalize(img, 255) (xrv 1.5.2; xrv is not installable here), without its checks."""
    return (2 * (img.astype(np.float32) / 255) - 1.0) * 1024


def xrv_pixels(n, size):
    """8-bit grey images of smooth stripes that reach both 0 and 255."""
    j = np.arange(n * size * size, dtype=np.float64)
    v = 127.5 + 127.5 * np.sin(0.0173 * j + 0.4) * np.cos(0.0031 * j)
    return np.clip(np.round(v), 0, 255).astype(np.uint8).reshape(n, 1, size, size)


def xrv_case(files, outputs):
    x = make_input(2, 1, INPUT_SIZE, INPUT_SIZE)
    pixels = xrv_pixels(2, INPUT_SIZE)
    scaled = torch.from_numpy(xrv_normalize(pixels))
    m = DenseNet().eval()
    build_calibrated(m, 18, scaled)
    with torch.no_grad():
        outputs['xrv-densenet121'] = case('densenet121', x, m(x), 18)
        pixel_logits = m(scaled)
    # xrv's published checkpoints were saved from GPU training in 2020 (before the zip format).
    tag = torch.serialization.location_tag
    torch.serialization.location_tag = lambda storage: 'cuda:0'
    try:
        save('xrv-densenet121.pt', m, legacy_format=True)
    finally:
        torch.serialization.location_tag = tag
    files['xrv-densenet121.pt'] = {'format': 'legacy', 'stateDictAt': '', 'moduleClass': 'torchxrayvision.models.DenseNet',
                                   'outputs': 'xrv-densenet121'}
    table = xrv_normalize(np.arange(256, dtype=np.uint8))
    return {'file': 'xrv-densenet121.pt', 'pathologies': XRV_LABELS, 'shape': list(pixels.shape),
            'pixels': pixels.reshape(-1).tolist(), 'table': [float(v) for v in table.tolist()],
            'logits': full(pixel_logits)}


def tiny_tensors():
    """Small tensors whose values the test checks one by one."""
    base = torch.arange(24, dtype=torch.float32).reshape(4, 6) / 8 - 1
    shared = torch.arange(10, dtype=torch.float64) * 0.25
    return OrderedDict([
        ('f32', base),
        ('f32_transposed', base.t()),                 # strides (1, 6)
        ('f32_offset_slice', base[1:3, 2:5]),         # offset 8, strides (6, 1)
        ('f64_a', shared[2:6]),                       # shares one storage with f64_b
        ('f64_b', shared.view(2, 5)[:, ::2]),         # strides (5, 2)
        ('f16', torch.tensor([1.0, -2.0, 0.5, 65504.0, 2.0 ** -24, 0.0], dtype=torch.float16)),
        ('bf16', torch.tensor([1.0, -2.0, 3.140625], dtype=torch.bfloat16)),
        ('i64', torch.tensor([[0, -1], [2 ** 40, 7]], dtype=torch.int64)),
        ('i32', torch.tensor([-5, 6], dtype=torch.int32)),
        ('u8', torch.tensor([0, 255], dtype=torch.uint8)),
        ('bool', torch.tensor([True, False, True])),
        ('scalar', torch.tensor(3.5)),
        ('empty', torch.zeros(0, 3)),
    ])


def tiny_cases(files):
    t = tiny_tensors()
    save('tiny.zip.pth', t)
    save('tiny.legacy.pth', t, legacy_format=True)
    expected = OrderedDict()
    for k, v in t.items():
        vals = v.float() if v.dtype in (torch.float16, torch.bfloat16) else v
        expected[k] = {'dtype': str(v.dtype).replace('torch.', ''), 'shape': list(v.shape),
                       'values': vals.reshape(-1).tolist()}
    files['tiny.zip.pth'] = {'format': 'zip', 'stateDictAt': '', 'tensors': expected}
    files['tiny.legacy.pth'] = {'format': 'legacy', 'stateDictAt': '', 'tensors': expected}


class RunsAShellCommand:
    """Unpickling this calls os.system: the reader must refuse the file and never call anything."""

    def __reduce__(self):
        return (os.system, ('echo this checkpoint ran a shell command',))


def forbidden_case(files):
    save('forbidden-global.pth', {'state_dict': tiny_tensors(), 'payload': RunsAShellCommand()})
    files['forbidden-global.pth'] = {'format': 'zip', 'global': '%s.%s' % (os.system.__module__, os.system.__name__)}


def pickle_cases():
    """Plain pickles of every protocol the reader accepts, and refused ones (hex), for the unpickler's tests."""
    sample = {
        'ints': [0, 1, -1, 255, 256, 65535, 65536, -2 ** 31, 2 ** 31, 2 ** 53 - 1, -(2 ** 53 - 1)],
        'floats': [0.5, -1e-300, 1e300, 3.141592653589793],
        'text': ['', 'ascii', 'unicode \u00fc\u2713', 'x' * 300],
        'nested': [[1, [2, []]], {'k': None, 'l': [True, False]}, ('a', 'b', 'c', 'd')],
    }
    big = [2 ** 70, -(2 ** 70) - 1, 2 ** 63]
    return {
        'plain': [{'protocol': p, 'hex': pickle.dumps(sample, protocol=p).hex()} for p in (2, 3, 4, 5)],
        'plainValue': sample,
        'bigInts': {'hex': pickle.dumps(big, protocol=2).hex(), 'value': [str(v) for v in big]},
        'ordered': {'hex': pickle.dumps(OrderedDict([('b', 1), ('a', 2)]), protocol=4).hex(), 'keys': ['b', 'a']},
        'refused': [{'protocol': p, 'hex': pickle.dumps(RunsAShellCommand(), protocol=p).hex(),
                     'global': '%s.%s' % (os.system.__module__, os.system.__name__)} for p in (2, 4)],
    }


def save(name, obj, legacy_format=False):
    path = os.path.join(OUT_DIR, name)
    torch.save(obj, path, _use_new_zipfile_serialization=not legacy_format)
    return path


def case(arch, x, logits, classes):
    return {'architecture': arch, 'numClasses': classes, 'input': list(x.shape), 'logits': full(logits)}


def verify_xrv_pixels(case):
    """The saved xrv module, loaded back, gives the recorded logits on the normalised pixels."""
    model = torch.load(os.path.join(OUT_DIR, case['file']), map_location='cpu').eval()
    pixels = np.array(case['pixels'], dtype=np.uint8).reshape(case['shape'])
    with torch.no_grad():
        y = model(torch.from_numpy(xrv_normalize(pixels))).reshape(-1)
    ref = torch.tensor(case['logits']['values'])
    assert float((y - ref).abs().max() / ref.abs().max()) < 1e-5


def verify(files, outputs):
    """Load every model file back with torch.load (as torchvision / xrv users would) and re-run it."""
    pattern = re.compile(r'^(.*denselayer\d+\.(?:norm|relu|conv))\.((?:[12])\.(?:weight|bias|running_mean|running_var))$')
    for name, entry in files.items():
        if 'outputs' not in entry:
            continue
        expect = outputs[entry['outputs']]
        obj = torch.load(os.path.join(OUT_DIR, name), map_location='cpu')
        if isinstance(obj, nn.Module):
            model = obj
        else:
            sd = obj[entry['stateDictAt']] if entry['stateDictAt'] else obj
            sd = OrderedDict((pattern.sub(r'\1\2', k[7:] if k.startswith('module.') else k), v) for k, v in sd.items())
            build = getattr(torchvision.models, expect['architecture'])
            model = build(num_classes=expect['numClasses'])
            model.load_state_dict(OrderedDict((k, v.float() if v.is_floating_point() else v) for k, v in sd.items()))
        model.eval()
        with torch.no_grad():
            y = model(make_input(*expect['input'])).reshape(-1)
        ref = torch.tensor(expect['logits']['values'])
        dev = float((y - ref).abs().max() / ref.abs().max())
        assert dev < 1e-5, (name, dev)  # float32 noise: contiguous copies vs strided views


def main():
    torch.set_num_threads(2)
    os.makedirs(OUT_DIR, exist_ok=True)
    files, outputs = OrderedDict(), OrderedDict()
    densenet_cases(files, outputs)
    resnet_cases(files, outputs)
    xrv_pixels_case = xrv_case(files, outputs)
    tiny_cases(files)
    forbidden_case(files)
    verify(files, outputs)
    verify_xrv_pixels(xrv_pixels_case)
    for name, entry in files.items():
        entry['file'] = describe_file(os.path.join(OUT_DIR, name))
    doc = {'generator': 'scripts/gen-torch-checkpoints.py', 'torch': torch.__version__,
           'torchvision': torchvision.__version__, 'files': files, 'outputs': outputs, 'pickles': pickle_cases(),
           'xrvPixels': xrv_pixels_case}
    with open(GOLDEN, 'w') as f:
        json.dump(doc, f, separators=(',', ':'))
    for name, entry in files.items():
        print('%-26s %-6s %7d bytes' % (name, entry['format'], entry['file']['bytes']))
    for name, out in outputs.items():
        v = np.array(out['logits']['values'])
        print('%-26s logits |max| %.3g std %.3g' % (name, np.abs(v).max(), v.std()))
    print('wrote %s (%d bytes)' % (GOLDEN, os.path.getsize(GOLDEN)))


if __name__ == '__main__':
    main()
