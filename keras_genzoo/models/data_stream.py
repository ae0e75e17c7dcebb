"""How `GenerativeModel.fit` reads a `tf.data` pipeline: as one stream over all epochs, whose
position at the start of any epoch is a function of the epoch alone, so that a resumed `fit`
reads the batches the uninterrupted one read.

Keras opens one or two iterators per epoch over a `tf.data.Dataset` (depending on the
backend, and on whether it knows the dataset's length), and sometimes one more before training
to look at a batch; a seeded `shuffle(..., reshuffle_each_iteration=True)` draws the order of
each new iterator from a counter. Which order an epoch gets would then depend on those details.
Read as one repeated stream with `steps_per_epoch` equal to its number of batches, the data is
read through a single iterator for the whole of training, and epoch `k` reads the `k`-th pass,
on every backend.

To start at epoch `k`, the stream drops the batches of the epochs before it, when the training
iterator is opened. They are drawn, not jumped over, so the seeded orders of the passes (and any
randomness drawn per batch) advance as in the uninterrupted run. An iterator Keras opens before
training begins, to look at one batch, is not positioned, as in the uninterrupted run.
"""

from __future__ import annotations

import keras
import numpy as np

_INFINITE = -1


def _is_tf_dataset(data):
    if "tensorflow" not in type(data).__module__:
        return False
    import tensorflow as tf

    return isinstance(data, tf.data.Dataset)


class DataStream:
    """The data `fit` hands to Keras, made from the data it was given.

    Args:
        data: what was passed to `fit` as `x`.
        steps_per_epoch: what was passed to `fit` (None: one pass of the data per epoch).
        steps_per_execution: the model's; a finite pipeline whose epoch is not a whole number
            of executions is passed as given (Keras ends such an epoch with a shorter execution
            on finite data, but rounds a `steps_per_epoch` epoch up to whole executions).

    Attributes:
        data, steps_per_epoch: what to pass to Keras' `fit`.
        replayable: whether the stream can be positioned at the start of any epoch: a `tf.data`
            pipeline of known length read one pass per epoch (or a whole number of epochs per
            pass), or an infinite one read with `steps_per_epoch`. Other data is passed as given.
    """

    def __init__(self, data, steps_per_epoch=None, steps_per_execution=1):
        self.data, self.steps_per_epoch = data, steps_per_epoch
        self.replayable = False
        self._skip = 0
        if not _is_tf_dataset(data):
            return
        batches = int(data.cardinality().numpy())
        if batches == _INFINITE:
            self.replayable = steps_per_epoch is not None  # Keras requires it
        elif (batches > 0 and (steps_per_epoch is None or batches % steps_per_epoch == 0)
              and (steps_per_epoch or batches) % max(1, int(steps_per_execution)) == 0):
            # Keras reads the same batches from a finite dataset; an epoch that would end in
            # the middle of a pass (Keras cuts it short) keeps the data as given.
            self.data, self.steps_per_epoch = data.repeat(), steps_per_epoch or batches
            self.replayable = True

    def start_at(self, epoch):
        """Positions the stream at the first batch of `epoch` (0-based), for a `fit` started
        with `initial_epoch=epoch`. Returns a callback to pass to that `fit` (it marks when
        training begins), or None when there is nothing to skip."""
        if not self.replayable or not epoch:
            return None
        import tensorflow as tf

        self._skip = int(epoch) * int(self.steps_per_epoch)
        stream, armed = self.data, [False]

        def skip_count():
            return np.int64(self._skip if armed[0] else 0)

        def positioned(_):
            # Read when an iterator draws its first batch, not when this pipeline is built.
            count = tf.py_function(skip_count, [], tf.int64)
            return stream.skip(tf.reshape(count, []))

        self.data = tf.data.Dataset.from_tensors(np.int64(0)).flat_map(positioned)

        class _TrainingBegins(keras.callbacks.Callback):
            def on_train_begin(self, logs=None):
                armed[0] = True

        return _TrainingBegins()
