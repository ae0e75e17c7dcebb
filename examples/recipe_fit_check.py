"""The `fast` DCGAN recipe trained through the package's own `fit`, with `gz.callbacks.GeneratorEMA`.

A cross-check of benchmarks/recipes.py (which runs the same networks in a bare `tf.function`
loop): after the same number of steps the package's `fit` should land at a similar FD.

    python examples/recipe_fit_check.py --steps 2000

Recipe: DCGAN(latent_dim=128, base_filters=32), batch 32, Adam(1e-3, beta_1=0.5) for both
networks, non-saturating loss, EMA of the generator (decay 0.995) used for sampling.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import keras  # noqa: E402
import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # this checkout's keras_genzoo
import keras_genzoo as gz  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--n", type=int, default=2000)
    ap.add_argument("--decay", type=float, default=0.995)
    a = ap.parse_args()

    keras.utils.set_random_seed(a.seed)
    # The package's GANs train on [-1, 1] images today (`fit` will take [0, 1] once the
    # training core maps the range itself); ask the loader for what the model expects.
    ds = gz.data.load("fashion_mnist", split="train", batch_size=32, seed=a.seed, drop_remainder=True,
                      image_range=(-1, 1)).repeat()
    model = gz.models.DCGAN(image_shape=(28, 28, 1), latent_dim=128, base_filters=32, seed=a.seed)
    model.compile(d_optimizer=keras.optimizers.Adam(1e-3, beta_1=0.5),
                  g_optimizer=keras.optimizers.Adam(1e-3, beta_1=0.5))
    ema = gz.callbacks.GeneratorEMA(decay=a.decay)
    c0, w0 = time.process_time(), time.perf_counter()
    model.fit(ds, epochs=1, steps_per_epoch=a.steps, callbacks=[ema], verbose=0)
    cpu, wall = time.process_time() - c0, time.perf_counter() - w0

    test = np.concatenate([b.numpy() for b in gz.data.load("fashion_mnist", split="test", batch_size=10000,
                                                             image_range=(0, 1), shuffle=False)])[: a.n]
    fd_raw = float(gz.metrics.frechet_distance(test, model, n=a.n, verbose=False))
    cov_raw = gz.metrics.mode_coverage(model, n=a.n, verbose=False)
    with ema.ema.swapped():
        fd_ema = float(gz.metrics.frechet_distance(test, model, n=a.n, verbose=False))
        cov_ema = gz.metrics.mode_coverage(model, n=a.n, verbose=False)
    print(f"fit: {a.steps} steps, batch 32, {cpu:.1f} CPU-s ({1000 * cpu / a.steps:.1f} CPU-ms/step), {wall:.1f} wall-s")
    print(f"FD@{a.n} raw {fd_raw:.2f} (classes {int(float(cov_raw))}, KL {cov_raw.details['class_kl']:.4f}); "
          f"EMA {a.decay} {fd_ema:.2f} (classes {int(float(cov_ema))}, KL {cov_ema.details['class_kl']:.4f})")


if __name__ == "__main__":
    main()
