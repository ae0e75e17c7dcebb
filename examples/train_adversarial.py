"""Trains a GAN-family model on Fashion-MNIST with its paper settings and writes figures of the run.

    python examples/train_adversarial.py --model DCGAN --epochs 3 --out runs/dcgan_paper
    python examples/train_adversarial.py --model WGANGP --epochs 5 --out runs/wgangp_paper

(The tutorials show zoo models instead: `python docs/gen_figures.py`.)

Writes into --out: `samples.png` (64 samples from fixed seeds), `interpolation.png` (rows
walking between two latent points), `losses.png` (per-epoch curves), `history.csv`,
`run.json` (command, settings, wall time, steps) and `model.keras`.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402

import keras_genzoo as gz  # noqa: E402
from keras_genzoo import runs  # noqa: E402
from keras_genzoo.utils import image_grid, save_image  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="DCGAN", choices=["GAN", "DCGAN", "WGAN", "WGANGP"])
    parser.add_argument("--dataset", default="fashion_mnist", choices=gz.data.names())
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--steps-per-epoch", type=int, default=None, help="default: one pass over the data")
    parser.add_argument("--batch-size", type=int, default=None, help="default: the model's paper default")
    parser.add_argument("--latent-dim", type=int, default=128)
    parser.add_argument("--base-filters", type=int, default=64)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default="out/adversarial")
    args = parser.parse_args()

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    keras.utils.set_random_seed(args.seed)
    cls = getattr(gz.models, args.model)
    kwargs = {} if args.model == "GAN" else {"base_filters": args.base_filters}
    info = gz.data.info(args.dataset)
    model = cls(image_shape=info.image_shape, latent_dim=args.latent_dim, seed=args.seed, **kwargs)
    model.compile()
    batch = args.batch_size or model.default_batch_size
    ds = gz.data.load(args.dataset, batch_size=batch, seed=args.seed, drop_remainder=True)
    print(f"{args.model} on {args.dataset} ({info.source}), batch {batch}, {model.count_params():,} parameters")

    start = time.perf_counter()
    history = model.fit(ds, epochs=args.epochs, steps_per_epoch=args.steps_per_epoch, verbose=2)
    wall = time.perf_counter() - start

    save_image(image_grid(model.generate(64, seed=1234), rows=8, cols=8), out / "samples.png")
    grid, _ = gz.callbacks.interpolation_grid(model, num_pairs=8, steps=10, method="slerp", seed=4321)
    save_image(grid, out / "interpolation.png")
    with open(out / "history.csv", "w", newline="") as f:
        writer = csv.writer(f)
        keys = list(history.history)
        writer.writerow(["epoch"] + keys)
        for i in range(len(history.history[keys[0]])):
            writer.writerow([i] + [history.history[k][i] for k in keys])
    runs.plot_history(out / "history.csv", out / "losses.png")
    model.save(out / "model.keras")
    run = {
        "command": "python " + " ".join(sys.argv),
        "model": args.model,
        "dataset": args.dataset,
        "source": info.source,
        "batch_size": batch,
        "epochs": args.epochs,
        "critic_updates": int(model.d_optimizer.iterations.numpy()),
        "generator_updates": int(model.g_optimizer.iterations.numpy()),
        "wall_seconds": round(wall, 1),
        "final": {k: float(v[-1]) for k, v in history.history.items()},
        "keras": keras.__version__,
    }
    (out / "run.json").write_text(json.dumps(run, indent=2) + "\n")
    print(json.dumps(run, indent=2))


if __name__ == "__main__":
    main()
