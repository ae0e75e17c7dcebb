"""Presets, model-agnostic: reading a registry, fetching and verifying files, rebuilding a model.

This is the machinery under `gz.zoo.load` and `GenerativeModel.from_preset` (as keras-hub's
`preset_utils` is under `Backbone.from_preset`). It knows file formats, hashes and Keras
serialization, and nothing of the model families: a preset's class is found among the
classes registered with `keras.saving.register_keras_serializable`, so the caller imports
the classes it may load (`gz.zoo` imports `gz.models`; `DCGAN.from_preset` is called on an
imported class). A model is asked only what every `GenerativeModel` answers:
`latent_dim`, `is_conditional`, `num_classes`, `generate` and `optimizers()`.

A registry (`registry.json`) records, for each entry, its class, where its files live and
the sha256 and size of every file:

    "vae_fashion_mnist": {
        "class": "keras_genzoo>VAE", "family": "vae", "dataset": "fashion_mnist",
        "origin": "local",
        "files": {"config.json": {"sha256": "...", "bytes": 1234}, "metadata.json": {...},
                  "model.weights.h5": {...}},
        "training_state": {"training.weights.h5": {...}} or null,
        "summary": {...}            # headline numbers for `genzoo zoo list`
    }

`origin` is where the entry's folder lives:

- `"local"`: `presets/<name>/` next to the registry file (package data for the shipped registry);
- `"https://host/dir"` or `"file:///dir"`: files are `<origin>/<file name>`;
- `"hf://owner/repo"` or `"hf://owner/repo/sub/dir"`: a Hugging Face model repository,
  fetched over HTTPS from its `main` revision.

Remote files go through `keras.utils.get_file(..., file_hash=sha256)` into
`$KERAS_HOME/genzoo/<name>/` (KERAS_HOME defaults to ~/.keras), so they are downloaded once
and downloaded again when the cached copy no longer matches its hash.
"""

from __future__ import annotations

import hashlib
import json
import os
import urllib.parse
from pathlib import Path

#: The package's own registry (its entries' folders are in `keras_genzoo/zoo/presets/`).
REGISTRY_PATH = Path(__file__).parent.parent / "zoo" / "registry.json"
CONFIG_FILE = "config.json"
WEIGHTS_FILE = "model.weights.h5"
METADATA_FILE = "metadata.json"
TRAINING_STATE_FILE = "training.weights.h5"
PRESET_FILES = (CONFIG_FILE, METADATA_FILE, WEIGHTS_FILE)
FORMAT_VERSION = 1


class ZooError(Exception):
    """A zoo entry that cannot be found, fetched or loaded.

    Example:

        >>> import keras_genzoo as gz
        >>> issubclass(gz.zoo.UnknownEntryError, gz.zoo.ZooError), issubclass(gz.zoo.IntegrityError, gz.zoo.ZooError)
        (True, True)
    """


class UnknownEntryError(ZooError, KeyError):
    """A name that is not in the registry.

    Example:

        >>> import keras_genzoo as gz
        >>> try:
        ...     gz.zoo.load("stylegan_ffhq")
        ... except gz.zoo.UnknownEntryError as error:
        ...     print(error.name, "dcgan_digits" in error.choices)
        stylegan_ffhq True
    """

    def __init__(self, name, choices):
        self.name, self.choices = name, list(choices)
        super().__init__(name)

    def __str__(self):
        return f"unknown zoo entry {self.name!r}; available: {', '.join(self.choices) or '(none)'}."


class IntegrityError(ZooError):
    """A file whose sha256 is not the one the registry records (corrupt, truncated or tampered).

    Example:

        >>> import keras_genzoo as gz
        >>> error = gz.zoo.IntegrityError("vae_digits", "model.weights.h5", "/tmp/x.h5", "ab12", "cd34", 100, 60)
        >>> "expected sha256 ab12, found cd34" in str(error) and "truncated or replaced" in str(error)
        True
    """

    def __init__(self, entry, filename, path, expected, found, expected_bytes=None, found_bytes=None):
        self.entry, self.filename, self.path = entry, filename, str(path)
        self.expected, self.found = expected, found
        sizes = ""
        if expected_bytes is not None and found_bytes is not None and expected_bytes != found_bytes:
            sizes = f" (expected {expected_bytes} bytes, found {found_bytes}: truncated or replaced)"
        super().__init__(
            f"zoo entry {entry!r}: file {filename} ({path}) failed its integrity check: expected sha256 "
            f"{expected}, found {found}{sizes}. The file is corrupt or was modified; nothing was loaded. "
            "Reinstall keras-genzoo (package files) or delete the cached copy (downloaded files)."
        )


