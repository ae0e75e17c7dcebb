"""The one place with backend-specific training code (today `tf.GradientTape`, `tf.distribute`
and graph-mode assertions).

Models call these helpers from their `train_step`; a JAX backend only needs this module anew.
"""

from __future__ import annotations

import keras
import tensorflow as tf


def check_backend():
    """Raises a clear error when Keras runs on a backend the training steps do not support yet."""
    if keras.backend.backend() != "tensorflow":
        raise RuntimeError(
            f"keras-genzoo's training steps need the TensorFlow backend, but Keras is using "
            f"{keras.backend.backend()!r}. Set KERAS_BACKEND=tensorflow before importing keras."
        )


def num_replicas():
    """Replicas that run a step in sync (1 outside `tf.distribute`)."""
    return tf.distribute.get_strategy().num_replicas_in_sync


def minimize(loss_fn, variables, optimizer):
    """One optimizer step on `loss_fn()` w.r.t. `variables`; returns the (unscaled) loss.

    The loss is divided by the number of replicas (optimizers sum gradients across replicas)
    and passed through `optimizer.scale_loss` (a `LossScaleOptimizer` under mixed_float16).
    """
    with tf.GradientTape() as tape:
        loss, aux = loss_fn()
        scaled = optimizer.scale_loss(loss / num_replicas())
    grads = tape.gradient(scaled, variables)
    optimizer.apply_gradients(zip(grads, variables))
    return loss, aux


def input_gradients(fn, x):
    """Gradients of `sum(fn(x))` w.r.t. the input `x` (per-example gradients when examples are
    independent), recorded so that they can themselves be differentiated (the gradient penalty)."""
    with tf.GradientTape() as tape:
        tape.watch(x)
        out = fn(x)
    return tape.gradient(out, x)


def assert_in_range(x, low, high, message):
    """`x`, with a run-time check (also inside `tf.function`) that every value lies in [low, high]."""
    checks = [
        tf.debugging.assert_greater_equal(x, tf.cast(low, x.dtype), message=message),
        tf.debugging.assert_less_equal(x, tf.cast(high, x.dtype), message=message),
    ]
    with tf.control_dependencies(checks):
        return tf.identity(x)


def replica_id():
    """This replica's index in its sync group (0 outside `tf.distribute` replica context)."""
    context = tf.distribute.get_replica_context()
    if context is None:
        return tf.constant(0, tf.int32)
    return tf.cast(context.replica_id_in_sync_group, tf.int32)


def random_per_replica(kind, shape, seed_generator, minval=0.0, maxval=1.0):
    """Normal or uniform noise from `seed_generator`, with the draw's seed offset by the
    replica id: under `MirroredStrategy` a `SeedGenerator` has the same state on every
    replica, so without the offset every replica would draw the same noise. Reproducible for
    a fixed seed and replica count."""
    seed = seed_generator.next()
    seed = seed + tf.cast(tf.stack([replica_id() * 1_000_003, 0]), seed.dtype)
    if kind == "normal":
        return tf.random.stateless_normal(shape, seed=seed)
    return tf.random.stateless_uniform(shape, seed=seed, minval=minval, maxval=maxval)


#: Keras versions on which `log_values`' multi-worker workaround was tested (two worker
#: processes on 127.0.0.1, see tests/test_distribute.py).
MULTI_WORKER_WORKAROUND_TESTED = ("3.15",)


def in_multi_worker_mode():
    """True inside a `MultiWorkerMirroredStrategy` that spans more than one worker."""
    strategy = tf.distribute.get_strategy()
    return isinstance(strategy, tf.distribute.MultiWorkerMirroredStrategy) and strategy.extended._in_multi_worker_mode()


def log_values(logs):
    """The logs a `train_step` / `test_step` returns.

    Workaround for keras-team/keras#20585 (Keras 3 `fit` under `MultiWorkerMirroredStrategy`):
    Keras reduces multi-worker logs with `strategy.reduce("MEAN", v, axis=0)`, which fails on
    scalars ("Invalid reduction dimension 0"). Under multi-worker training each log value is
    returned with shape (1,); the reduction then yields the same scalar (every replica holds
    the globally aggregated metric). Elsewhere the logs are returned unchanged.
    """
    if not in_multi_worker_mode():
        return logs
    return {name: tf.reshape(value, (1,)) for name, value in logs.items()}
