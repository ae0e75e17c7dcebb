"""Trains a zoo entry whose recipe needs model arguments `genzoo train` does not expose (e.g. a
VAE's `beta`), and writes a run directory that `scripts/zoo_add.py` reads like a `genzoo train` run.

    python examples/zoo_train.py vae --latent-dim 16 --beta 0.5 --epochs 20 --seed 0 --out runs/vae_fashion_mnist

The run directory holds config.json (the run's settings and this command), model.keras,
history.csv and metrics.json (train_seconds, cpu_seconds).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import shlex
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import keras  # noqa: E402

from keras_genzoo import data, runs  # noqa: E402
from keras_genzoo.utils import atomic_write  # noqa: E402


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model", choices=sorted(runs.MODELS))
    parser.add_argument("--dataset", default="fashion_mnist")
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--batch-size", type=int, default=None)
    parser.add_argument("--latent-dim", type=int, default=None)
    parser.add_argument("--base-filters", type=int, default=None)
    parser.add_argument("--beta", type=float, default=None, help="VAE: weight of the KL term")
    parser.add_argument("--learning-rate", type=float, default=None, help="autoencoders: Adam learning rate")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)

    config = runs.RunConfig(model=args.model, dataset=args.dataset, epochs=args.epochs, batch_size=args.batch_size,
                            latent_dim=args.latent_dim, base_filters=args.base_filters, seed=args.seed, fid_every=0)
    extra = {}
    if args.beta is not None:
        extra["beta"] = args.beta
    command = "python examples/zoo_train.py " + " ".join(shlex.quote(a) for a in (argv or sys.argv[1:]))
    out = runs.prepare_directory(args.out, config, command)
    record = json.loads((out / "config.json").read_text())
    record["model_kwargs"] = extra
    record["learning_rate"] = args.learning_rate
    with atomic_write(out / "config.json", "w") as f:
        f.write(json.dumps(record, indent=2) + "\n")

    keras.utils.set_random_seed(config.seed)
    train = data.load(config.dataset, split=config.train_split, batch_size=config.resolved_batch_size(),
                      seed=config.seed, drop_remainder=True)
    model = runs.MODELS[config.model](**config.model_kwargs(), **extra)
    if args.learning_rate is not None:
        model.compile(optimizer=keras.optimizers.Adam(args.learning_rate))
    else:
        model.compile()
    wall, cpu = time.perf_counter(), time.process_time()
    model.fit(train, epochs=config.epochs, verbose=2,
              callbacks=[keras.callbacks.CSVLogger(str(out / "history.csv"))])
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    model.save(out / "model.keras")
    with atomic_write(out / "metrics.json", "w") as f:
        f.write(json.dumps({"train_seconds": round(wall, 1), "cpu_seconds": round(cpu, 1)}, indent=2) + "\n")
    print(f"Run written to {out} ({wall:.0f} s wall, {cpu:.0f} CPU-s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