def sha256_file(path, chunk=1 << 20):
    """The hex sha256 of the file at `path`, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(chunk), b""):
            digest.update(block)
    return digest.hexdigest()


def registry_path(registry=None):
    """The registry file: `registry` when given, else the package's (`REGISTRY_PATH`)."""
    return Path(registry) if registry is not None else REGISTRY_PATH


# ---------------------------------------------------------------------------- the registry
def read_registry(registry=None):
    """The registry as a dict `{"format": 1, "entries": {...}}` (the package's unless a path is given).

    Example:

        >>> import keras_genzoo as gz
        >>> registry = gz.zoo.read_registry()
        >>> registry["format"], registry["entries"]["vae_digits"]["class"]
        (1, 'keras_genzoo>VAE')
    """
    path = registry_path(registry)
    if not path.exists():
        if registry is None:
            return {"format": FORMAT_VERSION, "entries": {}}
        raise ZooError(f"no zoo registry at {path}.")
    try:
        data = json.loads(path.read_text())
    except ValueError as e:
        raise ZooError(f"the zoo registry {path} is not valid JSON: {e}") from e
    if data.get("format") != FORMAT_VERSION or not isinstance(data.get("entries"), dict):
        raise ZooError(f"the zoo registry {path} has format {data.get('format')!r}; this keras-genzoo reads "
                       f"format {FORMAT_VERSION}.")
    return data


def entry(name, registry=None):
    """The registry record of `name`; `UnknownEntryError` (listing the choices) when absent.

    Example:

        >>> import keras_genzoo as gz
        >>> record = gz.zoo.entry("dcgan_digits")
        >>> record["family"], record["dataset"], sorted(record["files"])
        ('dcgan', 'digits', ['config.json', 'metadata.json', 'model.weights.h5'])
    """
    entries = read_registry(registry)["entries"]
    if not isinstance(name, str) or name not in entries:
        raise UnknownEntryError(name, sorted(entries))
    return entries[name]


def available(registry=None):
    """Names of the registered entries, sorted.

    Example:

        >>> import keras_genzoo as gz
        >>> "dcgan_fashion_mnist" in gz.zoo.available() and "vae_digits" in gz.zoo.available()
        True
    """
    return sorted(read_registry(registry)["entries"])


# ---------------------------------------------------------------------------- fetching files
def file_url(origin, filename):
    """The URL of `filename` in an entry folder at `origin` (https, http, file or hf)."""
    if origin.startswith("hf://"):
        parts = origin[len("hf://"):].strip("/").split("/")
        if len(parts) < 2 or not all(parts[:2]):
            raise ZooError(f"origin {origin!r}: expected hf://owner/repo[/path].")
        owner, repo, sub = parts[0], parts[1], parts[2:]
        path = "/".join([*sub, filename])
        return f"https://huggingface.co/{owner}/{repo}/resolve/main/{urllib.parse.quote(path)}"
    scheme = urllib.parse.urlsplit(origin).scheme
    if scheme not in ("https", "http", "file"):
        raise ZooError(f"origin {origin!r}: expected 'local', https://, http://, file:// or hf://.")
    return origin.rstrip("/") + "/" + urllib.parse.quote(filename)


def keras_home():
    """`$KERAS_HOME` (read now, not at import), else `~/.keras`, as Keras itself defaults."""
    return Path(os.environ.get("KERAS_HOME") or Path("~/.keras").expanduser())


def cache_dir(name):
    """Where downloaded files of entry `name` are kept: `$KERAS_HOME/genzoo/<name>`."""
    return keras_home() / "genzoo" / name


