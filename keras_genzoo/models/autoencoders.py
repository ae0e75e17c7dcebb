"""Autoencoders: the deterministic `Autoencoder` and the variational `VAE` (Kingma & Welling, 2014).

Both train with `fit` on images in [0, 1] (or vectors) and share one `train_step`; they
differ only in their objective:

    Autoencoder:  loss = -log p(x | z),            z = encoder(x)
    VAE:          loss = -log p(x | z) + beta KL(q(z | x) || N(0, I)),
                  z = mu + sigma * eps,  eps ~ N(0, I)   (the reparameterization)

`loss` is the negative ELBO (for beta = 1) in nats per example.
"""

from __future__ import annotations

import keras
import numpy as np
from keras import ops

from keras_genzoo import losses, networks
from keras_genzoo.models.base import SingleOptimizerModel
from keras_genzoo.trainers.steps import Update
from keras_genzoo.utils.validation import check_choice, check_network, check_number, check_positive_int, resolve_data_shape

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
class Autoencoder(SingleOptimizerModel):
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
        latent_prior: the prior of the codes; the autoencoders use `"normal"` (N(0, I)) only.

    Other keyword arguments (`image_range`, `name`, ...) are `GenerativeModel`'s.

    Defaults: Adam(1e-3), as in the Keras VAE example; Kingma & Welling used Adagrad.

    Example:

        >>> import numpy as np, keras_genzoo as gz
        >>> ae = gz.models.Autoencoder(image_shape=(8, 8, 1), latent_dim=4, base_filters=4, seed=0)
        >>> ae.compile()  # Adam(1e-3)
        >>> ae.optimizer_roles()
        {'autoencoder': 'optimizer'}
        >>> x = np.random.default_rng(0).uniform(size=(16, 8, 8, 1)).astype("float32")
        >>> sorted(ae.fit(x, batch_size=8, epochs=1, verbose=0).history)
        ['loss', 'reconstruction_loss']
        >>> z = ae.encode(x[:3])
        >>> z.shape, ae.decode(z).shape, ae.reconstruct(x[:3]).shape
        ((3, 4), (3, 8, 8, 1), (3, 8, 8, 1))
        >>> ae.interpolate(x[:2], x[2:4], steps=5).shape  # 5 images from each x_a to its x_b
        (2, 5, 8, 8, 1)
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
        latent_prior="normal",
        **kwargs,
    ):
        data_shape = resolve_data_shape(data_shape, image_shape)
        if latent_prior != "normal":
            raise ValueError(f"latent_prior must be 'normal' for {type(self).__name__} (its prior is N(0, I)), "
                             f"got {latent_prior!r}.")
        super().__init__(data_shape, latent_dim, latent_prior=latent_prior, seed=seed, **kwargs)
        if likelihood is None:
            likelihood = "bernoulli" if self.is_image_model else "gaussian"
        self.likelihood = check_choice(likelihood, "likelihood", LIKELIHOODS)
        self.base_filters = check_positive_int(base_filters, "base_filters")
        self.encoder = self.check_encoder(encoder if encoder is not None else self.default_encoder())
        self.decoder = self.check_decoder(decoder if decoder is not None else self.default_decoder())
        self._create_step_trackers()
        self.built = True

    # ------------------------------------------------------------------ networks
    def default_encoder(self):
        if self.is_image_model:
            return networks.conv_encoder(self.data_shape, self.latent_dim, self.variational, self.base_filters,
                                         seed=self.seed)
        return networks.mlp_encoder(self.data_shape, self.latent_dim, self.variational, seed=self.seed)

    def default_decoder(self):
        if self.is_image_model:
            return networks.conv_decoder(self.latent_dim, self.data_shape, self.base_filters, seed=self.seed)
        return networks.mlp_decoder(self.latent_dim, self.data_shape, seed=self.seed)

    def check_encoder(self, encoder):
        inputs, dtypes, names = self.network_input_spec(self.data_shape)
        outputs = [(self.latent_dim,)] * (2 if self.variational else 1)
        return check_network(encoder, "encoder", inputs, outputs, dtypes=dtypes, input_names=names,
                             output_names=["z_mean", "z_log_var"] if self.variational else "z")

    def check_decoder(self, decoder):
        inputs, dtypes, names = self.network_input_spec((self.latent_dim,))
        return check_network(decoder, "decoder", inputs, [self.data_shape], dtypes=dtypes,
                             input_names=["z", "label"] if names else "z")

    # ------------------------------------------------------------------ the model's maps
    def call(self, inputs, training=False):
        """Reconstructions (through the latent means) in data space: of `x`, or of `[x, labels]`
        for the conditional VAE."""
        x, labels = inputs if self.is_conditional else (inputs, None)
        z = self._codes(x, labels, training, sample=False)[0]
        return self.to_data_space(self.decoder(self.network_inputs(z, labels), training=training))

    def _codes(self, x, labels=None, training=False, sample=True, eps=None):
        """`(z, z_mean, z_log_var)`; for the plain autoencoder `z = z_mean` and `z_log_var` is None."""
        z = self.encoder(self.network_inputs(x, labels), training=training)
        return z, z, None

    def _regularize(self, loss, logs, z_mean, z_log_var, labels=None):
        """Adds the family's latent regulariser to the reconstruction loss (none for the AE)."""
        return loss, logs

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

    def compute_objective(self, x, training=True, eps=None, labels=None):
        """`(loss, logs)`: the batch mean of the per-example objective, in nats (given `labels`
        for the conditional VAE)."""
        z, z_mean, z_log_var = self._codes(x, labels, training, sample=True, eps=eps)
        rec = ops.mean(self._reconstruction(x, self.decoder(self.network_inputs(z, labels), training=training)))
        return self._regularize(rec, {"reconstruction_loss": rec}, z_mean, z_log_var, labels)

    def test_objective(self, x, labels=None):
        """The autoencoder's `reconstruction_loss` (nats per example, under its likelihood) and
        `reconstruction_mse` (per value, data in [0, 1]) of `x` through the latent means; the
        VAE's `negative_elbo` (nats per example, one reparameterized sample of z per example,
        given `labels` for the conditional VAE, without its class-consistency terms)."""
        batch = ops.convert_to_tensor(x)
        labels = self.checked_labels(labels, int(ops.shape(batch)[0]))
        tensor_labels = None if labels is None else ops.convert_to_tensor(labels)
        loss, logs = self.compute_objective(batch, training=False, labels=tensor_labels)
        if self.variational:
            return {"negative_elbo": float(ops.convert_to_numpy(loss))}
        mse = np.mean((self.reconstruct(batch, labels) - ops.convert_to_numpy(batch)) ** 2)
        return {"reconstruction_loss": float(ops.convert_to_numpy(logs["reconstruction_loss"])),
                "reconstruction_mse": float(mse)}

    # ------------------------------------------------------------------ public helpers (numpy in, numpy out)
    def _check_input(self, x, name="x"):
        x = _as_numpy_batch(x, self.data_shape, name)
        if self.likelihood == "bernoulli" and (x.min() < 0.0 or x.max() > 1.0):
            raise ValueError(
                f"{name} must lie in [0, 1] for the Bernoulli likelihood, found [{x.min():g}, {x.max():g}]; "
                "load data with image_range=(0, 1)."
            )
        return x

    def encode(self, x, labels=None):
        """Codes of `x` (numpy): `z` for the autoencoder, `(z_mean, z_log_var)` for the VAE
        (`labels`: one per example, for the conditional VAE only)."""
        x = self._check_input(x)
        labels = self.checked_labels(labels, len(x))
        inputs = ops.convert_to_tensor(x) if labels is None else [ops.convert_to_tensor(x), ops.convert_to_tensor(labels)]
        out = self.encoder(inputs, training=False)
        if isinstance(out, (list, tuple)):
            return tuple(np.asarray(ops.convert_to_numpy(o)) for o in out)
        return np.asarray(ops.convert_to_numpy(out))

    def _means(self, x, labels=None):
        codes = self.encode(x, labels)
        return codes[0] if isinstance(codes, tuple) else codes

    def decode(self, z, labels=None, batch_size=256):
        """Decoded examples of latent vectors `z` `(N, latent_dim)` (given `labels`, for the
        conditional VAE): images in [0, 1] (the decoder's mean)."""
        z = np.asarray(z, np.float32)
        if z.ndim != 2 or z.shape[1] != self.latent_dim:
            raise ValueError(f"z must have shape (N, {self.latent_dim}), got {z.shape}.")
        labels = self.checked_labels(labels, len(z))
        out = []
        for i in range(0, len(z), check_positive_int(batch_size, "batch_size")):
            zb = ops.convert_to_tensor(z[i : i + batch_size])
            yb = None if labels is None else ops.convert_to_tensor(labels[i : i + batch_size])
            out.append(ops.convert_to_numpy(self.to_data_space(
                self.decoder(self.network_inputs(zb, yb), training=False))))
        return np.concatenate(out).astype(np.float32)

    def reconstruct(self, x, labels=None):
        """`decode(encode(x))` through the latent means."""
        return self.decode(self._means(x, labels), labels)

    def interpolate(self, x_a, x_b, steps=10, labels=None):
        """Decodes `steps` points on the straight line between the codes (latent means) of
        `x_a` and `x_b` (both with `labels`, one per pair, for the conditional VAE); returns
        `(N, steps) + data_shape`, endpoints included."""
        steps = check_positive_int(steps, "steps")
        if steps < 2:
            raise ValueError(f"steps must be at least 2 (the two endpoints), got {steps}.")
        x_a = _as_numpy_batch(x_a, self.data_shape, "x_a")
        labels = self.checked_labels(labels, len(x_a))
        za, zb = self._means(x_a, labels), self._means(x_b, labels)
        if za.shape != zb.shape:
            raise ValueError(f"x_a and x_b must hold the same number of examples, got {za.shape[0]} and {zb.shape[0]}.")
        t = np.linspace(0.0, 1.0, steps, dtype=np.float32)[None, :, None]
        path = (1.0 - t) * za[:, None, :] + t * zb[:, None, :]
        out = self.decode(path.reshape(-1, self.latent_dim), None if labels is None else np.repeat(labels, steps))
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
        return self.compute_objective(batch["x"], training=training, eps=noise.get("eps"), labels=batch.get("labels"))

    # ------------------------------------------------------------------ save
    def get_config(self):
        config = super().get_config()
        config.update(likelihood=self.likelihood, base_filters=self.base_filters)
        return config


