"""An exponential moving average (EMA) of a network's weights.

Yazıcı et al. (2019), "The unusual effectiveness of averaging in GAN training": evaluating a
moving average of the generator's weights, instead of its last iterate, removes much of the
oscillation of adversarial training and lowers FID, at no cost in training steps. The
average is only read at sampling time; training keeps updating the raw generator.

`WeightEMA` is written with `keras.ops` and `keras.Variable` only, so it runs on every
backend, inside or outside a compiled train step:

    ema = WeightEMA(generator, decay=0.999)
    ...                       # after each generator update:
    ema.update()
    images = ema.averaged_model()(z)    # or: with ema.swapped(): generator(z)

All of the network's variables are averaged, the batch-norm moving statistics too, so the
averaged network is self-consistent in inference mode.
"""

from __future__ import annotations

import contextlib

import keras
from keras import ops

from keras_genzoo.utils.validation import check_number


def check_decay(decay):
    """`decay` as a float in [0, 1); raises `ValueError("decay must be a number in [0, 1), ...")`."""
    return check_number(decay, "decay", 0.0, maximum=1.0, strict_maximum=True)


def warmup_decay(decay, t):
    """`min(decay, (1 + t) / (10 + t))`, the decay of averaging step `t` (0-based) with the warm-up
    of `tf.train.ExponentialMovingAverage(num_updates=t)`: early steps weigh the new weights more,
    so that a short run's average is not dominated by the initial weights. `t` is a float tensor."""
    return ops.minimum(ops.convert_to_tensor(decay, "float32"), (1.0 + t) / (10.0 + t))


def average_step(averages, variables, rate):
    """One moving-average step for each pair: `avg += rate * (w - avg)` (`rate = 1 - decay`; a
    rate of 0 leaves the average exactly unchanged). Integer variables (counters) are copied."""
    for avg, v in zip(averages, variables):
        if not _is_float(avg.dtype):
            avg.assign(v.value)
            continue
        r = ops.cast(rate, avg.dtype)
        avg.assign(avg.value + r * (ops.cast(v.value, avg.dtype) - avg.value))


def frozen_copy(network):
    """A frozen (`trainable = False`) clone of `network` holding a copy of its current weights: the
    network a model keeps its weights' moving average in (`generator_ema`, `network_ema`)."""
    averaged = keras.models.clone_model(network)
    if not averaged.built:
        averaged.build(network.input_shape)
    for avg, v in zip(averaged.variables, network.variables):
        avg.assign(ops.copy(v.value))  # a copy: JAX would otherwise share (and donate) one buffer
    averaged.trainable = False
    return averaged


class WeightEMA:
    """Averaged copies of `model`'s variables: `avg <- d * avg + (1 - d) * w` on each `update()`.

    Args:
        model: a built `keras.Model` (the generator).
        decay: the EMA decay `d` in [0, 1); 0.999 averages over roughly the last 1,000 updates.
        warmup: use `d_t = min(decay, (1 + t) / (10 + t))` at update `t` (as
            `tf.train.ExponentialMovingAverage` with `num_updates`), so that the average is not
            dominated by the random initial weights in short runs.

        averaged: optional second network of the same architecture (e.g.
            `keras.models.clone_model(model)`) whose variables hold the average; it is set to
            `model`'s weights now and frozen (`trainable = False`). A model that keeps this
            network as an attribute saves and loads the average with its other weights, and
            samples from it directly. Without it the average lives in new standalone variables.

    Attributes:
        variables: the averaged variables, in the order of `model.variables` (save them
            alongside the model to keep the average).
        averaged: the network holding the average, or `None`.
        updates: an int64 counter of `update()` calls (track it too, for the warm-up).
    """

    def __init__(self, model, decay=0.999, warmup=True, averaged=None):
        if not isinstance(model, keras.Model):
            raise ValueError(f"model must be a keras.Model, got {type(model).__name__}.")
        if not model.built or not model.variables:
            raise ValueError(f"model {model.name!r} has no variables yet; build it before averaging its weights.")
        self.model = model
        self.decay = check_decay(decay)
        self.warmup = bool(warmup)
        self.averaged = averaged
        if averaged is not None:
            if not isinstance(averaged, keras.Model):
                raise ValueError(f"averaged must be a keras.Model, got {type(averaged).__name__}.")
            if not averaged.built:
                averaged.build(model.input_shape)
            self._check_same(averaged)
            averaged.trainable = False
            self.variables = list(averaged.variables)
            for avg, v in zip(self.variables, model.variables):
                avg.assign(v.value)
        else:
            self.variables = self._new_variables(model)
        self.updates = keras.Variable(0, dtype="int64", trainable=False, name="ema_updates")

    def _check_same(self, target):
        if len(target.variables) != len(self.model.variables):
            raise ValueError(
                f"{target.name!r} has {len(target.variables)} variables, {self.model.name!r} has "
                f"{len(self.model.variables)}: the average needs the same architecture."
            )
        for t, v in zip(target.variables, self.model.variables):
            if tuple(t.shape) != tuple(v.shape):
                raise ValueError(f"variable {t.path} has shape {tuple(t.shape)}, {v.path} has {tuple(v.shape)}.")

    @staticmethod
    def _new_variables(model):
        return [
            keras.Variable(
                # a copy: a backend variable passed as the initial value would be shared, not copied
                ops.copy(ops.convert_to_tensor(v.value)),
                dtype=v.dtype,
                trainable=False,
                name=f"ema_{v.path.replace('/', '_')}",
            )
            for v in model.variables
        ]

    def current_decay(self):
        """The decay the next `update()` uses (a scalar tensor)."""
        if not self.warmup:
            return ops.convert_to_tensor(self.decay, "float32")
        return warmup_decay(self.decay, ops.cast(self.updates.value, "float32"))

    def update(self):
        """One EMA step towards the model's current weights (call it after each generator update)."""
        average_step(self.variables, self.model.variables, 1.0 - self.current_decay())
        self.updates.assign_add(1)

    def reset(self):
        """Restarts the average at the model's current weights."""
        for avg, v in zip(self.variables, self.model.variables):
            avg.assign(v.value)
        self.updates.assign(0)

    def copy_to(self, target):
        """Writes the averaged weights into `target`, a model with the same architecture."""
        if len(target.variables) != len(self.variables):
            raise ValueError(
                f"target {target.name!r} has {len(target.variables)} variables, the average has {len(self.variables)}."
            )
        for t, avg in zip(target.variables, self.variables):
            if tuple(t.shape) != tuple(avg.shape):
                raise ValueError(f"variable {t.path} has shape {tuple(t.shape)}, the average {tuple(avg.shape)}.")
            t.assign(avg.value)
        return target

    def averaged_model(self):
        """A new model (a clone of `model`) holding the averaged weights."""
        clone = keras.models.clone_model(self.model)
        if not clone.built:
            clone.build(self.model.input_shape)
        return self.copy_to(clone)

    @contextlib.contextmanager
    def swapped(self):
        """Context in which `model` holds the averaged weights; its own weights come back after."""
        saved = [ops.copy(v.value) for v in self.model.variables]
        self.copy_to(self.model)
        try:
            yield self.model
        finally:
            for v, value in zip(self.model.variables, saved):
                v.assign(value)


def _is_float(dtype):
    return "float" in str(dtype)