def fetch(name, filename, record, origin, registry_path):
    """Local path of one file of an entry, downloaded when remote; hash not yet checked."""
    if origin == "local":
        return Path(registry_path).parent / "presets" / name / filename
    import keras

    url = file_url(origin, filename)
    target = cache_dir(name) / filename
    # get_file falls back to /tmp/.keras when the cache directory is not writable, or not there yet.
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        path = keras.utils.get_file(
            fname=filename, origin=url, file_hash=record["sha256"], hash_algorithm="sha256",
            cache_dir=str(keras_home()), cache_subdir=os.path.join("genzoo", name),
        )
    except ValueError as e:
        # get_file checked the download against the hash and refused it; say which file and both hashes.
        if target.exists():
            found, size = sha256_file(target), target.stat().st_size
            target.unlink()
            raise IntegrityError(name, filename, url, record["sha256"], found, record.get("bytes"), size) from e
        raise ZooError(f"zoo entry {name!r}: could not fetch {filename} from {url}: {e}") from e
    except Exception as e:  # noqa: BLE001 - network and file errors, reported with the URL
        raise ZooError(f"zoo entry {name!r}: could not fetch {filename} from {url}: {e}") from e
    return Path(path)


def verify(name, filename, path, record):
    """Raises `IntegrityError` unless `path` has the registry's sha256."""
    path = Path(path)
    if not path.exists():
        raise ZooError(f"zoo entry {name!r}: file {filename} is missing ({path}); reinstall keras-genzoo.")
    found = sha256_file(path)
    if found != record["sha256"]:
        raise IntegrityError(name, filename, path, record["sha256"], found, record.get("bytes"), path.stat().st_size)
    return path


def files(name, with_training_state=False, registry=None, only=None):
    """Fetches and verifies the files of entry `name`; returns `{file name: local path}`.

    Every file is checked before any is returned: a corrupt one raises `IntegrityError`.

    Example:

        >>> import keras_genzoo as gz
        >>> paths = gz.zoo.files("vae_digits")
        >>> sorted(paths), paths["model.weights.h5"].is_file()
        (['config.json', 'metadata.json', 'model.weights.h5'], True)
    """
    record = entry(name, registry)
    wanted = dict(record["files"])
    if with_training_state:
        state = record.get("training_state")
        if not state:
            raise ZooError(
                f"zoo entry {name!r} ships no training state (optimizer slots), so it cannot resume training; "
                f"load it with with_optimizers=False, or retrain it with the command in its card "
                f"(gz.zoo.card({name!r})['training']['command'])."
            )
        wanted.update(state)
    if only is not None:
        wanted = {k: v for k, v in wanted.items() if k in only}
    paths = {}
    for filename, file_record in wanted.items():
        origin = file_record.get("origin", record.get("origin", "local"))
        local = fetch(name, filename, file_record, origin, registry_path(registry))
        paths[filename] = verify(name, filename, local, file_record)
    return paths


# ---------------------------------------------------------------------------- cards and models
def card(name, registry=None):
    """The card (`metadata.json`) of entry `name` as a dict, hash-verified.

    Example:

        >>> import keras_genzoo as gz
        >>> card = gz.zoo.card("vae_digits")
        >>> card["family"], card["dataset"], "fd" in card["metrics"]
        ('vae', 'digits', True)
    """
    path = files(name, registry=registry, only=(METADATA_FILE,))[METADATA_FILE]
    return json.loads(Path(path).read_text())


def entry_class(name, registry=None):
    """The Python class an entry's config deserializes to, among the registered Keras classes.

    Example:

        >>> import keras_genzoo as gz
        >>> gz.zoo.entry_class("vae_digits").__name__
        'VAE'
    """
    import keras

    registered = entry(name, registry)["class"]
    cls = keras.saving.get_registered_object(registered)
    if cls is None:
        raise ZooError(f"zoo entry {name!r} needs class {registered!r}, which this keras-genzoo does not define.")
    return cls


