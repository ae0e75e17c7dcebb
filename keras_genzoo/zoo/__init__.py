"""The zoo of pretrained models: `gz.zoo.available()`, `gz.zoo.load(name)`, `gz.zoo.card(name)`.

    import keras_genzoo as gz

    gz.zoo.available()                     # ['autoencoder_fashion_mnist', 'vae_fashion_mnist', ...]
    vae = gz.zoo.load("vae_fashion_mnist")  # hash-verified, ready to generate()
    images = vae.generate(16, seed=0)
    gz.zoo.card("vae_fashion_mnist")["metrics"]["fd"]["value"]

The format follows keras-hub's presets (the model-agnostic machinery is
`keras_genzoo.utils.presets`, as keras-hub's `preset_utils`; writing entries is
`keras_genzoo.zoo.publish`): one folder per entry holding `config.json` (the
model's Keras config, `keras.saving.serialize_keras_object`), `model.weights.h5`
(`save_weights`) and `metadata.json` (the card: data, preprocessing, family, config,
parameter counts, file sizes, the command that reproduces the entry, its training time and
machine, and measured metrics with their protocol records). The registry
(`keras_genzoo/zoo/registry.json`) records each file's sha256 and where it lives: in the
package (`keras_genzoo/zoo/presets/<name>/`) or at an `https://`, `file://` or `hf://` origin
fetched with `keras.utils.get_file` into `$KERAS_HOME/genzoo/`. Loading checks every file's
hash before reading any of them, rebuilds the model in Keras safe mode (no arbitrary code
from a config), loads the weights and then checks the model's fingerprint (its images for
fixed latent vectors) against the card; any failure raises and no model is returned.

Training state (`with_optimizers=True`). The choice: an optional fourth file,
`training.weights.h5`, written by `model.save_weights` on the compiled model, so it holds
the weights and every optimizer's slots and iteration count, keyed by attribute name
(`optimizer/`, `d_optimizer/`, `g_optimizer/`) exactly as Keras reads them back with
`load_weights` into a model whose optimizers are built (which `compile_from_config` does).
The seed generator's state is saved with the model's own variables, so it is in that file
too and resumed training continues the noise sequence. Why not a full `model.keras`: it
repeats the config (and could be loaded outside safe mode by habit), and inference users
would download the optimizer slots they never use. Why a separate file rather than slots inside `model.weights.h5`: Adam
keeps two slots per weight, so the state is about three times the weights; the 4 MB per
entry budget of the package's own entries leaves room for it only for small models, and
entries whose state would exceed it ship without (their `registry.json` record has
`"training_state": null`, and `load(..., with_optimizers=True)` says so). A remote origin
can carry the file without touching the package budget.
"""

from keras_genzoo.zoo.export import export, sampling_network
from keras_genzoo.zoo.hub import (
    REGISTRY_PATH,
    IntegrityError,
    UnknownEntryError,
    ZooError,
    available,
    card,
    entry,
    entry_class,
    files,
    read_registry,
)
from keras_genzoo.zoo import hub as _hub
from keras_genzoo.zoo.publish import register, save_preset


def load(name, with_optimizers=False, registry=None):
    """Loads zoo entry `name`, hash-verified and ready to `generate()`.

    Args:
        name: an entry of `available()`.
        with_optimizers: also restore the training state (optimizer slots and iteration
            counts, seed generator) so that `fit` continues training; the model comes back
            compiled with the optimizers it was trained with. Without it the model is not
            compiled: call `compile()` to train it further from fresh optimizers.
        registry: path of another registry file (default: the package's).

    Raises:
        UnknownEntryError: `name` is not registered (the message lists the choices).
        IntegrityError: a file's sha256 differs from the registry's (names the file and both hashes).
        ZooError: any other failure (missing training state, download failure, model mismatch).

    Example:

        >>> import keras_genzoo as gz
        >>> vae = gz.zoo.load("vae_digits")
        >>> vae.generate(2, seed=0).shape
        (2, 16, 16, 1)
    """
    return _hub.load(name, with_optimizers=with_optimizers, registry=registry)


def from_preset(cls, name, with_optimizers=False, registry=None):
    """keras-hub style loading through a class: `gz.models.DCGAN.from_preset("dcgan_fashion_mnist")`.

    Checks that the entry's class is `cls` (or a subclass) before loading anything.

    Example:

        >>> import keras_genzoo as gz
        >>> gz.zoo.from_preset(gz.models.VAE, "vae_digits").latent_dim == gz.zoo.load("vae_digits").latent_dim
        True
        >>> try:
        ...     gz.zoo.from_preset(gz.models.DCGAN, "vae_digits")
        ... except gz.zoo.ZooError as error:
        ...     print("that entry is a VAE" in str(error))
        True
    """
    return _hub.from_preset(cls, name, with_optimizers=with_optimizers, registry=registry)


__all__ = [
    "REGISTRY_PATH",
    "IntegrityError",
    "UnknownEntryError",
    "ZooError",
    "available",
    "card",
    "entry",
    "entry_class",
    "export",
    "files",
    "from_preset",
    "load",
    "read_registry",
    "register",
    "sampling_network",
    "save_preset",
]
