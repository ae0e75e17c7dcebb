#!/usr/bin/env bash
# The project's test command: set up a fresh machine, run the test suite, build the docs strictly.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
export TF_CPP_MIN_LOG_LEVEL=2 NO_MKDOCS_2_WARNING=1
lint-imports --no-cache
# Two pytest workers (pytest-xdist), a test file each at a time, so module fixtures are built once.
python -m pytest -q -n 2 --dist loadfile --durations=15
# The model tests again on JAX (tests marked tensorflow_only are skipped there); the
# cross-backend tests above already ran every family on JAX and PyTorch in subprocesses.
# (tests/test_losses.py compares with float64 references, which JAX computes in float32 by default.)
# (tests/test_unet.py checks shapes and wiring; the flow and diffusion tests run the U-Net on JAX.)
KERAS_BACKEND=jax python -m pytest -q -n 2 --dist loadfile --durations=8 -p no:cacheprovider tests/test_adversarial.py \
  tests/test_autoencoders.py tests/test_conditional.py tests/test_losses_conditional.py tests/test_ring.py \
  tests/test_backup.py tests/test_keras_private.py tests/test_architecture.py tests/test_flow.py tests/test_diffusion.py
# Exact resume, the wrapped private Keras APIs, flow matching and diffusion on PyTorch too (tiny models, eager steps).
KERAS_BACKEND=torch python -m pytest -q -n 2 --dist loadfile -p no:cacheprovider tests/test_backup.py tests/test_keras_private.py tests/test_architecture.py \
  tests/test_flow.py tests/test_diffusion.py
mkdocs build --strict --site-dir "$(mktemp -d)"
