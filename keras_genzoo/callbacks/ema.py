"""`GeneratorEMA`: keep an exponential moving average of the generator's weights during `fit`."""

from __future__ import annotations

import keras

from keras_genzoo.ema import WeightEMA


class GeneratorEMA(keras.callbacks.Callback):
    """Averages `model.generator`'s weights after every generator update (Yazıcı et al., 2019).

    The average lives in `self.ema` (a `keras_genzoo.ema.WeightEMA`); sample from it with

        with ema_callback.ema.swapped():
            images = model.generate(64, seed=0)

    or write it into the generator for good at the end of training with
    `copy_to_generator=True`.

    The update runs eagerly between steps (a few element-wise ops per variable). With
    `n_critic > 1` it runs only after the steps that updated the generator; with
    `steps_per_execution = k` Keras calls it once per `k` steps, so the average is then
    taken every `k` generator updates.

    Args:
        decay: EMA decay in [0, 1).
        warmup: the `min(decay, (1 + t) / (10 + t))` schedule of `WeightEMA`.
        copy_to_generator: at the end of `fit`, overwrite the generator's weights with the average.

    Example:

        >>> model = gz.models.DCGAN(image_shape=(8, 8, 1), latent_dim=4, base_filters=4)
        >>> model.compile()
        >>> x = np.random.default_rng(0).random((16, 8, 8, 1), dtype="float32")
        >>> ema = gz.callbacks.GeneratorEMA(decay=0.99)
        >>> _ = model.fit(x, batch_size=8, epochs=2, callbacks=[ema], verbose=0)
        >>> with ema.ema.swapped():  # the averaged weights, for this block only
        ...     averaged = model.generate(4, seed=0)
        >>> averaged.shape, averaged.dtype
        ((4, 8, 8, 1), dtype('float32'))
    """

    def __init__(self, decay=0.999, warmup=True, copy_to_generator=False):
        super().__init__()
        self.decay = decay
        self.warmup = warmup
        self.copy_to_generator = bool(copy_to_generator)
        self.ema = None

    def on_train_begin(self, logs=None):
        generator = getattr(self.model, "generator", None)
        if not isinstance(generator, keras.Model):
            raise ValueError(f"GeneratorEMA needs a model with a `generator` sub-model, got {type(self.model).__name__}.")
        if self.ema is None or self.ema.model is not generator:
            self.ema = WeightEMA(generator, decay=self.decay, warmup=self.warmup)

    def on_train_batch_end(self, batch, logs=None):
        counter = getattr(self.model, "step_counter", None)
        if counter is not None and not self.model.is_generator_step(int(keras.ops.convert_to_numpy(counter))):
            return
        self.ema.update()

    def on_train_end(self, logs=None):
        if self.copy_to_generator and self.ema is not None:
            self.ema.copy_to(self.model.generator)
