#!/usr/bin/env bash
# One-time setup on a fresh Debian/Ubuntu machine: system packages (Jupyter, Chromium for static figure export),
# npm dependencies from the lockfile, and the project-local tslab kernel. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

# Jupyter from Debian (papermill is not used: it cannot parameterise tslab), Chromium for plotly's static export
# and the rendered-page check; MathJax and RequireJS are what Debian's nbconvert HTML loads from /usr/share/javascript
# (without them the pages show raw TeX and log errors); g++ and oneDNN for the native training backend (built below).
apt_packages=(jupyter-nbconvert python3-nbclient jupyter-client python3-ipykernel chromium libjs-mathjax libjs-requirejs g++ libdnnl-dev)
# Reference implementations for golden fixtures and benchmark peers (dev only, never used at run time).
if [ "${RETHINK_DEV_PACKAGES:-0}" = "1" ]; then
  apt_packages+=(python3-sklearn python3-torch python3-torchvision python3-pil python3-numpy)
fi

missing=()
for p in "${apt_packages[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing Debian packages: ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: npm ci (the optional @tensorflow/tfjs-node-gpu fails to install without internet/CUDA; that is expected)"
  npm ci --no-audit --no-fund
fi

# The native oneDNN backend. Without it everything still works on the wasm backend, only slower.
if ! bash scripts/build-native.sh; then
  echo "setup: WARNING: the native backend did not build; training falls back to wasm (see the error above)" >&2
fi

npx tsx scripts/install-kernel.ts
echo "setup: done"
