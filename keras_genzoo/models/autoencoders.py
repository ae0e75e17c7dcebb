"""Autoencoders: the deterministic `Autoencoder` and the variational `VAE` (Kingma & Welling, 2014).

Both train with `fit` on images in [0, 1] (or vectors) and share one `train_step`; they
differ only in their objective:

    Autoencoder:  loss = -log p(x | z),            z = encoder(x)
    VAE:          loss = -log p(x | z) + beta KL(q(z | x) || N(0, I)),
                  z = mu + sigma * eps,  eps ~ N(0, I)   (the reparameterization)

`loss` is the negative ELBO (for beta = 1) in nats per example.
"""

from __future__ import annotations

import numbers

import keras
import numpy as np
from keras import ops

from keras_genzoo import losses, networks, trainers
from keras_genzoo.models.base import GenerativeModel, check_positive_int, resolve_data_shape
from keras_genzoo.trainers.steps import Update, update_variables

LIKELIHOODS = ("bernoulli", "gaussian", "calibrated_gaussian")


def reparameterize(z_mean, z_log_var, eps):
    """`z = mu + exp(log_var / 2) * eps`: a sample of N(mu, sigma^2) that is differentiable in mu and log_var."""
    return z_mean + ops.exp(0.5 * z_log_var) * eps


def _as_numpy_batch(x, data_shape, name="x"):
    x = np.asarray(x)
    if x.ndim != len(data_shape) + 1 or tuple(x.shape[1:]) != tuple(data_shape):
        raise ValueError(f"{name} must have shape (N, {', '.join(map(str, data_shape))}), got {x.shape}.")
    if not np.issubdtype(x.dtype, np.floating):
        raise ValueError(f"{name} must be floating point (images in [0, 1]), got dtype {x.dtype}.")
    if not np.all(np.isfinite(x)):
        raise ValueError(f"{name} contains NaN or Inf values.")
    return x.astype(np.float32)


