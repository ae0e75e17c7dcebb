"""The project's evaluator classifiers: small CNNs trained by `examples/train_evaluators.py`
and shipped as package data, exposing penultimate features and class probabilities.

Each weight file has a card (`<name>_classifier.json`) with the training command, the
test accuracy and the file's SHA-256, which is checked before loading.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import keras
from keras import layers

WEIGHTS_DIR = Path(__file__).parent / "weights"
#: The datasets with a shipped evaluator, and their image shapes.
EVALUATORS = {"fashion_mnist": (28, 28, 1), "digits": (16, 16, 1)}
FEATURE_LAYER = "features"


def build_classifier(image_shape, num_classes=10, name="classifier"):
    """A small CNN on images in [0, 1]: two blocks of Conv(3x3; 32, then 64 filters) + batch
    norm + ReLU + max-pool, a 128-unit ReLU feature layer (the features metrics use),
    dropout, and a softmax over classes."""
    x_in = keras.Input(tuple(image_shape), name="image")
    x = x_in
    for i, filters in enumerate((32, 64)):
        x = layers.Conv2D(filters, 3, padding="same", use_bias=False, name=f"conv_{i}")(x)
        x = layers.BatchNormalization(name=f"bn_{i}")(x)
        x = layers.ReLU(name=f"relu_{i}")(x)
        x = layers.MaxPooling2D(name=f"pool_{i}")(x)
    x = layers.Flatten(name="flatten")(x)
    x = layers.Dense(128, activation="relu", name=FEATURE_LAYER)(x)
    x = layers.Dropout(0.3, name="dropout")(x)
    out = layers.Dense(num_classes, activation="softmax", name="probabilities", dtype="float32")(x)
    return keras.Model(x_in, out, name=name)


def weights_path(name):
    return WEIGHTS_DIR / f"{name}_classifier.weights.h5"


def card_path(name):
    return WEIGHTS_DIR / f"{name}_classifier.json"


def sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def card(name):
    """The evaluator's card: training command, seed, test accuracy, weight-file hash."""
    if name not in EVALUATORS:
        raise ValueError(f"No shipped evaluator {name!r}; available: {sorted(EVALUATORS)}.")
    path = card_path(name)
    if not path.exists():
        raise FileNotFoundError(f"The evaluator card {path} is missing; run examples/train_evaluators.py.")
    return json.loads(path.read_text())


def load_classifier(name):
    """The shipped classifier `name` with its weights, after checking the file's SHA-256.

    Raises:
        ValueError: unknown name, or a weight file whose hash differs from its card (corrupt
            or tampered).
        FileNotFoundError: the weight file or card is missing.
    """
    info = card(name)
    path = weights_path(name)
    if not path.exists():
        raise FileNotFoundError(f"The evaluator weights {path} are missing; run examples/train_evaluators.py.")
    actual = sha256(path)
    if actual != info["sha256"]:
        raise ValueError(
            f"The evaluator weights {path} have SHA-256 {actual}, but its card says {info['sha256']}: "
            "the file is corrupt or was changed. Reinstall the package or retrain with examples/train_evaluators.py."
        )
    model = build_classifier(EVALUATORS[name], info.get("num_classes", 10), name=f"{name}_classifier")
    model.load_weights(path)
    return model
