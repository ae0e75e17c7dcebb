"""Exporting a generator (or a decoder) for use outside Python: a TensorFlow SavedModel.

The SavedModel's `serve` signature maps latent vectors `noise` (float32, `(batch, latent_dim)`)
— and, for conditional models, integer class `labels` `(batch,)` — to images in [0, 1]: the
same numbers `model.generate(n, z=noise)` returns. Load it with `tf.saved_model.load(path)`
and call `.serve(noise)` (`.serve([noise, labels])` for conditional models), or serve it with TF Serving (signature `serving_default`).
"""

from __future__ import annotations

from pathlib import Path

from keras_genzoo.zoo import hub


def sampling_network(model):
    """A functional `keras.Model` `(noise[, labels]) -> images in [0, 1]` sharing `model`'s weights."""
    import keras

    net = getattr(model, "generator", None) or getattr(model, "decoder", None)
    if net is None:
        raise ValueError(f"{type(model).__name__} has neither a generator nor a decoder to export.")
    noise = keras.Input((model.latent_dim,), name="noise", dtype="float32")
    num_classes = getattr(model, "num_classes", None)
    if num_classes:
        labels = keras.Input((), name="labels", dtype="int32")
        latent = noise
        prior = getattr(model, "prior", None)
        if prior is not None:  # a learned prior per class: generate() draws z = m_y + s_y * noise
            mean, log_var = prior(labels)
            latent = keras.layers.Lambda(lambda t: t[0] + keras.ops.exp(0.5 * t[1]) * t[2], name="class_prior")(
                [mean, log_var, noise])
        inputs, raw = [noise, labels], net([latent, labels])
    else:
        inputs, raw = noise, net(noise)
    # `to_data_space` holds no variables: tanh or logits to [0, 1], exactly as `generate` does.
    images = keras.layers.Lambda(model.to_data_space, name="to_unit_range")(raw)
    return keras.Model(inputs, images, name=f"{model.name}_sampler")


def export(name_or_model, path, registry=None, verbose=False):
    """Writes the generator/decoder of a zoo entry (a name) or of a model as a TensorFlow
    SavedModel at `path`, with a `serve` endpoint `(noise[, labels]) -> images in [0, 1]`.

    Needs the TensorFlow or JAX backend (Keras exports SavedModels from those two).
    Returns the path.
    """
    import keras

    if keras.backend.backend() not in ("tensorflow", "jax"):
        raise hub.ZooError(f"exporting a SavedModel needs KERAS_BACKEND=tensorflow or jax, not "
                           f"{keras.backend.backend()!r}.")
    model = hub.load(name_or_model, registry=registry) if isinstance(name_or_model, str) else name_or_model
    sampler = sampling_network(model)
    path = Path(path)
    if path.exists() and any(path.iterdir()):
        raise hub.ZooError(f"{path} exists and is not empty; export into a new directory.")
    sampler.export(str(path), format="tf_saved_model", verbose=verbose)
    return path
