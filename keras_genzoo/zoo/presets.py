"""Writing zoo entries: a preset folder and its registry record.

A preset folder holds

    config.json          keras.saving.serialize_keras_object(model), with its compile config
    model.weights.h5     the model's weights only (written from an uncompiled copy)
    metadata.json        the card
    training.weights.h5  optional: `model.save_weights` of the compiled model, i.e. the weights
                         plus every optimizer's slots and iteration count

The registry record holds each file's sha256 and size.
"""

from __future__ import annotations

import copy
import json
import os
import shutil
import tempfile
from pathlib import Path

from keras_genzoo.utils import atomic_write
from keras_genzoo.zoo import hub


def _dump(obj):
    return json.dumps(obj, indent=2, sort_keys=False) + "\n"


def file_record(path):
    path = Path(path)
    return {"sha256": hub.sha256_file(path), "bytes": path.stat().st_size}


def parameter_counts(model):
    """`{"total": n, "<sub-model>": n, ...}` for the model and its sub-models."""
    out = {"total": int(model.count_params())}
    for name in getattr(model, "sub_model_names", ()):
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
    """
    import keras

    directory = Path(directory)
    config = json.loads(json.dumps(keras.saving.serialize_keras_object(model)))
    if with_training_state and not model.compiled:
        raise ValueError("with_training_state=True needs a compiled model (its optimizers hold the state).")
    directory.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{directory.name}-", dir=directory.parent))
    try:
        full = staging / hub.TRAINING_STATE_FILE
        model.save_weights(full)
        # The inference file: the same weights saved from an uncompiled copy, so no optimizer slots.
        plain = copy.deepcopy(config)
        plain.pop("compile_config", None)
        clone = keras.saving.deserialize_keras_object(plain, safe_mode=True)
        clone.load_weights(full)
        clone.save_weights(staging / hub.WEIGHTS_FILE)
        if not with_training_state:
            full.unlink()
        (staging / hub.CONFIG_FILE).write_text(_dump(config))
        card = dict(card)
        card["parameters"] = parameter_counts(model)
        card["fingerprint"] = hub.fingerprint(clone)
        sizes = {p.name: p.stat().st_size for p in sorted(staging.iterdir())}
        card["file_bytes"] = sizes
        if with_training_state:
            card.setdefault("training", {})
            card["training"] = dict(card["training"], optimizer_iterations=hub.optimizer_iterations(model),
                                    seed_generator_state=hub.seed_generator_state(model))
        (staging / hub.METADATA_FILE).write_text(_dump(card))
        os.chmod(staging, 0o777 & ~_umask())
        if directory.exists():
            shutil.rmtree(directory)
        os.replace(staging, directory)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    files = {name: file_record(directory / name) for name in hub.PRESET_FILES}
    state = {hub.TRAINING_STATE_FILE: file_record(directory / hub.TRAINING_STATE_FILE)} if with_training_state else None
    return files, state


def _umask():
    mask = os.umask(0)
    os.umask(mask)
    return mask


def register(name, directory, registry=None, origin="local", summary=None):
    """Adds or replaces entry `name` in the registry file, with the hashes of `directory`'s files.

    `origin` is where users will fetch the files from ("local": `presets/<name>/` next to the
    registry, or an https/file/hf URL of a folder holding the same files).
    """
    directory = Path(directory)
    path = Path(registry) if registry is not None else hub.REGISTRY_PATH
    data = hub.read_registry(path) if path.exists() else {"format": hub.FORMAT_VERSION, "entries": {}}
    config = json.loads((directory / hub.CONFIG_FILE).read_text())
    card = json.loads((directory / hub.METADATA_FILE).read_text())
    record = {
        "class": config.get("registered_name") or config["class_name"],
        "family": card.get("family"),
        "dataset": card.get("dataset"),
        "origin": origin,
        "files": {f: file_record(directory / f) for f in hub.PRESET_FILES},
        "training_state": ({hub.TRAINING_STATE_FILE: file_record(directory / hub.TRAINING_STATE_FILE)}
                           if (directory / hub.TRAINING_STATE_FILE).exists() else None),
        "summary": summary or {},
    }
    data["entries"][name] = record
    data["entries"] = dict(sorted(data["entries"].items()))
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_write(path, "w") as f:
        f.write(_dump(data))
    return record
