"""The only backend-specific training code: one trainer per Keras backend.

A family describes one training step without gradients (`keras_genzoo.trainers.steps`); the
trainer of the backend Keras runs on turns that description into `train_step`:

| backend      | module                               | differentiation                    |
| ------------ | ------------------------------------ | ---------------------------------- |
| `tensorflow` | `keras_genzoo.trainers.tensorflow`   | `tf.GradientTape`, `tf.distribute` |
| `jax`        | `keras_genzoo.trainers.jax`          | `jax.value_and_grad`, stateless    |
| `torch`      | `keras_genzoo.trainers.torch`        | `torch.autograd.grad`              |

Besides `train_step`/`test_step`, each trainer implements the few primitives that a family's
objectives need and that cannot be written with `keras.ops` alone: the gradient of a network's
output with respect to its input (the gradient penalty), noise that differs across replicas,
a run-time range check of the data that works inside compiled steps, and the compilation
of an inference function (a sampler's whole loop) that reads a model's variables.
"""

from __future__ import annotations

import functools
import importlib

import keras

SUPPORTED_BACKENDS = ("tensorflow", "jax", "torch")
#: Oldest Keras release the trainers were written against (stateless scopes, `stateless_apply`).
MIN_KERAS_VERSION = (3, 3)


def _keras_version():
    parts = []
    for piece in keras.__version__.split(".")[:2]:
        digits = "".join(c for c in piece if c.isdigit())
        parts.append(int(digits or 0))
    return tuple(parts)


def check_backend():
    """Raises a clear error on a Keras backend or version the trainers do not support."""
    backend = keras.backend.backend()
    if backend not in SUPPORTED_BACKENDS:
        raise RuntimeError(
            f"keras-genzoo trains on the backends {SUPPORTED_BACKENDS}, but Keras is using {backend!r}. "
            "Set KERAS_BACKEND to one of them before importing keras."
        )
    if _keras_version() < MIN_KERAS_VERSION:
        raise RuntimeError(
            f"keras-genzoo needs Keras >= {'.'.join(map(str, MIN_KERAS_VERSION))}, found {keras.__version__}."
        )
    return backend


@functools.lru_cache(maxsize=None)
def _trainer_for(backend):
    module = importlib.import_module(f"keras_genzoo.trainers.{backend}")
    return module.Trainer()


def get():
    """The trainer of the backend Keras runs on."""
    return _trainer_for(check_backend())


# --------------------------------------------------------------------------- primitives for objectives
def input_gradients(fn, x):
    """Gradients of `sum(fn(x))` with respect to `x`, themselves differentiable (the gradient
    penalty of WGAN-GP). Per-example gradients when the examples are independent."""
    return get().input_gradients(fn, x)


def random(kind, shape, seed_generator):
    """`"normal"` (N(0, 1)) or `"uniform"` (U[0, 1]) noise of `shape` from `seed_generator`,
    different on every replica of a data-parallel step."""
    return get().random(kind, shape, seed_generator)


def check_data(x, low, high, message):
    """`x`, checked at run time (also inside compiled steps) to be finite and within
    [low, high]; otherwise the step fails with a `ValueError`-style error carrying `message`."""
    return get().check_data(x, low, high, message)


def log_values(logs):
    """The logs a step returns (the TensorFlow trainer reshapes them under multi-worker)."""
    return get().log_values(logs)


# --------------------------------------------------------------------------- inference
def compile_inference(fn, variables):
    """`fn(*tensors) -> tensors`, compiled for the backend, reading the current values of
    `variables` at every call (so it follows training): `tf.function` on TensorFlow, `jax.jit`
    with the variables' values passed in under a `keras.StatelessScope` on JAX (the pattern of
    keras-hub's Stable Diffusion 3 `generate_function`), eager under `torch.no_grad()` on
    PyTorch. `fn` must not assign to variables; Python values it closes over are constants of
    the compiled function (one compilation per closure, retraced for new input shapes)."""
    return get().compile_inference(fn, list(variables))