@keras.saving.register_keras_serializable(package="keras_genzoo")
class Autoencoder(GenerativeModel):
    """A deterministic autoencoder, `x -> z -> x_hat`, trained on the reconstruction likelihood.

    Args:
        data_shape: shape of one example: `(H, W, C)` images in [0, 1] (conv networks,
            H and W divisible by 4) or `(d,)` vectors (MLP networks).
        latent_dim: size of the code `z`.
        encoder: a `keras.Model` from `data_shape` to `(latent_dim,)` (a VAE's encoder returns
            `[z_mean, z_log_var]`); the default network when `None`.
        decoder: a `keras.Model` from `(latent_dim,)` to `data_shape`, returning logits
            (Bernoulli) or the pre-sigmoid mean (Gaussian images) or the mean (vectors).
        likelihood: `"bernoulli"` (binary cross-entropy; images in [0, 1]), `"gaussian"`
            (half squared error: a unit-variance Gaussian, up to a constant) or
            `"calibrated_gaussian"` (a Gaussian whose shared variance is fitted to each batch's
            squared error, as in the sigma-VAE: `losses.calibrated_gaussian_reconstruction_loss`).
        base_filters: width of the default conv networks.
        seed: seeds the training noise.
        image_shape: alias of `data_shape`.

    Defaults: Adam(1e-3), as in the Keras VAE example; Kingma & Welling used Adagrad.
    """

    variational = False
    default_batch_size = 128
    sub_model_names = ("encoder", "decoder")

    def __init__(
        self,
        data_shape=None,
        latent_dim=2,
        encoder=None,
        decoder=None,
        likelihood=None,
        base_filters=32,
        seed=None,
        image_shape=None,
        **kwargs,
    ):
        data_shape = resolve_data_shape(data_shape, image_shape)
        super().__init__(data_shape, latent_dim, latent_prior="normal", seed=seed, **kwargs)
        if likelihood is None:
            likelihood = "bernoulli" if self.is_image_model else "gaussian"
        if likelihood not in LIKELIHOODS:
            raise ValueError(f"likelihood must be one of {LIKELIHOODS}, got {likelihood!r}.")
        self.likelihood = likelihood
        self.base_filters = check_positive_int(base_filters, "base_filters")
        if encoder is None:
            encoder = (
                networks.conv_encoder(self.data_shape, self.latent_dim, self.variational, self.base_filters, seed=seed)
                if self.is_image_model
                else networks.mlp_encoder(self.data_shape, self.latent_dim, self.variational, seed=seed)
            )
        if decoder is None:
            decoder = (
                networks.conv_decoder(self.latent_dim, self.data_shape, self.base_filters, seed=seed)
                if self.is_image_model
                else networks.mlp_decoder(self.latent_dim, self.data_shape, seed=seed)
            )
        self._check_networks(encoder, decoder)
        self.encoder = encoder
        self.decoder = decoder
        self._create_step_trackers()
        self.built = True

    def _check_networks(self, encoder, decoder):
        for net, name in ((encoder, "encoder"), (decoder, "decoder")):
            if not isinstance(net, keras.Model):
                raise ValueError(f"{name} must be a keras.Model, got {type(net).__name__}.")
        outs = encoder.compute_output_spec(keras.KerasTensor((None,) + self.data_shape))
        outs = outs if isinstance(outs, (list, tuple)) else [outs]
        expected = 2 if self.variational else 1
        if len(outs) != expected or any(tuple(o.shape[1:]) != (self.latent_dim,) for o in outs):
            raise ValueError(
                f"encoder must map {self.data_shape} to "
                + ("[z_mean, z_log_var], each" if self.variational else "z of shape")
                + f" ({self.latent_dim},); got {[tuple(o.shape[1:]) for o in outs]}."
            )
        out = decoder.compute_output_spec(keras.KerasTensor((None, self.latent_dim)))
        if tuple(out.shape[1:]) != self.data_shape:
            raise ValueError(f"decoder must map ({self.latent_dim},) to {self.data_shape}; got {tuple(out.shape[1:])}.")

    # ------------------------------------------------------------------ the model's maps
    def call(self, x, training=False):
        return self.to_data_space(self.decoder(self._codes(x, training, sample=False)[0], training=training))

    def _codes(self, x, training=False, sample=True, eps=None):
        """`(z, z_mean, z_log_var)`; for the plain autoencoder `z = z_mean` and `z_log_var` is None."""
        z = self.encoder(x, training=training)
        return z, z, None

    def _regularize(self, loss, logs, z_mean, z_log_var):
        """Adds the family's latent regulariser to the reconstruction loss (none for the AE)."""
        return loss, logs

    def decode_latent(self, z, training=False):
        return self.decoder(z, training=training)

    def sampling_decoder(self):
        return self.decoder

    def to_data_space(self, out):
        out = ops.cast(out, "float32")
        return ops.sigmoid(out) if self.is_image_model else out

    def _reconstruction(self, x, out):
        if self.likelihood == "bernoulli":
            return losses.bernoulli_reconstruction_loss(x, ops.cast(out, "float32"))
        if self.likelihood == "calibrated_gaussian":
            return losses.calibrated_gaussian_reconstruction_loss(x, self.to_data_space(out))
        return losses.gaussian_reconstruction_loss(x, self.to_data_space(out))

    def compute_objective(self, x, training=True, eps=None):
        """`(loss, logs)`: the batch mean of the per-example objective, in nats."""
        z, z_mean, z_log_var = self._codes(x, training, sample=True, eps=eps)
        rec = ops.mean(self._reconstruction(x, self.decoder(z, training=training)))
        return self._regularize(rec, {"reconstruction_loss": rec}, z_mean, z_log_var)

    def test_objective(self, x, labels=None):
        """The autoencoder's `reconstruction_loss` (nats per example, under its likelihood) and
        `reconstruction_mse` (per value, data in [0, 1]) of `x` through the latent means; the
        VAE's `negative_elbo` (nats per example, one reparameterized sample of z per example)."""
        from keras_genzoo.models.labels import reject_labels

        reject_labels(self, labels)
        batch = ops.convert_to_tensor(x)
        loss, logs = self.compute_objective(batch, training=False)
        if self.variational:
            return {"negative_elbo": float(ops.convert_to_numpy(loss))}
        return {"reconstruction_loss": float(ops.convert_to_numpy(logs["reconstruction_loss"])),
                "reconstruction_mse": float(np.mean((self.reconstruct(batch) - ops.convert_to_numpy(batch)) ** 2))}

    # ------------------------------------------------------------------ public helpers (numpy in, numpy out)
    def _check_input(self, x, name="x"):
        x = _as_numpy_batch(x, self.data_shape, name)
        if self.likelihood == "bernoulli" and (x.min() < 0.0 or x.max() > 1.0):
            raise ValueError(
                f"{name} must lie in [0, 1] for the Bernoulli likelihood, found [{x.min():g}, {x.max():g}]; "
                "load data with image_range=(0, 1)."
            )
        return x

    def encode(self, x):
        """Codes of `x`: `z` (numpy) for the autoencoder; `(z_mean, z_log_var)` for the VAE."""
        x = self._check_input(x)
        out = self.encoder(x, training=False)
        if isinstance(out, (list, tuple)):
            return tuple(np.asarray(ops.convert_to_numpy(o)) for o in out)
        return np.asarray(ops.convert_to_numpy(out))

    def _means(self, x):
        codes = self.encode(x)
        return codes[0] if isinstance(codes, tuple) else codes

    def decode(self, z):
        """Decoded examples of latent vectors `z` `(N, latent_dim)`: images in [0, 1] (the decoder's mean)."""
        z = np.asarray(z, np.float32)
        if z.ndim != 2 or z.shape[1] != self.latent_dim:
            raise ValueError(f"z must have shape (N, {self.latent_dim}), got {z.shape}.")
        return np.asarray(ops.convert_to_numpy(self.to_data_space(self.decoder(z, training=False))), np.float32)

    def reconstruct(self, x):
        """`decode(encode(x))` through the latent means."""
        return self.decode(self._means(x))

    def interpolate(self, x_a, x_b, steps=10):
        """Decodes `steps` points on the straight line between the codes (latent means) of
        `x_a` and `x_b`; returns `(N, steps) + data_shape`, endpoints included."""
        steps = check_positive_int(steps, "steps")
        if steps < 2:
            raise ValueError(f"steps must be at least 2 (the two endpoints), got {steps}.")
        za, zb = self._means(x_a), self._means(x_b)
        if za.shape != zb.shape:
            raise ValueError(f"x_a and x_b must hold the same number of examples, got {za.shape[0]} and {zb.shape[0]}.")
        t = np.linspace(0.0, 1.0, steps, dtype=np.float32)[None, :, None]
        path = (1.0 - t) * za[:, None, :] + t * zb[:, None, :]
        out = self.decode(path.reshape(-1, self.latent_dim))
        return out.reshape((za.shape[0], steps) + self.data_shape)

    # ------------------------------------------------------------------ the training step, described
    #: the decoder's likelihood is over images in [0, 1]
    internal_image_range = (0.0, 1.0)

    def _log_names(self):
        return ("reconstruction_loss",)

    def training_updates(self):
        return (
            Update("autoencoder", ("encoder", "decoder"), "optimizer", self.objective, "loss", self._log_names()),
        )

    def objective(self, batch, noise, training=True):
        """`(loss, logs)` of one batch: the family's objective in nats per example."""
        return self.compute_objective(batch["x"], training=training, eps=noise.get("eps"))

    # ------------------------------------------------------------------ compile and save
    def compile(self, optimizer=None, **kwargs):
        """Adam(1e-3) when no optimizer is given. No `loss`: the model owns its objective."""
        if "loss" in kwargs:
            raise ValueError(f"{type(self).__name__}.compile takes no loss: the model owns its objective.")
        optimizer = keras.optimizers.Adam(1e-3) if optimizer is None else keras.optimizers.get(optimizer)
        super().compile(optimizer=optimizer, **kwargs)
        self.optimizer.build(update_variables(self, self.training_updates()[0]))
        trainers.get().attach_optimizers(self, [self.optimizer])

    def compile_from_config(self, config):
        config = keras.saving.deserialize_keras_object(config)
        config = {k: v for k, v in config.items() if k in ("optimizer", "jit_compile", "steps_per_execution")}
        self.compile(**config)

    def get_config(self):
        config = super().get_config()
        config.pop("latent_prior", None)
        config.update(likelihood=self.likelihood, base_filters=self.base_filters)
        return config


