"""Labelled training batches: splitting `(x, y)` batches and checking their labels inside
the training step. The checks of the labels a user passes (`check_labels`, `resolve_labels`,
`cycling_labels`) live in `keras_genzoo.utils.labels` and are re-exported here.

Training steps receive labels as int32 tensors of shape `(B,)`.
"""

from __future__ import annotations

import numpy as np

from keras_genzoo.utils.labels import check_labels, cycling_labels, resolve_labels

__all__ = ["check_labels", "checked_batch_labels", "cycling_labels", "resolve_labels", "unpack_labelled_batch"]


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