def load(name, with_optimizers=False, registry=None, check=True):
    """Loads entry `name`: a model ready to `generate()`.

    Every file is hash-checked first, the config is deserialized in Keras safe mode, then
    the weights are loaded. With `with_optimizers=True` the entry's training state (model
    weights, both optimizers' slots and iteration counts, and the seed generator's state,
    which the model saves with its own variables) is loaded too, so `fit` continues where
    training stopped. With `check=True` the loaded model decodes the card's fixed latent
    vectors and must reproduce the card's fingerprint. Any failure raises; no partly
    loaded model is returned.
    """
    import keras

    record = entry(name, registry)
    paths = files(name, with_training_state=with_optimizers, registry=registry)
    try:
        config = json.loads(Path(paths[CONFIG_FILE]).read_text())
        metadata = json.loads(Path(paths[METADATA_FILE]).read_text())
    except ValueError as e:
        raise ZooError(f"zoo entry {name!r}: a JSON file does not parse: {e}") from e
    found_class = config.get("registered_name") or config.get("class_name")
    if found_class != record["class"]:
        raise ZooError(f"zoo entry {name!r}: config.json describes {found_class!r}, the registry says "
                       f"{record['class']!r}.")
    if not with_optimizers:
        # Without the optimizer slots the model comes back uncompiled: `compile()` starts a fresh training.
        config.pop("compile_config", None)
    try:
        model = keras.saving.deserialize_keras_object(config, safe_mode=True)
        if with_optimizers:
            if not model.compiled:
                raise ZooError(f"zoo entry {name!r}: config.json holds no compile config, so its optimizers "
                               "cannot be rebuilt.")
            model.load_weights(paths[TRAINING_STATE_FILE])
            check_optimizer_iterations(name, model, metadata)
        else:
            model.load_weights(paths[WEIGHTS_FILE])
        if check and metadata.get("fingerprint"):
            check_fingerprint(model, metadata["fingerprint"], name)
    except ZooError:
        raise
    except Exception as e:  # noqa: BLE001 - any failure to rebuild the model is reported as the entry's
        raise ZooError(f"zoo entry {name!r} could not be loaded: {type(e).__name__}: {e}") from e
    return model


def from_preset(cls, name, with_optimizers=False, registry=None):
    """`load(name, ...)` after checking that the entry's class is `cls` or a subclass of it."""
    found = entry_class(name, registry)
    if not (isinstance(cls, type) and issubclass(found, cls)):
        raise ZooError(
            f"{getattr(cls, '__name__', cls)}.from_preset({name!r}): that entry is a {found.__name__}; "
            f"use gz.models.{found.__name__}.from_preset({name!r}) or gz.zoo.load({name!r})."
        )
    return load(name, with_optimizers=with_optimizers, registry=registry)


def optimizer_iterations(model):
    """`{attribute: iterations}` of every built optimizer of `model.optimizers()`."""
    import keras

    out = {}
    for attr, opt in model.optimizers().items():
        if isinstance(opt, keras.optimizers.Optimizer) and opt.built and opt.variables:
            out[attr] = int(keras.ops.convert_to_numpy(opt.iterations))
    return out


def check_optimizer_iterations(name, model, metadata):
    """Checks that the training state restored the optimizers: their iteration counts are the card's.

    (Older cards also hold `training.seed_generator_state`; the weights file carries that state,
    so it is not read from the card.)
    """
    expected = metadata.get("training", {}).get("optimizer_iterations") or {}
    found = optimizer_iterations(model)
    if any(found.get(k) != v for k, v in expected.items()):
        raise ZooError(f"zoo entry {name!r}: the training state did not restore the optimizers (iterations "
                       f"expected {expected}, found {found}); the file does not match this model.")


# ---------------------------------------------------------------------------- fingerprints
def fingerprint_latents(latent_dim, n=4, seed=0):
    """Fixed latent vectors (numpy's PCG64, backend independent) the fingerprint decodes."""
    import numpy as np

    return np.random.default_rng(seed).standard_normal((n, latent_dim)).astype("float32")


def fingerprint(model, n=4, seed=0):
    """Per-image mean and standard deviation of `generate(z=fixed)` (labels cycling through the
    classes for conditional models); identifies the weights."""
    import numpy as np

    z = fingerprint_latents(model.latent_dim, n, seed)
    kwargs = {"labels": np.arange(n) % model.num_classes} if model.is_conditional else {}
    images = np.asarray(model.generate(n, z=z, **kwargs), np.float64).reshape(n, -1)
    return {"n": n, "seed": seed, "generator": "numpy default_rng standard_normal",
            "mean": [round(float(v), 6) for v in images.mean(axis=1)],
            "std": [round(float(v), 6) for v in images.std(axis=1)], "atol": 1e-4}


def check_fingerprint(model, expected, name="model"):
    """Raises `ZooError` unless `model` reproduces the fingerprint `expected` within its `atol`."""
    import numpy as np

    found = fingerprint(model, expected["n"], expected["seed"])
    diff = max(np.max(np.abs(np.subtract(found[k], expected[k]))) for k in ("mean", "std"))
    if not diff <= expected.get("atol", 1e-3):
        raise ZooError(
            f"zoo entry {name!r}: the loaded model does not reproduce its card's fingerprint (largest difference "
            f"{diff:.3g} > {expected.get('atol', 1e-3)}): the weights do not fit this version's architecture."
        )