@keras.saving.register_keras_serializable(package="keras_genzoo")
class VAE(Autoencoder):
    """Variational autoencoder: encoder `q(z | x) = N(mu(x), diag sigma^2(x))`, prior N(0, I).

    Minimises the negative ELBO `-E_q[log p(x | z)] + beta KL(q(z | x) || N(0, I))` with the
    closed-form KL and one reparameterized sample `z = mu + sigma * eps` per example.
    History: `loss`, `reconstruction_loss`, `kl_loss` (nats per example).

    Takes the arguments of `Autoencoder`, and:

    Args:
        beta: weight of the KL term (1 is the ELBO; > 1 a beta-VAE), >= 0.
    """

    variational = True

    def __init__(self, data_shape=None, latent_dim=2, beta=1.0, **kwargs):
        if isinstance(beta, bool) or not isinstance(beta, numbers.Real) or not beta >= 0:
            raise ValueError(f"beta must be a number >= 0, got {beta!r}.")
        self.beta = float(beta)
        super().__init__(data_shape=data_shape, latent_dim=latent_dim, **kwargs)

    def _log_names(self):
        return ("reconstruction_loss", "kl_loss")

    def step_noise(self, batch):
        x = batch["x"]
        return {"eps": self.noise("normal", (ops.shape(x)[0], self.latent_dim), "vae_eps", x)}

    def _codes(self, x, training=False, sample=True, eps=None):
        z_mean, z_log_var = self.encoder(x, training=training)
        z_mean, z_log_var = ops.cast(z_mean, "float32"), ops.cast(z_log_var, "float32")
        if not sample:
            return z_mean, z_mean, z_log_var
        if eps is None:
            eps = self.noise("normal", ops.shape(z_mean), "vae_eps", x)
        return reparameterize(z_mean, z_log_var, eps), z_mean, z_log_var

    def _regularize(self, loss, logs, z_mean, z_log_var):
        kl = ops.mean(losses.kl_divergence_standard_normal(z_mean, z_log_var))
        return loss + self.beta * kl, dict(logs, kl_loss=kl)

    def get_config(self):
        config = super().get_config()
        config["beta"] = self.beta
        return config
