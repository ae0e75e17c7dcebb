"""Trains a small DCGAN with every callback and measures what each one costs per epoch.

    python examples/callbacks_demo.py --dataset fashion_mnist --epochs 3 --out docs/assets/callbacks

Writes the callbacks' files (sample grids, interpolation PNGs and GIF, TensorBoard events)
into --out and `overhead.json`: seconds per epoch of training alone and of each callback
(mean over epochs, measured around its epoch-end work).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402

import keras_genzoo as gz  # noqa: E402


class Timed(keras.callbacks.Callback):
    """Delegates to a callback and adds up the seconds its hooks take."""

    def __init__(self, inner):
        super().__init__()
        self.inner, self.seconds = inner, 0.0

    def set_model(self, model):
        super().set_model(model)
        self.inner.set_model(model)

    def _timed(self, name, *args):
        start = time.perf_counter()
        getattr(self.inner, name)(*args)
        self.seconds += time.perf_counter() - start

    def on_train_begin(self, logs=None):
        self._timed("on_train_begin", logs)

    def on_epoch_end(self, epoch, logs=None):
        self._timed("on_epoch_end", epoch, logs)

    def on_train_batch_end(self, batch, logs=None):
        self._timed("on_train_batch_end", batch, logs)

    def on_train_end(self, logs=None):
        self._timed("on_train_end", logs)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", default="fashion_mnist", choices=["fashion_mnist", "digits"])
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--steps-per-epoch", type=int, default=150)
    parser.add_argument("--out", default="out/callbacks")
    args = parser.parse_args()
    out = Path(args.out)
    info = gz.data.info(args.dataset)
    keras.utils.set_random_seed(0)
    model = gz.models.DCGAN(image_shape=info.image_shape, latent_dim=64, base_filters=32, seed=0)
    model.compile()
    train = gz.data.load(args.dataset, batch_size=128, seed=0, drop_remainder=True).repeat()
    real = gz.data.load(args.dataset, split="test", batch_size=500, image_range=(0, 1), shuffle=False)
    callbacks = {
        "SampleGrid(64)": gz.callbacks.SampleGrid(out / "samples", num_samples=64, tensorboard_dir=out / "tensorboard"),
        "LatentInterpolation(8x10)": gz.callbacks.LatentInterpolation(out / "interpolation", num_pairs=8, steps=10),
        "FIDCallback(1000)": gz.callbacks.FIDCallback(real, num_samples=1000, extractor=args.dataset),
        "ModeCoverage(1000)": gz.callbacks.ModeCoverage(classifier=args.dataset, num_samples=1000),
        "TrainingHealth": gz.callbacks.TrainingHealth(),
    }
    timed = {name: Timed(cb) for name, cb in callbacks.items()}
    start = time.perf_counter()
    history = model.fit(train, epochs=args.epochs, steps_per_epoch=args.steps_per_epoch, verbose=2,
                        callbacks=list(timed.values()))
    total = time.perf_counter() - start
    overhead = {name: round(t.seconds / args.epochs, 3) for name, t in timed.items()}
    result = {
        "command": "python " + " ".join(sys.argv),
        "dataset": args.dataset,
        "steps_per_epoch": args.steps_per_epoch,
        "seconds_per_epoch_total": round(total / args.epochs, 2),
        "seconds_per_epoch_training": round((total - sum(t.seconds for t in timed.values())) / args.epochs, 2),
        "callback_seconds_per_epoch": overhead,
        "history": {k: [round(float(x), 4) for x in v] for k, v in history.history.items()},
    }
    (out / "overhead.json").write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
