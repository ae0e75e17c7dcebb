"""The conditional VAE (Sohn et al., 2015; the "M2"-style conditioning of Kingma et al., 2014):
the encoder `q(z | x, y)` and the decoder `p(x | z, y)` both see the class label. The prior
`p(z | y)` is N(0, I) for every class (`prior="standard"`), or one learned Gaussian per
class, `N(m_y, diag s_y^2)` (`prior="learned"`: Sohn et al.'s prior network for a label).
To sample class `y`, draw `z ~ p(z | y)` and decode it with `y`.

    loss(x, y) = -E_q[log p(x | z, y)] + beta KL(q(z | x, y) || p(z | y)),
    z = mu(x, y) + sigma(x, y) * eps,   eps ~ N(0, I)

With `class_loss_weight = w > 0` the model also owns a classifier `C` of real data (the
AC-GAN idea carried over to the decoder): it adds `CE(C(x), y)` (which trains `C` only) and
`w * CE(C(decode(z_y, y)), y)` for prior draws `z_y ~ p(z | y)` (which trains the decoder,
prior and encoder only: `losses.input_only_class_loss`), so that samples carry the details
that tell their class from its neighbours'.

`conditional_objective(x, labels, eps)` computes it from tensors (no gradient code; the
backend trainers in `keras_genzoo.trainers` differentiate it).
"""

from __future__ import annotations

import dataclasses

import keras
import numpy as np
from keras import ops

from keras_genzoo import losses, networks
from keras_genzoo.models import labels as label_utils
from keras_genzoo.models.autoencoders import VAE, _as_numpy_batch, reparameterize
from keras_genzoo.models.base import check_positive_int, resolve_data_shape
from keras_genzoo.models.conditional import _number

PRIORS = ("standard", "learned")


