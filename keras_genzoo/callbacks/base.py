"""What the zoo's callbacks share: argument checks, output folders, the model's sampler."""

from __future__ import annotations

import tempfile
from pathlib import Path

import keras

from keras_genzoo.trainers import keras_private
from keras_genzoo.utils.validation import check_positive_int


def check_every(every_n_epochs):
    return check_positive_int(every_n_epochs, "every_n_epochs")


def writable_directory(directory):
    """Creates `directory` and checks that a file can be written there; raises `ValueError` if not."""
    path = Path(directory)
    try:
        path.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path, prefix=".write-test-"):
            pass
    except OSError as e:
        raise ValueError(f"Cannot write to the output directory {path}: {e.strerror or e}.") from e
    return path


def is_chief(strategy=None):
    """True unless this process is a non-chief worker of a multi-worker `tf.distribute` job.

    Callbacks run outside `strategy.scope()`: pass the model's `distribute_strategy`.
    """
    import tensorflow as tf

    strategy = strategy or tf.distribute.get_strategy()
    resolver = getattr(strategy, "cluster_resolver", None)
    if resolver is None or not keras_private.in_multi_worker_mode(strategy):
        return True
    task_type, task_id = resolver.task_type, resolver.task_id
    return task_type is None or task_type == "chief" or (task_type == "worker" and task_id == 0)


class GenerativeCallback(keras.callbacks.Callback):
    """Runs `on_due_epoch(epoch, logs)` every `every_n_epochs` epochs; checks the model samples."""

    requires = ("generate",)

    def __init__(self, every_n_epochs=1):
        super().__init__()
        self.every_n_epochs = check_every(every_n_epochs)

    def on_train_begin(self, logs=None):
        missing = [name for name in self.requires if not callable(getattr(self.model, name, None))]
        if missing:
            raise TypeError(
                f"{type(self).__name__} needs a model with {', '.join(m + '()' for m in missing)}; "
                f"{type(self.model).__name__} has none. Use a keras_genzoo model."
            )

    def is_chief(self):
        """Whether this process writes files (see `is_chief`)."""
        return is_chief(getattr(self.model, "distribute_strategy", None))

    def on_epoch_end(self, epoch, logs=None):
        if (epoch + 1) % self.every_n_epochs == 0:
            self.on_due_epoch(epoch, logs if logs is not None else {})
        elif logs is not None:
            self.on_skipped_epoch(epoch, logs)

    def on_skipped_epoch(self, epoch, logs):
        """Called on epochs between measurements (nothing by default)."""

    def on_due_epoch(self, epoch, logs):  # pragma: no cover - abstract
        raise NotImplementedError
