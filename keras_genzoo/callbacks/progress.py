"""Training progress as plain text lines, for logs that are not a terminal."""

from __future__ import annotations

import time

import keras

from keras_genzoo.utils.progress import format_values, write_line
from keras_genzoo.utils.validation import check_number


class PlainProgress(keras.callbacks.Callback):
    """Prints one plain line per epoch, plus one every `interval` seconds within long
    epochs: no carriage returns, no ANSI codes, so CI logs and `| tee` files stay readable.

    Use it with `fit(..., verbose=0)` (it replaces Keras' progress bar) and put it last in
    `callbacks`, so that values other callbacks add to the logs (`fid`) are printed too:

    ```
    epoch 1/5 - step 120/468 - 31s - d_loss: 0.6412 - g_loss: 1.038
    epoch 1/5 - 468 steps - 118s - d_loss: 0.5987 - g_loss: 1.204 - fid: 41.3
    ```

    Args:
        interval: seconds between lines within an epoch (`None`: only epoch lines).
        stream: a text stream; `None` writes to the current `sys.stdout`.

    Example:

        >>> import io
        >>> model = gz.models.DCGAN(image_shape=(8, 8, 1), latent_dim=4, base_filters=4)
        >>> model.compile()
        >>> x = np.random.default_rng(0).random((16, 8, 8, 1), dtype="float32")
        >>> log = io.StringIO()
        >>> progress = gz.callbacks.PlainProgress(stream=log)  # to sys.stdout by default
        >>> _ = model.fit(x, batch_size=8, epochs=2, verbose=0, callbacks=[progress])
        >>> print(log.getvalue())  # doctest: +ELLIPSIS
        epoch 1/2 - 2 steps - ...s - d_fake: ... - d_loss: ... - d_real: ... - g_loss: ...
        epoch 2/2 - 2 steps - ...s - d_fake: ... - d_loss: ... - d_real: ... - g_loss: ...
    """

    def __init__(self, interval=30.0, stream=None):
        super().__init__()
        if interval is not None:
            try:
                interval = check_number(interval, "interval", 0.0, strict=True)
            except ValueError:
                raise ValueError(f"interval must be a positive number of seconds or None, got {interval!r}.") from None
        self.interval = interval
        self.stream = stream
        self._epoch_start = self._last = 0.0
        self._epoch = 0

    def _prefix(self):
        epochs = (self.params or {}).get("epochs")
        return f"epoch {self._epoch + 1}" + (f"/{epochs}" if epochs else "")

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch
        self._epoch_start = self._last = time.monotonic()

    def on_train_batch_end(self, batch, logs=None):
        if self.interval is None:
            return
        now = time.monotonic()
        if now - self._last < self.interval:
            return
        self._last = now
        steps = (self.params or {}).get("steps")
        step = f"step {batch + 1}" + (f"/{steps}" if steps else "")
        values = format_values(logs)
        write_line(f"{self._prefix()} - {step} - {now - self._epoch_start:.0f}s" + (f" - {values}" if values else ""),
                   self.stream)

    def on_epoch_end(self, epoch, logs=None):
        now = time.monotonic()
        steps = (self.params or {}).get("steps")
        done = f"{steps} steps" if steps else "done"
        values = format_values(logs)
        write_line(f"{self._prefix()} - {done} - {now - self._epoch_start:.0f}s" + (f" - {values}" if values else ""),
                   self.stream)
