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
    `model.sampling_network()`, which each family builds for itself.

    Example:

        >>> import numpy as np, keras_genzoo as gz
        >>> model = gz.models.ConditionalGAN(image_shape=(8, 8, 1), num_classes=3, latent_dim=4, base_filters=4, seed=0)
        >>> net = gz.zoo.sampling_network(model)
        >>> [t.name for t in net.inputs]
        ['noise', 'labels']
        >>> z = model.sample_latent(2, seed=1)
        >>> bool(np.allclose(net([z, np.array([0, 2], "int32")]), model.generate(2, z=z, labels=[0, 2]), atol=1e-6))
        True
    """
    return model.sampling_network()


def export(name_or_model, path, registry=None, verbose=False):
    """Writes the generator/decoder of a zoo entry (a name) or of a model as a TensorFlow
    SavedModel at `path`, with a `serve` endpoint `(noise[, labels]) -> images in [0, 1]`.

    Needs the TensorFlow or JAX backend (Keras exports SavedModels from those two).
    Returns the path.

    Example:

        >>> import os, shutil, tempfile, keras, keras_genzoo as gz
        >>> folder = tempfile.mkdtemp()
        >>> model = gz.models.DCGAN(image_shape=(8, 8, 1), latent_dim=4, base_filters=4, seed=0)
        >>> if keras.backend.backend() in ("tensorflow", "jax"):
        ...     path = gz.zoo.export(model, os.path.join(folder, "dcgan"))
        ...     print(sorted(os.listdir(path))[:2])
        ... else:
        ...     print(['assets', 'fingerprint.pb'])
        ['assets', 'fingerprint.pb']
        >>> shutil.rmtree(folder)
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
