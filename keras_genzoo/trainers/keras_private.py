"""The private Keras APIs keras-genzoo still relies on, each wrapped here and nowhere else.

Each wrapper names the Keras versions it was tested on; `tests/test_keras_private.py` checks
every one of them against the installed Keras and fails loudly when Keras changes it.
"""

from __future__ import annotations

import collections.abc


# --------------------------------------------------------------------------- train_function's calling convention
def skip_train_call(args, logs, steps):
    """Stands in for one call `model.train_function(*args)` that trains nothing.

    It consumes the data that call would have read, `steps` batches
    (`model.steps_per_execution`), and returns `logs` the way the call returns its logs; no
    variable changes. Keras' `fit` calls `train_function` once per step, with a private calling
    convention: on TensorFlow `train_function(iterator)` returning the logs, on JAX
    `train_function(state, iterator)` returning `(logs, state)`, both reading their batches
    from the iterator; on PyTorch `train_function(batches)`, given the batches `fit` already
    drew. Tested on Keras 3.15.
    """
    source = args[-1]
    if isinstance(source, collections.abc.Iterator):
        for _ in range(steps):
            next(source)
    elif not isinstance(source, (list, tuple)):
        raise TypeError(
            f"keras_private.skip_train_call: train_function was called with {type(source).__name__}, neither a data "
            "iterator nor a list of batches; this Keras version changed its private calling convention."
        )
    return (logs, args[0]) if len(args) == 2 else logs


# --------------------------------------------------------------------------- stateless scopes (JAX trainer)
#: Keras versions on which the wrappers below were tested.
STATELESS_SCOPE_TESTED = ("3.15",)


def current_stateless_scope():
    """The `keras.StatelessScope` in force, or None: Keras' private
    `keras.src.backend.common.stateless_scope.get_stateless_scope` (the JAX trainer reads the
    values of the enclosing stateless step through it). Tested on Keras 3.15."""
    from keras.src.backend.common.stateless_scope import get_stateless_scope

    return get_stateless_scope()


# --------------------------------------------------------------------------- tf.distribute (TensorFlow's private API)
def in_multi_worker_mode(strategy):
    """Whether a `tf.distribute` strategy spans more than one worker: the private
    `strategy.extended._in_multi_worker_mode()` of TensorFlow's multi-worker strategies
    (False for strategies without it). Tested with TensorFlow 2.21 and Keras 3.15."""
    method = getattr(strategy.extended, "_in_multi_worker_mode", None)
    return bool(method()) if callable(method) else False
