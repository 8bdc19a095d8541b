#!/usr/bin/python3
"""Convert a torchvision/timm .pth state dict to .safetensors (float32), for loadTorchvisionWeights.

    /usr/bin/python3 scripts/models-pth-to-safetensors.py densenet121-a639ec97.pth densenet121.safetensors

Dev tool (needs torch, e.g. Debian python3-torch); the TypeScript code never runs Python. Writes the format by
hand (8-byte LE header length, JSON header, raw little-endian data) so the `safetensors` package is not needed.
Keys are written as stored; the TS loader applies torchvision's legacy DenseNet renaming itself.
"""
import json
import struct
import sys

import torch


def main(src, dst):
    state = torch.load(src, map_location='cpu')
    if isinstance(state, dict) and 'state_dict' in state:
        state = state['state_dict']
    header, blobs, offset = {}, [], 0
    for key, tensor in state.items():
        if not torch.is_tensor(tensor):
            continue
        if tensor.is_floating_point():
            t, dtype = tensor.detach().to(torch.float32).contiguous(), 'F32'
        else:
            t, dtype = tensor.detach().to(torch.int64).contiguous(), 'I64'
        data = t.numpy().astype('<f4' if dtype == 'F32' else '<i8').tobytes()
        header[key] = {'dtype': dtype, 'shape': list(t.shape), 'data_offsets': [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(',', ':'))
    text += ' ' * ((8 - (8 + len(text.encode())) % 8) % 8)
    with open(dst, 'wb') as f:
        f.write(struct.pack('<Q', len(text.encode())))
        f.write(text.encode())
        for b in blobs:
            f.write(b)
    print('wrote %s: %d tensors, %d bytes of data' % (dst, len(header), offset))


if __name__ == '__main__':
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
