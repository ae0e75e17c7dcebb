"""Training throughput on each Keras backend, and DCGAN loss curves on TensorFlow vs JAX.

    python benchmarks/backends.py throughput [--steps 30]   # every family, TF and JAX (and torch if installed)
    python benchmarks/backends.py curves [--steps 200]      # DCGAN on Fashion-MNIST, seeds 0 and 1, TF and JAX

Each backend runs in its own process (`KERAS_BACKEND` is read once). Throughput: 28x28x1
data, each family's default networks and batch size, default `jit_compile` ("auto": XLA on
JAX, off on TensorFlow on CPU), a warm-up fit of 5 steps (tracing, compilation), then timed
steps; reported as fit steps (critic updates) per wall second and CPU milliseconds per step
(process time, which a busy machine inflates less than wall time). Curves: per-step d_loss and
g_loss of 200 DCGAN steps at batch 128 on the same data order; the two seeds per backend show
the run-to-run noise that the backends' curves are compared against.
Writes docs/assets/backends/{throughput.json,curves.json,dcgan_curves.png}.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import subprocess
import sys
import time
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "docs" / "assets" / "backends"
FAMILIES = ("autoencoder", "vae", "gan", "dcgan", "wgan", "wgangp")


def _data(n, seed=0):
    import numpy as np

    import keras_genzoo as gz

    try:
        ds = gz.data.load("fashion_mnist", split="train", batch_size=n, shuffle=True, seed=seed, download=False)
        return next(iter(ds)).numpy()
    except Exception:  # noqa: BLE001 - no local copy: uniform noise keeps the timing meaningful
        return np.random.default_rng(seed).uniform(0, 1, (n, 28, 28, 1)).astype("float32")


def child_throughput(steps):
    import keras

    import keras_genzoo as gz

    rows = []
    for name in FAMILIES:
        model = gz.models.registry.create(name, (28, 28, 1), seed=0)
        batch = gz.models.registry.get(name).batch_size
        x = _data(batch * (steps + 5))
        model.fit(x[: batch * 5], batch_size=batch, epochs=1, verbose=0, shuffle=False)
        wall, cpu = time.perf_counter(), time.process_time()
        model.fit(x[batch * 5 :], batch_size=batch, epochs=1, verbose=0, shuffle=False)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        rows.append({"family": name, "backend": keras.backend.backend(), "batch": batch, "steps": steps,
                     "steps_per_s": steps / wall, "cpu_ms_per_step": 1000 * cpu / steps})
        print(json.dumps(rows[-1]), flush=True)


def child_curves(steps, seed):
    import keras

    import keras_genzoo as gz

    class Record(keras.callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.logs = []

        def on_train_batch_end(self, batch, logs=None):
            self.logs.append({k: float(v) for k, v in (logs or {}).items()})

    x = _data(128 * steps, seed=0)
    model = gz.models.DCGAN(image_shape=(28, 28, 1), latent_dim=128, seed=seed)
    model.compile()
    record = Record()
    model.fit(x, batch_size=128, epochs=1, verbose=0, shuffle=False, callbacks=[record])
    # The logs are running means over the epoch; per-step values are recovered from them.
    d, g = [], []
    for i, logs in enumerate(record.logs):
        prev = record.logs[i - 1] if i else {"d_loss": 0.0, "g_loss": 0.0}
        d.append(logs["d_loss"] * (i + 1) - prev["d_loss"] * i)
        g.append(logs["g_loss"] * (i + 1) - prev["g_loss"] * i)
    print(json.dumps({"backend": keras.backend.backend(), "seed": seed, "d_loss": d, "g_loss": g}), flush=True)


def run_child(backend, *args):
    env = dict(os.environ, KERAS_BACKEND=backend, TF_CPP_MIN_LOG_LEVEL="2")
    out = subprocess.run([sys.executable, __file__, "_child", *map(str, args)], env=env, capture_output=True, text=True)
    if out.returncode:
        raise RuntimeError(out.stderr[-3000:])
    return [json.loads(line) for line in out.stdout.splitlines() if line.startswith("{")]


def backends():
    return [b for b in ("tensorflow", "jax", "torch") if importlib.util.find_spec(b)]


def throughput(steps):
    rows = []
    for backend in backends():
        rows += run_child(backend, "throughput", steps)
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "throughput.json").write_text(json.dumps({"cpu_count": os.cpu_count(), "rows": rows}, indent=1) + "\n")
    print(f"{'family':12} " + " ".join(f"{b + ' steps/s':>18} {'CPU ms':>8}" for b in backends()))
    for name in FAMILIES:
        cells = []
        for b in backends():
            r = next(r for r in rows if r["family"] == name and r["backend"] == b)
            cells.append(f"{r['steps_per_s']:>18.2f} {r['cpu_ms_per_step']:>8.1f}")
        print(f"{name:12} " + " ".join(cells))


def curves(steps):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    runs = []
    for backend in ("tensorflow", "jax"):
        for seed in (0, 1):
            runs += run_child(backend, "curves", steps, seed)
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "curves.json").write_text(json.dumps(runs) + "\n")
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.6))
    styles = {"tensorflow": "tab:orange", "jax": "tab:blue"}
    for r in runs:
        for ax, key in zip(axes, ("d_loss", "g_loss")):
            y = np.convolve(r[key], np.ones(10) / 10, mode="valid")
            ax.plot(y, color=styles[r["backend"]], ls="-" if r["seed"] == 0 else "--", lw=1.2,
                    label=f"{r['backend']} seed {r['seed']}")
    for ax, key in zip(axes, ("d_loss", "g_loss")):
        ax.set_title(f"DCGAN {key} (moving mean of 10 steps)")
        ax.set_xlabel("step")
    axes[0].legend()
    fig.tight_layout()
    fig.savefig(OUT / "dcgan_curves.png", dpi=110)
    late = {f"{r['backend']}/{r['seed']}": (float(np.mean(r["d_loss"][-50:])), float(np.mean(r["g_loss"][-50:])))
            for r in runs}
    print("mean of the last 50 steps (d_loss, g_loss):", json.dumps(late))


if __name__ == "__main__":
    if sys.argv[1] == "_child":
        if sys.argv[2] == "throughput":
            child_throughput(int(sys.argv[3]))
        else:
            child_curves(int(sys.argv[3]), int(sys.argv[4]))
        sys.exit(0)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("what", choices=("throughput", "curves"))
    parser.add_argument("--steps", type=int, default=None)
    args = parser.parse_args()
    if args.what == "throughput":
        throughput(args.steps or 30)
    else:
        curves(args.steps or 200)
