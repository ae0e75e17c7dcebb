"""Class labels as plain arrays: checking the labels a user passes (to `generate`, metrics,
the CLI), and the default labels (every class in turn). The one place these rules live.

Labels are integer class indices in `[0, num_classes)`.
"""

from __future__ import annotations

import numbers

import numpy as np

from keras_genzoo.utils.validation import check_positive_int


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
