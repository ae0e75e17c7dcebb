"""Class labels end to end, as pure helpers (no gradient code): checking the labels a user
passes to `generate`, the default labels (every class in turn), and splitting `(x, y)`
training batches.

Labels are integer class indices in `[0, num_classes)`. They are checked here, on the
Python side; training steps receive them as int32 tensors of shape `(B,)`.
"""

from __future__ import annotations

import numbers

import numpy as np

from keras_genzoo.models.base import check_positive_int


def cycling_labels(n, num_classes):
    """`0, 1, ..., K-1, 0, 1, ...` (`n` labels, int32): every class equally often (up to one)."""
    n = check_positive_int(n, "n")
    num_classes = check_positive_int(num_classes, "num_classes")
    return (np.arange(n) % num_classes).astype(np.int32)


def check_labels(labels, num_classes, n=None, name="labels"):
    """`labels` as an int32 array `(n,)`, after checking them.

    Accepts a sequence or array of integers (a Python int, or an integer numpy scalar, means
    that class for all `n` samples when `n` is given).

    Raises:
        ValueError: naming `labels` and what was expected, when they are not integers
            (floats, even whole ones, and booleans are refused rather than coerced), are
            not one-dimensional, do not number `n`, or lie outside `[0, num_classes)`.
    """
    num_classes = check_positive_int(num_classes, "num_classes")
    expected = f"integer class indices in [0, {num_classes}) (0..{num_classes - 1})"
    if isinstance(labels, (bool, np.bool_)):
        raise ValueError(f"{name} must be {expected}, got the boolean {labels!r}.")
    if isinstance(labels, numbers.Integral):
        if n is None:
            raise ValueError(f"{name} must be a sequence of {expected}, got the single value {labels!r}.")
        labels = np.full(check_positive_int(n, "n"), int(labels))
    array = np.asarray(labels)
    if array.dtype == object or not (np.issubdtype(array.dtype, np.integer)):
        if array.size == 0 and array.dtype == np.float64 and isinstance(labels, (list, tuple)):
            array = array.astype(np.int64)  # [] is an empty list of ints, not floats
        else:
            raise ValueError(f"{name} must be {expected}, got dtype {array.dtype}.")
    if array.ndim == 2 and array.shape[1] == 1:
        array = array[:, 0]
    if array.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional, {expected}; got shape {array.shape}.")
    if n is not None and len(array) != n:
        raise ValueError(f"{name} must hold one label per sample: expected {n}, got {len(array)}.")
    if len(array) == 0:
        raise ValueError(f"{name} is empty; expected at least one of {expected}.")
    low, high = int(array.min()), int(array.max())
    if low < 0 or high >= num_classes:
        bad = array[(array < 0) | (array >= num_classes)]
        raise ValueError(
            f"{name} must be {expected}; found {bad[:5].tolist()}{' ...' if len(bad) > 5 else ''} "
            f"(values in {low}..{high})."
        )
    return array.astype(np.int32)


def resolve_labels(n, labels, num_classes):
    """The labels `generate(n, labels=...)` uses: `cycling_labels(n, K)` when `labels` is
    None, else `check_labels(labels, K, n)`."""
    n = check_positive_int(n, "n")
    if labels is None:
        return cycling_labels(n, num_classes)
    return check_labels(labels, num_classes, n)


def reject_labels(model, labels):
    """Raises a `ValueError` when `labels` is given to an unconditional model."""
    if labels is not None:
        raise ValueError(
            f"{type(model).__name__} is not a conditional model: it takes no labels. "
            "Use ConditionalGAN, ACGAN or ConditionalVAE to generate given classes."
        )


def is_conditional(model):
    """Whether `model` generates given class labels (it has a positive `num_classes`)."""
    k = getattr(model, "num_classes", None)
    return isinstance(k, numbers.Integral) and not isinstance(k, bool) and k >= 1


def unpack_labelled_batch(data, model_name="The conditional model"):
    """`(x, y)` of a training batch `data`, with `y` as int32 `(B,)` (works on symbolic tensors).

    Raises:
        ValueError: the batch has no labels (an array or a 1-tuple; say to load with
            `with_labels=True`), labels that are not integers, or labels whose shape does
            not match the batch.
    """
    from keras import ops

    if isinstance(data, dict):
        raise ValueError(f"{model_name} takes (images, labels) batches, got a dict with keys {sorted(data)}.")
    if not isinstance(data, (tuple, list)) or len(data) < 2 or data[1] is None:
        raise ValueError(
            f"{model_name} needs labelled batches (x, y), but the data has no labels. "
            "Load it with with_labels=True, e.g. gz.data.load('fashion_mnist', with_labels=True), "
            "or gz.data.from_array(x, y=labels)."
        )
    x, y = data[0], data[1]
    import keras

    dtype = keras.backend.standardize_dtype(y.dtype if hasattr(y, "dtype") else np.asarray(y).dtype)
    if "int" not in dtype:
        raise ValueError(f"labels must be integer class indices, got dtype {dtype}.")
    y_shape, x_shape = tuple(y.shape), tuple(x.shape)
    if len(y_shape) == 2 and y_shape[1] == 1:
        y = ops.reshape(y, (-1,))
        y_shape = y_shape[:1]
    if len(y_shape) != 1:
        raise ValueError(f"labels must have shape (batch,) or (batch, 1), got {y_shape}.")
    if y_shape[0] is not None and x_shape[0] is not None and y_shape[0] != x_shape[0]:
        raise ValueError(f"labels must hold one label per example: {x_shape[0]} examples, {y_shape[0]} labels.")
    return x, ops.cast(y, "int32")


def checked_batch_labels(model, y):
    """A training batch's labels as int32, checked at run time (also inside compiled steps) to
    lie in `[0, model.num_classes)`."""
    from keras import ops

    from keras_genzoo import trainers

    y = trainers.check_data(
        ops.cast(y, "float32"), 0.0, model.num_classes - 1.0,
        f"{type(model).__name__} takes labels in [0, {model.num_classes}) (0..{model.num_classes - 1}); "
        "the batch has labels outside it",
    )
    return ops.cast(y, "int32")