@keras.saving.register_keras_serializable(package="keras_genzoo")
class VAE(Autoencoder):
    """Variational autoencoder: encoder `q(z | x) = N(mu(x), diag sigma^2(x))`, prior N(0, I).

    Minimises the negative ELBO `-E_q[log p(x | z)] + beta KL(q(z | x) || p(z))` with the
    closed-form KL and one reparameterized sample `z = mu + sigma * eps` per example.
    History: `loss`, `reconstruction_loss`, `kl_loss` (nats per example).

    Takes the arguments of `Autoencoder`, and:

    Args:
        beta: weight of the KL term (1 is the ELBO; > 1 a beta-VAE), >= 0.

    Example:

        >>> import numpy as np, keras_genzoo as gz
        >>> vae = gz.models.VAE(image_shape=(8, 8, 1), latent_dim=2, base_filters=4, seed=0)
        >>> vae.compile()
        >>> x = np.random.default_rng(0).uniform(size=(16, 8, 8, 1)).astype("float32")
        >>> sorted(vae.fit(x, batch_size=8, epochs=1, verbose=0).history)
        ['kl_loss', 'loss', 'reconstruction_loss']
        >>> z_mean, z_log_var = vae.encode(x[:3])
        >>> z_mean.shape, z_log_var.shape, vae.decode(z_mean).shape
        ((3, 2), (3, 2), (3, 8, 8, 1))
        >>> vae.generate(4, seed=0).shape  # decoded draws of the prior N(0, I)
        (4, 8, 8, 1)
        >>> sorted(vae.test_objective(x[:4]))
        ['negative_elbo']
    """

    variational = True

    def __init__(self, data_shape=None, latent_dim=2, beta=1.0, **kwargs):
        self.beta = check_number(beta, "beta")
        super().__init__(data_shape=data_shape, latent_dim=latent_dim, **kwargs)

    def _log_names(self):
        return ("reconstruction_loss", "kl_loss")

    def latent_noise(self, x):
        """`eps ~ N(0, I)` for the reparameterization of a batch `x`, from the model's noise hook."""
        return self.noise("normal", (ops.shape(x)[0], self.latent_dim), "vae_eps", x)

    def step_noise(self, batch):
        return {"eps": self.latent_noise(batch["x"])}

    def _codes(self, x, labels=None, training=False, sample=True, eps=None):
        z_mean, z_log_var = self.encoder(self.network_inputs(x, labels), training=training)
        z_mean, z_log_var = ops.cast(z_mean, "float32"), ops.cast(z_log_var, "float32")
        if not sample:
            return z_mean, z_mean, z_log_var
        if eps is None:
            eps = self.latent_noise(x)
        return reparameterize(z_mean, z_log_var, ops.cast(eps, "float32")), z_mean, z_log_var

    def kl_divergence(self, z_mean, z_log_var, labels=None):
        """Per-example `KL(q(z | x) || p(z))`; the prior is N(0, I) (the conditional VAE's may depend on the label)."""
        return losses.kl_divergence_standard_normal(z_mean, z_log_var)

    def _regularize(self, loss, logs, z_mean, z_log_var, labels=None):
        kl = ops.mean(self.kl_divergence(z_mean, z_log_var, labels))
        return loss + self.beta * kl, dict(logs, kl_loss=kl)

    def get_config(self):
        config = super().get_config()
        config["beta"] = self.beta
        return config
