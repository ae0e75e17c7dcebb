#!/usr/bin/env bash
# Installs everything keras-genzoo needs on a fresh machine: Debian's Fashion-MNIST and Chromium
# (when apt-get exists and they are not there yet) and the package with its test and docs extras.
# Chromium is only for tests/test_docs_browser.py, which drives it through Playwright; the
# browsers Playwright can download (`playwright install`) are never used.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -f /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz ] && command -v apt-get >/dev/null 2>&1; then
  SUDO=""
  if [ "$(id -u)" != 0 ] && command -v sudo >/dev/null 2>&1; then SUDO="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get install -y -q dataset-fashion-mnist \
    || { $SUDO apt-get update -q && $SUDO apt-get install -y -q dataset-fashion-mnist; } \
    || echo "warning: could not install dataset-fashion-mnist; tests that read it will be skipped" >&2
fi

if [ ! -x /usr/bin/chromium ] && ! command -v chromium >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1; then
  SUDO=""
  if [ "$(id -u)" != 0 ] && command -v sudo >/dev/null 2>&1; then SUDO="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get install -y -q chromium \
    || { $SUDO apt-get update -q && $SUDO apt-get install -y -q chromium; } \
    || echo "warning: could not install chromium; tests/test_docs_browser.py will be skipped" >&2
fi

python -m pip install -q --upgrade pip
python -m pip install -q -e ".[test,docs,jax]"
# PyTorch: the CPU build 2.13.0 (a plain "torch" from the index is a CUDA build of several GB).
# Without it the PyTorch tests are skipped.
python -m pip install -q "torch==2.13.0" \
  || echo "warning: could not install torch==2.13.0 (CPU build); PyTorch backend tests will be skipped" >&2
