#!/usr/bin/env bash
# Builds the native oneDNN backend (lib/kernels/native/src/*.cc) into build/native/rethink_native.node with plain
# g++, offline: it needs only Debian's g++ and libdnnl-dev (oneDNN 2.6) and Node's own headers. No -march=native:
# oneDNN picks its instruction set at run time, so the binary runs on any x86-64 this Debian supports.
#
#   bash scripts/build-native.sh            # build (skipped when the binary is newer than every source)
#   bash scripts/build-native.sh --force    # rebuild
set -euo pipefail
cd "$(dirname "$0")/.."

src_dir=lib/kernels/native/src
out_dir=build/native
out="$out_dir/rethink_native.node"

fail() {
  echo "build-native: $*" >&2
  exit 1
}

force=0
for arg in "$@"; do
  case "$arg" in
    --force) force=1 ;;
    *) fail "unknown option '$arg' (the only option is --force)" ;;
  esac
done

command -v g++ >/dev/null 2>&1 || fail "g++ not found (Debian: apt-get install g++)"
node_include="$(dirname "$(dirname "$(command -v node)")")/include/node"
[ -f "$node_include/node_api.h" ] || node_include=/usr/include/node
[ -f "$node_include/node_api.h" ] || fail "Node's headers (node_api.h) not found under $node_include"
[ -f /usr/include/oneapi/dnnl/dnnl.hpp ] || [ -f /usr/include/dnnl.hpp ] ||
  fail "oneDNN headers not found (Debian: apt-get install libdnnl-dev)"

sources=("$src_dir"/*.cc)
if [ "$force" = 0 ] && [ -f "$out" ]; then
  stale=0
  for f in "${sources[@]}" "$src_dir"/*.h "$0"; do [ "$f" -nt "$out" ] && stale=1; done
  [ "$stale" = 0 ] && { echo "build-native: $out is up to date"; exit 0; }
fi

mkdir -p "$out_dir"
tmp="$out.$$.tmp"
trap 'rm -f "$tmp"' EXIT
# -ffp-contract=off: no fused multiply-add, so element-wise results (Adam) equal tfjs's op-by-op float32.
g++ -O3 -fopenmp -std=c++17 -shared -fPIC -ffp-contract=off -fvisibility=hidden \
  -Wall -Wextra -Wno-unused-parameter -Wno-missing-field-initializers \
  -DNAPI_VERSION=8 -DNODE_GYP_MODULE_NAME=rethink_native \
  -I"$node_include" "${sources[@]}" -o "$tmp" -ldnnl
mv "$tmp" "$out"
trap - EXIT
echo "build-native: built $out"
