"""A guard against the two classic ways adversarial training fails silently."""

from __future__ import annotations

import math
import warnings

import keras
import numpy as np

from keras_genzoo.utils.validation import check_number, check_positive_int


def model_parts(model):
    """`(part, variables)` of a model: each sub-network (`generator`, `discriminator`,
    `encoder`, `decoder`, `generator_ema`), each update's optimizer (`"discriminator's optimizer"`)
    and `model` for the rest (step counter, seed state); for a plain Keras model, `model` and
    `optimizer`."""
    seen = set()
    parts = []

    def add(name, variables):
        own = [v for v in variables if id(v) not in seen]
        seen.update(id(v) for v in own)
        if own:
            parts.append((name, own))

    names = [n for n in getattr(model, "sub_model_names", ()) if getattr(model, n, None) is not None]
    if getattr(model, "generator_ema", None) is not None:
        names.append("generator_ema")
    for name in names:
        add(name, getattr(model, name).weights)
    updates = model.training_updates() if callable(getattr(model, "training_updates", None)) else ()
    for update in updates:
        optimizer = getattr(model, update.optimizer, None)
        if optimizer is not None:
            add(f"{update.name}'s optimizer", optimizer.variables)
    add("model", model.weights)
    optimizer = getattr(model, "optimizer", None)
    if optimizer is not None and not updates:
        add("optimizer", optimizer.variables)
    return parts


def nonfinite_parts(model):
    """`{part: [variable paths]}` of the parts of `model` (see `model_parts`) holding NaN/Inf."""
    bad = {}
    for part, variables in model_parts(model):
        for variable in variables:
            value = np.asarray(keras.ops.convert_to_numpy(variable.value))
            if np.issubdtype(value.dtype, np.floating) and not np.all(np.isfinite(value)):
                path = variable.path if part == "model" or "optimizer" in part else f"{part}/{variable.path}"
                bad.setdefault(part, []).append(path)
    return bad


def describe_nonfinite(bad):
    """One phrase naming the diverged networks, e.g. `"the generator diverged: weights
    generator/dense/kernel hold NaN/Inf"`."""
    names = [p for p in bad if p != "model"] or list(bad)
    paths = [path for p in names for path in bad[p]]
    shown = ", ".join(paths[:3]) + (f" and {len(paths) - 3} more" if len(paths) > 3 else "")
    return f"the {' and the '.join(names)} diverged: weights {shown} hold NaN/Inf"


def loss_owners(model):
    """`{log key: update name}`: which network each logged loss belongs to (`d_loss` ->
    `discriminator`)."""
    owners = {}
    if callable(getattr(model, "training_updates", None)):
        for update in model.training_updates():
            for key in (update.loss_name, *update.log_names):
                owners.setdefault(key, update.name)
    return owners


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

    Example:

        >>> model = gz.models.DCGAN(image_shape=(8, 8, 1), latent_dim=4, base_filters=4)
        >>> model.compile()
        >>> x = np.random.default_rng(0).random((16, 8, 8, 1), dtype="float32")
        >>> health = gz.callbacks.TrainingHealth(check_weights_every=1)
        >>> _ = model.fit(x, batch_size=8, epochs=1, callbacks=[health], verbose=0)
        >>> print(health.message)  # nothing went wrong
        None
        >>> kernel = model.discriminator.weights[0]
        >>> _ = kernel.assign(np.full(kernel.shape, np.nan, "float32"))  # make the discriminator diverge
        >>> health = gz.callbacks.TrainingHealth(raise_error=True)
        >>> _ = model.fit(x, batch_size=8, epochs=1, callbacks=[health], verbose=0)
        Traceback (most recent call last):
        ...
        FloatingPointError: TrainingHealth: the discriminator ... diverged: d_fake=nan, ... at step 1: not finite; ...
    """

    def __init__(self, check_weights_every=100, patience=200, win_probability=0.05, raise_error=False):
        super().__init__()
        self.check_weights_every = check_positive_int(check_weights_every, "check_weights_every")
        self.patience = check_positive_int(patience, "patience")
        check_number(win_probability, "win_probability", 0.0, strict=True, maximum=0.5, strict_maximum=True)
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

    def _sync(self):
        sync = getattr(self.model, "jax_state_sync", None)  # JAX: fit keeps the state outside the variables
        if callable(sync):
            sync()

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
            owners = loss_owners(self.model)
            networks = list(dict.fromkeys(owners[b.split("=")[0]] for b in bad if b.split("=")[0] in owners))
            who = f"the {' and the '.join(networks)} diverged: " if networks else ""
            return self._fail(
                f"TrainingHealth: {who}{', '.join(bad)} at step {self._step}: not finite; training stopped."
            )
        if self._step % self.check_weights_every == 0:
            self._sync()
            weights = nonfinite_parts(self.model)
            if weights:
                return self._fail(f"TrainingHealth: {describe_nonfinite(weights)} at step {self._step}; training stopped.")
        self._watch_discriminator(logs or {})

    def on_epoch_end(self, epoch, logs=None):
        if self.message is not None:
            return
        weights = nonfinite_parts(self.model)
        if weights:
            self._fail(f"TrainingHealth: {describe_nonfinite(weights)} after epoch {epoch + 1}; training stopped.")

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
