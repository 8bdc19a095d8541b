#!/usr/bin/env bash
# Rebuilds the wasm SIMD BatchNorm module (lib/kernels/wasm/simd/batchnorm.c) in its two variants:
#   batchnorm.wasm           imports a plain memory            (tfjs-backend-wasm simd build, threads: 1)
#   batchnorm-shared.wasm    imports a shared memory, max 4 GiB (tfjs-backend-wasm threaded-simd build)
# The .wasm files are checked in; only run this after editing the C. Needs clang + lld >= 14 with the wasm32
# target (Debian: apt-get install clang lld).
#
# The import declares 1 page minimum (any tfjs heap is larger) and no maximum (plain) or 4 GiB (shared, as
# a shared import must declare one and tfjs' shared memory has maximum 4 GiB).
#
# The module writes into the tfjs heap it imports, so it must not carry anything that would touch memory on
# its own: no data segments (they would be copied over tfjs' heap at instantiation), no shadow stack
# (__stack_pointer would point into tfjs' static data), no imports but the memory. Checked below.
set -euo pipefail
cd "$(dirname "$0")/../lib/kernels/wasm/simd"
CLANG=${CLANG:-clang}
OBJDUMP=${OBJDUMP:-llvm-objdump}
FLAGS=(--target=wasm32 -O3 -msimd128 -ffreestanding -nostdlib -fno-math-errno -Wall -Wextra -Werror
  -Wl,--no-entry -Wl,--import-memory -Wl,-z,stack-size=0 -Wl,--initial-memory=65536 -Wl,--strip-debug)

"$CLANG" "${FLAGS[@]}" -o batchnorm.wasm batchnorm.c
"$CLANG" "${FLAGS[@]}" -matomics -mbulk-memory -Wl,--shared-memory -Wl,--max-memory=4294967296 \
  -o batchnorm-shared.wasm batchnorm.c

for f in batchnorm.wasm batchnorm-shared.wasm; do
  if "$OBJDUMP" -h "$f" | grep -Eq '^ *[0-9]+ (DATA|DATACOUNT) '; then
    echo "$f: has a data section; the module must not initialise memory" >&2
    exit 1
  fi
  if "$OBJDUMP" -d "$f" | grep -Eq 'global\.(get|set)|call|memory\.(grow|init|fill|copy)'; then
    echo "$f: code uses a global (shadow stack), a call or a bulk memory op; keep every function a leaf" >&2
    exit 1
  fi
  chmod 644 "$f"
  echo "$f: $(wc -c <"$f") bytes"
done