@keras.saving.register_keras_serializable(package="keras_genzoo")
class ConditionalVAE(VAE):
    """A VAE whose encoder and decoder are conditioned on a class label.

    Args:
        data_shape: `(H, W, C)` images in [0, 1] (H, W divisible by 4) or `(d,)` vectors.
        image_shape: alias of `data_shape`.
        num_classes: number of classes `K`; labels are integers in `[0, K)`.
        latent_dim: size of `z`.
        encoder: a `keras.Model` `[x, label] -> [z_mean, z_log_var]`; default
            `networks.conditional_encoder` (one-hot label joined to the conv/MLP features).
        decoder: a `keras.Model` `[z, label] -> data_shape` (logits for images, means for
            vectors); default `networks.conditional_decoder` (one-hot label joined to z).
        base_filters: width of the default conv networks.
        prior: `"standard"` (N(0, I) for every class) or `"learned"` (a Gaussian per class,
            `networks.ClassPrior`, trained with the encoder and decoder: the KL term then pulls
            each class's codes towards its own Gaussian instead of all classes towards one, and
            `generate` samples from the class's Gaussian).
        class_loss_weight: `w >= 0`, the weight of the class-consistency term on prior
            samples (0, the default: none, and no classifier).
        classifier: a `keras.Model` `x -> class_logits (num_classes,)` for that term, without
            dropout or batch statistics (each example is classified on its own, so that the
            samples and their gradient-stopped copy get the same logits); default `networks.label_classifier`. Only with
            `class_loss_weight > 0`.
        seed: seeds the training noise and the default networks' weights.

    `beta` and `likelihood` are as in `VAE`.

    History: `loss` (the objective minimised: the negative ELBO, plus with a classifier
    `w * class_loss + classifier_loss`), `reconstruction_loss`, `kl_loss` (nats per example);
    with a classifier also `class_loss` (cross-entropy of the classifier on prior samples and
    their labels), `sample_class_accuracy` and `classifier_loss` (its cross-entropy on the real
    batch).
    """

    sub_model_names = ("encoder", "decoder", "classifier")
    is_conditional = True

    def sampling_graph(self, noise):
        labels = keras.Input((), name="labels", dtype="int32")
        latent = noise
        if self.prior is not None:  # a learned prior per class: generate() draws z = m_y + s_y * noise
            mean, log_var = self.prior(labels)
            latent = keras.layers.Lambda(lambda t: t[0] + keras.ops.exp(0.5 * t[1]) * t[2], name="class_prior")(
                [mean, log_var, noise])
        return [noise, labels], self.decoder([latent, labels])

    def __init__(self, data_shape=None, num_classes=10, latent_dim=2, encoder=None, decoder=None, base_filters=32,
                 seed=None, image_shape=None, prior="standard", class_loss_weight=0.0, classifier=None, **kwargs):
        shape = resolve_data_shape(data_shape, image_shape)
        self.num_classes = check_positive_int(num_classes, "num_classes")
        latent_dim = check_positive_int(latent_dim, "latent_dim")
        if prior not in PRIORS:
            raise ValueError(f"prior must be one of {PRIORS}, got {prior!r}.")
        self.prior_kind = prior
        self.class_loss_weight = _number(class_loss_weight, "class_loss_weight")
        if classifier is not None and self.class_loss_weight == 0:
            raise ValueError("classifier is used only by the class-consistency term: pass class_loss_weight > 0 "
                             "with it, or no classifier.")
        if self.class_loss_weight > 0 and classifier is None:
            classifier = networks.label_classifier(shape, self.num_classes, base_filters=base_filters, seed=seed)
        if classifier is not None:
            self._check_classifier(classifier, shape)
        if encoder is None:
            encoder = networks.conditional_encoder(shape, self.num_classes, latent_dim, base_filters=base_filters,
                                                   seed=seed)
        if decoder is None:
            decoder = networks.conditional_decoder(latent_dim, shape, self.num_classes, base_filters=base_filters,
                                                   seed=seed)
        super().__init__(data_shape=shape, latent_dim=latent_dim, encoder=encoder, decoder=decoder,
                         base_filters=base_filters, seed=seed, **kwargs)
        self.prior = networks.ClassPrior(self.num_classes, latent_dim, name="prior") if prior == "learned" else None
        self.classifier = classifier

    def _check_classifier(self, classifier, shape):
        if not isinstance(classifier, keras.Model):
            raise ValueError(f"classifier must be a keras.Model, got {type(classifier).__name__}.")
        try:
            out = classifier.compute_output_spec(keras.KerasTensor((None,) + shape))
        except Exception as e:  # noqa: BLE001
            raise ValueError(f"classifier must take x {shape}; calling it failed: {e}") from e
        if isinstance(out, (list, tuple)) or tuple(out.shape[1:]) != (self.num_classes,):
            found = [tuple(o.shape[1:]) for o in out] if isinstance(out, (list, tuple)) else tuple(out.shape[1:])
            raise ValueError(f"classifier must map x {shape} to class logits ({self.num_classes},); got {found}.")

    def _check_networks(self, encoder, decoder):
        for net, name in ((encoder, "encoder"), (decoder, "decoder")):
            if not isinstance(net, keras.Model):
                raise ValueError(f"{name} must be a keras.Model, got {type(net).__name__}.")
        label = keras.KerasTensor((None, 1), dtype="int32")
        try:
            outs = encoder.compute_output_spec([keras.KerasTensor((None,) + self.data_shape), label])
        except Exception as e:  # noqa: BLE001
            raise ValueError(f"encoder must take [x {self.data_shape}, label (1,)]; calling it failed: {e}") from e
        outs = outs if isinstance(outs, (list, tuple)) else [outs]
        if len(outs) != 2 or any(tuple(o.shape[1:]) != (self.latent_dim,) for o in outs):
            raise ValueError(
                f"encoder must map [x {self.data_shape}, label] to [z_mean, z_log_var], each ({self.latent_dim},); "
                f"got {[tuple(o.shape[1:]) for o in outs]}."
            )
        try:
            out = decoder.compute_output_spec([keras.KerasTensor((None, self.latent_dim)), label])
        except Exception as e:  # noqa: BLE001
            raise ValueError(f"decoder must take [z ({self.latent_dim},), label (1,)]; calling it failed: {e}") from e
        if tuple(out.shape[1:]) != self.data_shape:
            raise ValueError(f"decoder must map [z, label] to {self.data_shape}; got {tuple(out.shape[1:])}.")

    # ------------------------------------------------------------------ the objective, as tensors
    def conditional_objective(self, x, labels, eps, training=True):
        """`(loss, logs)`: the batch mean of the negative conditional ELBO (nats) with the
        reparameterized sample `z = mu + sigma * eps`; logs `reconstruction_loss`, `kl_loss`."""
        z_mean, z_log_var = self.encoder([x, labels], training=training)
        z_mean, z_log_var = ops.cast(z_mean, "float32"), ops.cast(z_log_var, "float32")
        z = reparameterize(z_mean, z_log_var, ops.cast(eps, "float32"))
        rec = ops.mean(self._reconstruction(x, self.decoder([z, labels], training=training)))
        if self.prior is None:
            kl = ops.mean(losses.kl_divergence_standard_normal(z_mean, z_log_var))
        else:
            kl = ops.mean(losses.kl_divergence_normal(z_mean, z_log_var, *self.prior(labels)))
        return rec + self.beta * kl, {"reconstruction_loss": rec, "kl_loss": kl}

    def class_consistency_objective(self, x, labels, z, training=True):
        """`(loss, logs)` of the classifier terms: `CE(C(x), y) + w * CE(C(decode(z_y, y)), y)`
        with `z_y` the prior draw of class `y` for the standard-normal `z`; the first term
        trains the classifier only, the second everything but the classifier."""
        samples = self.to_data_space(self.decoder([self._prior_map(z, labels), labels], training=training))
        # One call on [real, samples, stop_gradient(samples)]: the classifier sees one batch.
        size = ops.shape(x)[0]
        all_logits = self.classifier(ops.concatenate([ops.cast(x, "float32"), samples, ops.stop_gradient(samples)]),
                                     training=training)
        real_logits, logits, stopped = all_logits[:size], all_logits[size : 2 * size], all_logits[2 * size :]
        class_term = losses.input_only_class_loss(labels, logits, stopped)
        classifier_loss = losses.class_loss(labels, real_logits)
        logs = {"class_loss": class_term, "sample_class_accuracy": losses.class_accuracy(labels, logits),
                "classifier_loss": classifier_loss}
        return self.class_loss_weight * class_term + classifier_loss, logs

    def _prior_map(self, z, labels):
        """Standard-normal draws `z` to draws of `p(z | y)`: `m_y + s_y * z` (`z` for the standard prior)."""
        z = ops.cast(z, "float32")
        if self.prior is None:
            return z
        mean, log_var = self.prior(labels)
        return mean + ops.exp(0.5 * log_var) * z

    def _log_names(self):
        names = ("reconstruction_loss", "kl_loss")
        if self.class_loss_weight > 0:
            names += ("class_loss", "sample_class_accuracy", "classifier_loss")
        return names

    def training_updates(self):
        (update,) = super().training_updates()
        # Called from the base constructor too, before the prior and classifier exist.
        extra = tuple(name for name in ("prior", "classifier") if getattr(self, name, None) is not None)
        return (dataclasses.replace(update, networks=update.networks + extra),)

    def unpack_batch(self, data):
        """`(x, labels)` of a labelled batch: `x` checked (shape, dtype), labels int32 `(B,)`."""
        x, y = label_utils.unpack_labelled_batch(data, type(self).__name__)
        return self.unpack_data(x), y

    def latent_noise(self, x):
        """`eps ~ N(0, I)` for the reparameterization of a batch `x`, from the model's noise hook."""
        return self.noise("normal", (ops.shape(x)[0], self.latent_dim), "vae_eps", x)

    def compute_objective(self, x, training=True, eps=None):
        raise ValueError(f"{type(self).__name__} needs labels: use conditional_objective(x, labels, eps).")

    def test_objective(self, x, labels=None):
        """`negative_elbo` given the `labels` (nats per example, one reparameterized sample of z
        per example, without the class-consistency terms)."""
        batch = ops.convert_to_tensor(x)
        labels = ops.convert_to_tensor(label_utils.check_labels(labels, self.num_classes, int(ops.shape(batch)[0])))
        loss, _ = self.conditional_objective(batch, labels, self.latent_noise(batch), training=False)
        return {"negative_elbo": float(ops.convert_to_numpy(loss))}

    # ------------------------------------------------------------------ the step, described for the trainers
    def prepare_batch(self, data):
        x, y = self.unpack_batch(data)
        return {"x": self.to_model_space(x), "labels": label_utils.checked_batch_labels(self, y)}

    def step_noise(self, batch):
        noise = {"eps": self.latent_noise(batch["x"])}
        if self.classifier is not None:
            noise["z_class"] = self.noise("normal", (ops.shape(batch["x"])[0], self.latent_dim), "latent", batch["x"])
        return noise

    def objective(self, batch, noise, training=True):
        loss, logs = self.conditional_objective(batch["x"], batch["labels"], noise["eps"], training=training)
        if self.classifier is None:
            return loss, logs
        extra, extra_logs = self.class_consistency_objective(batch["x"], batch["labels"], noise["z_class"],
                                                             training=training)
        return loss + extra, {**logs, **extra_logs}

    # ------------------------------------------------------------------ public helpers (numpy in, numpy out)
    def call(self, inputs, training=False):
        """`[x, labels] -> ` reconstruction (through the latent means) in data space."""
        x, y = inputs
        z_mean, _ = self.encoder([x, y], training=training)
        return self.to_data_space(self.decoder([z_mean, y], training=training))

    def _labels(self, labels, n):
        return label_utils.check_labels(labels, self.num_classes, n)

    def encode(self, x, labels):
        """`(z_mean, z_log_var)` numpy of `q(z | x, y)`."""
        x = self._check_input(x)
        y = self._labels(labels, len(x))
        z_mean, z_log_var = self.encoder([ops.convert_to_tensor(x), ops.convert_to_tensor(y)], training=False)
        return np.asarray(ops.convert_to_numpy(z_mean)), np.asarray(ops.convert_to_numpy(z_log_var))

    def decode(self, z, labels, batch_size=256):
        """The decoder's mean for latent vectors `z (N, latent_dim)` and labels: images in [0, 1]."""
        z = np.asarray(z, np.float32)
        if z.ndim != 2 or z.shape[1] != self.latent_dim:
            raise ValueError(f"z must have shape (N, {self.latent_dim}), got {z.shape}.")
        y = self._labels(labels, len(z))
        out = [
            ops.convert_to_numpy(self.to_data_space(self.decoder(
                [ops.convert_to_tensor(z[i : i + batch_size]), ops.convert_to_tensor(y[i : i + batch_size])],
                training=False)))
            for i in range(0, len(z), check_positive_int(batch_size, "batch_size"))
        ]
        return np.concatenate(out).astype(np.float32)

    def prior_parameters(self, labels):
        """`(mean, log_var)` numpy `(N, latent_dim)` of `p(z | y)` for integer labels (zeros for
        the standard prior)."""
        y = self._labels(labels, None)
        if self.prior is None:
            zeros = np.zeros((len(y), self.latent_dim), np.float32)
            return zeros, zeros.copy()
        mean, log_var = self.prior(ops.convert_to_tensor(y))
        return np.asarray(ops.convert_to_numpy(mean)), np.asarray(ops.convert_to_numpy(log_var))

    def generate(self, n, labels=None, seed=None, batch_size=256, z=None):
        """`n` samples of the requested classes: `z ~ p(z | y)` decoded with the labels (the decoder's mean).

        `labels=None` cycles through the classes; `seed` makes the output reproducible. `z`,
        if given, holds standard-normal draws `(n, latent_dim)` (e.g. `sample_latent(n, seed)`),
        which the class's prior maps to `m_y + s_y * z` (unchanged for the standard prior), so
        that one `z` draws the same "style" in every class.
        """
        n = check_positive_int(n, "n")
        y = label_utils.resolve_labels(n, labels, self.num_classes)
        eps = self.sample_latent(n, seed) if z is None else np.asarray(z, np.float32)
        if eps.shape != (n, self.latent_dim):
            raise ValueError(f"z must have shape ({n}, {self.latent_dim}), got {eps.shape}.")
        if self.prior is not None:
            mean, log_var = self.prior_parameters(y)
            eps = (mean + np.exp(0.5 * log_var) * eps).astype(np.float32)
        return self.decode(eps, y, batch_size)

    def reconstruct(self, x, labels):
        """`decode(encode(x, y), y)` through the latent means."""
        return self.decode(self.encode(x, labels)[0], labels)

    def interpolate(self, x_a, x_b, labels, steps=10):
        """Decodes `steps` points between the codes of `x_a` and `x_b`, all with `labels`
        (one per pair); returns `(N, steps) + data_shape`, endpoints included."""
        steps = check_positive_int(steps, "steps")
        if steps < 2:
            raise ValueError(f"steps must be at least 2 (the two endpoints), got {steps}.")
        x_a = _as_numpy_batch(x_a, self.data_shape, "x_a")
        y = self._labels(labels, len(x_a))
        za, zb = self.encode(x_a, y)[0], self.encode(x_b, y)[0]
        t = np.linspace(0.0, 1.0, steps, dtype=np.float32)[None, :, None]
        path = ((1.0 - t) * za[:, None, :] + t * zb[:, None, :]).reshape(-1, self.latent_dim)
        out = self.decode(path, np.repeat(y, steps))
        return out.reshape((len(za), steps) + self.data_shape)

    def get_config(self):
        config = super().get_config()
        config["num_classes"] = self.num_classes
        config["prior"] = self.prior_kind
        config["class_loss_weight"] = self.class_loss_weight
        return config
