"""Publishing zoo entries: writing a preset folder and its registry record (loading them is
`keras_genzoo.utils.presets`, and the package's own entries are in `keras_genzoo/zoo/presets/`).

A preset folder holds

    config.json          keras.saving.serialize_keras_object(model), with its compile config
    model.weights.h5     the model's weights only (written from an uncompiled copy)
    metadata.json        the card
    training.weights.h5  optional: `model.save_weights` of the compiled model, i.e. the weights
                         plus every optimizer's slots and iteration count

The registry record holds each file's sha256 and size. The seed generator's state is in the
weights files (the model saves it with its own variables), not in the card.
"""

from __future__ import annotations

import copy
import json
import os
import shutil
import tempfile
from pathlib import Path

from keras_genzoo.utils import atomic_write
from keras_genzoo.utils import presets
from keras_genzoo.utils.files import umask


def json_text(obj):
    """`obj` as the JSON text of a preset file: indented, in insertion order, newline-terminated."""
    return json.dumps(obj, indent=2, sort_keys=False) + "\n"


def file_record(path):
    path = Path(path)
    return {"sha256": presets.sha256_file(path), "bytes": path.stat().st_size}


def parameter_counts(model):
    """`{"total": n, "<sub-model>": n, ...}` for the model and its sub-models."""
    out = {"total": int(model.count_params())}
    for name in model.sub_model_names:
        if getattr(model, name, None) is not None:
            out[name] = int(getattr(model, name).count_params())
    return out


def save_preset(model, directory, card, with_training_state=False):
    """Writes `model` as a preset folder `directory` (replacing it only once all files are written).

    Args:
        model: a trained `GenerativeModel`.
        directory: the preset folder to create.
        card: the card's fields (a dict); the parameter counts, file sizes and the fingerprint
            are added here.
        with_training_state: also write `training.weights.h5` (the model must be compiled).

    Returns:
        `(files, training_state)`: `{file name: {"sha256", "bytes"}}` of the preset's files and
        of the training-state file (or `None`).

    Example:

        >>> import json, os, shutil, tempfile, keras_genzoo as gz
        >>> folder = tempfile.mkdtemp()
        >>> model = gz.models.VAE(image_shape=(8, 8, 1), latent_dim=2, base_filters=4, seed=0)
        >>> files, state = gz.zoo.save_preset(model, os.path.join(folder, "vae_tiny"), {"family": "vae", "dataset": "none"})
        >>> sorted(files), state
        (['config.json', 'metadata.json', 'model.weights.h5'], None)
        >>> shutil.rmtree(folder)
    """
    import keras

    directory = Path(directory)
    config = json.loads(json.dumps(keras.saving.serialize_keras_object(model)))
    if with_training_state and not model.compiled:
        raise ValueError("with_training_state=True needs a compiled model (its optimizers hold the state).")
    directory.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{directory.name}-", dir=directory.parent))
    try:
        full = staging / presets.TRAINING_STATE_FILE
        model.save_weights(full)
        # The inference file: the same weights saved from an uncompiled copy, so no optimizer slots.
        plain = copy.deepcopy(config)
        plain.pop("compile_config", None)
        clone = keras.saving.deserialize_keras_object(plain, safe_mode=True)
        clone.load_weights(full)
        clone.save_weights(staging / presets.WEIGHTS_FILE)
        if not with_training_state:
            full.unlink()
        (staging / presets.CONFIG_FILE).write_text(json_text(config))
        card = dict(card)
        card["parameters"] = parameter_counts(model)
        card["fingerprint"] = presets.fingerprint(clone)
        sizes = {p.name: p.stat().st_size for p in sorted(staging.iterdir())}
        card["file_bytes"] = sizes
        if with_training_state:
            card.setdefault("training", {})
            card["training"] = dict(card["training"], optimizer_iterations=presets.optimizer_iterations(model))
        (staging / presets.METADATA_FILE).write_text(json_text(card))
        os.chmod(staging, 0o777 & ~umask())
        if directory.exists():
            shutil.rmtree(directory)
        os.replace(staging, directory)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    files = {name: file_record(directory / name) for name in presets.PRESET_FILES}
    state = {presets.TRAINING_STATE_FILE: file_record(directory / presets.TRAINING_STATE_FILE)} if with_training_state else None
    return files, state


def register(name, directory, registry=None, origin="local", summary=None):
    """Adds or replaces entry `name` in the registry file, with the hashes of `directory`'s files.

    `origin` is where users will fetch the files from ("local": `presets/<name>/` next to the
    registry, or an https/file/hf URL of a folder holding the same files).

    Example:

        >>> import os, shutil, tempfile, keras_genzoo as gz
        >>> folder = tempfile.mkdtemp()
        >>> model = gz.models.VAE(image_shape=(8, 8, 1), latent_dim=2, base_filters=4, seed=0)
        >>> _ = gz.zoo.save_preset(model, os.path.join(folder, "presets", "vae_tiny"), {"family": "vae", "dataset": "none"})
        >>> registry = os.path.join(folder, "registry.json")
        >>> record = gz.zoo.register("vae_tiny", os.path.join(folder, "presets", "vae_tiny"), registry=registry)
        >>> record["class"], record["origin"]
        ('keras_genzoo>VAE', 'local')
        >>> gz.zoo.available(registry), gz.zoo.load("vae_tiny", registry=registry).latent_dim
        (['vae_tiny'], 2)
        >>> shutil.rmtree(folder)
    """
    directory = Path(directory)
    path = Path(registry) if registry is not None else presets.REGISTRY_PATH
    data = presets.read_registry(path) if path.exists() else {"format": presets.FORMAT_VERSION, "entries": {}}
    config = json.loads((directory / presets.CONFIG_FILE).read_text())
    card = json.loads((directory / presets.METADATA_FILE).read_text())
    record = {
        "class": config.get("registered_name") or config["class_name"],
        "family": card.get("family"),
        "dataset": card.get("dataset"),
        "origin": origin,
        "files": {f: file_record(directory / f) for f in presets.PRESET_FILES},
        "training_state": ({presets.TRAINING_STATE_FILE: file_record(directory / presets.TRAINING_STATE_FILE)}
                           if (directory / presets.TRAINING_STATE_FILE).exists() else None),
        "summary": summary or {},
    }
    data["entries"][name] = record
    data["entries"] = dict(sorted(data["entries"].items()))
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_write(path, "w") as f:
        f.write(json_text(data))
    return record
