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
    """A functional `keras.Model` `(noise[, labels]) -> images in [0, 1]` sharing `model`'s weights:
    `model.sampling_network()`, which each family builds for itself."""
    return model.sampling_network()


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
