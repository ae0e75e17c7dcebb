"""A guard against the two classic ways adversarial training fails silently."""

from __future__ import annotations

import math
import warnings

import keras
import numpy as np


class TrainingHealth(keras.callbacks.Callback):
    """Stops training when a logged loss or a weight becomes NaN/Inf, and warns when the
    discriminator wins outright — the lecture's "generator gets no gradient" failure.

    Args:
        check_weights_every: also scan every weight for NaN/Inf every this many batches
            (and at each epoch end).
        patience: batches in a row the discriminator must win before the warning.
        win_probability: the discriminator "wins" when `sigmoid(d_fake) <` this, i.e. it
            gives generated samples less than this probability of being real, while
            `g_loss` is higher than when the streak began. Only for models whose
            discriminator outputs logits (GAN, DCGAN); Wasserstein critics have no
            probability scale.
        raise_error: raise `FloatingPointError` instead of stopping gracefully.

    After a stop, `self.message` says which quantity went bad and at which step.
    """

    def __init__(self, check_weights_every=100, patience=200, win_probability=0.05, raise_error=False):
        super().__init__()
        if not isinstance(check_weights_every, int) or check_weights_every < 1:
            raise ValueError(f"check_weights_every must be an integer >= 1, got {check_weights_every!r}.")
        if not isinstance(patience, int) or patience < 1:
            raise ValueError(f"patience must be an integer >= 1, got {patience!r}.")
        if not 0.0 < win_probability < 0.5:
            raise ValueError(f"win_probability must lie in (0, 0.5), got {win_probability!r}.")
        self.check_weights_every, self.patience = check_weights_every, patience
        self.win_logit = math.log(win_probability / (1.0 - win_probability))
        self.raise_error = raise_error
        self.message = None
        self.warned = False
        self._step = 0
        self._streak = 0
        self._streak_start_g = None

    def _fail(self, message):
        self.message = message
        if self.raise_error:
            raise FloatingPointError(message)
        warnings.warn(message, RuntimeWarning, stacklevel=2)
        self.model.stop_training = True

    def _named_weights(self):
        """`(name, variable)` pairs, prefixed with the sub-model they belong to (generator/...)."""
        for owner in getattr(self.model, "sub_model_names", ()):
            for variable in getattr(self.model, owner).weights:
                yield f"{owner}/{variable.path}", variable
        if not getattr(self.model, "sub_model_names", ()):
            for variable in self.model.weights:
                yield variable.path, variable

    def _bad_weights(self):
        bad = []
        for name, variable in self._named_weights():
            value = np.asarray(variable.numpy())
            if np.issubdtype(value.dtype, np.floating) and not np.all(np.isfinite(value)):
                bad.append(name)
        return bad

    def on_train_batch_end(self, batch, logs=None):
        if self.message is not None:
            return
        self._step += 1
        bad = []
        for key, value in (logs or {}).items():
            try:
                number = float(value)
            except (TypeError, ValueError):
                continue
            if not math.isfinite(number):
                bad.append(f"{key}={number}")
        if bad:
            return self._fail(f"TrainingHealth: {', '.join(bad)} at step {self._step}: not finite; training stopped.")
        if self._step % self.check_weights_every == 0:
            weights = self._bad_weights()
            if weights:
                return self._fail(
                    f"TrainingHealth: weights {', '.join(weights)} hold NaN/Inf at step {self._step}; training stopped."
                )
        self._watch_discriminator(logs or {})

    def on_epoch_end(self, epoch, logs=None):
        if self.message is not None:
            return
        weights = self._bad_weights()
        if weights:
            self._fail(f"TrainingHealth: weights {', '.join(weights)} hold NaN/Inf after epoch {epoch + 1}; training stopped.")

    def _watch_discriminator(self, logs):
        from keras_genzoo.models.wasserstein import _WassersteinBase

        if self.warned or "d_fake" not in logs or "g_loss" not in logs or isinstance(self.model, _WassersteinBase):
            return
        d_fake, g_loss = float(logs["d_fake"]), float(logs["g_loss"])
        if d_fake < self.win_logit:
            if self._streak == 0:
                self._streak_start_g = g_loss
            self._streak += 1
        else:
            self._streak = 0
        if self._streak >= self.patience and g_loss > self._streak_start_g:
            self.warned = True
            warnings.warn(
                f"TrainingHealth: for {self._streak} steps the discriminator has given generated samples "
                f"probability < {1 / (1 + math.exp(-self.win_logit)):.2f} of being real (mean d_fake logit "
                f"{d_fake:.2f}) while g_loss rose from {self._streak_start_g:.3f} to {g_loss:.3f}: the discriminator "
                "is winning outright and the generator gets little gradient. Consider the non-saturating loss, "
                "a lower discriminator learning rate, or a Wasserstein model.",
                RuntimeWarning,
                stacklevel=2,
            )
