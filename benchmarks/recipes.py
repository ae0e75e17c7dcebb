"""Recipe study: which DCGAN settings buy the most image quality per CPU-second on Fashion-MNIST.

Each recipe (networks + optimisers + batch size + loss + EMA) is trained for a number of
steps with a stated seed; every `--eval-every` steps the script pauses the clock and
measures the Fréchet distance (the project's evaluator, `extractor="fashion_mnist"`) of
2,000 generated images against the first 2,000 test images, for the raw generator and
for its exponential moving average (EMA). It also records class coverage and the KL
divergence of the predicted class histogram from uniform. Every row goes to a CSV:
recipe, seed, step, CPU-seconds and wall-seconds of training so far (evaluation excluded),
FD and coverage of raw and EMA generators.

CPU-seconds are `time.process_time()` of this process (all its threads): the fair cost
on a shared machine. Wall seconds are inflated when other jobs share the cores.

The training loop is a plain `tf.function` step (one discriminator update, then one
generator update, both on fresh noise; a fresh real batch per step), the same loop the
package's `fit` runs (benchmarks/train_step.py measures them as equally fast).

    python benchmarks/recipes.py train --recipe fast --steps 3000 --eval-every 500 --seed 0
    python benchmarks/recipes.py list
    python benchmarks/recipes.py report          # table + plot from the CSV
    python benchmarks/recipes.py final --recipe fast --steps 3000 --n 10000   # FD@10k at the end
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import resource
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
from keras import layers  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import keras_genzoo as gz  # noqa: E402
from keras_genzoo import losses  # noqa: E402
from keras_genzoo.ema import WeightEMA  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
CSV_PATH = RESULTS / "recipes.csv"
ASSETS = ROOT / "docs" / "assets" / "recipes"
LATENT = 128

# --------------------------------------------------------------------------- recipes
BASE = dict(
    g_filters=64, d_filters=64, upsample="transpose", d_norm="batch", spectral_norm=False,
    batch=128, lr_d=2e-4, lr_g=2e-4, beta_1=0.5, beta_2=0.999, loss="ns", ema=0.999, jit=False,
    net="dcgan", latent=LATENT, ema_extra=(0.99, 0.995),
)

RECIPES = {
    # the package's DCGAN defaults today (the paper recipe)
    "paper": dict(),
    # keras.io `dcgan_overriding_train_step` networks adapted to 28x28, Adam 2e-4/0.5, batch 128,
    # sigmoid output on [0, 1] data, BCE with the example's label noise
    "kerasio": dict(net="kerasio", batch=128),
    # width / batch
    "paper_f32": dict(g_filters=32, d_filters=32),
    "paper_b64": dict(batch=64),
    "f32_b64": dict(g_filters=32, d_filters=32, batch=64),
    # two time-scale update rule
    "ttur": dict(lr_d=4e-4, lr_g=1e-4),
    "ttur_b0": dict(lr_d=4e-4, lr_g=1e-4, beta_1=0.0, beta_2=0.9),
    # spectral norm in D (no BN), hinge loss
    "sn": dict(d_norm=None, spectral_norm=True),
    "sn_ttur": dict(d_norm=None, spectral_norm=True, lr_d=4e-4, lr_g=1e-4, beta_1=0.0, beta_2=0.9),
    "sn_hinge": dict(d_norm=None, spectral_norm=True, lr_d=4e-4, lr_g=1e-4, beta_1=0.0, beta_2=0.9, loss="hinge"),
    # upsampling + convolution generator
    "nearest": dict(upsample="nearest"),
    # XLA
    "paper_jit": dict(jit=True),
    "f32_b64_jit": dict(g_filters=32, d_filters=32, batch=64, jit=True),
    "g32d64_b64": dict(g_filters=32, d_filters=64, batch=64),
    "lr4_b64": dict(batch=64, lr_d=4e-4, lr_g=4e-4),
    "f48_b64": dict(g_filters=48, d_filters=48, batch=64),
    "sn_b64": dict(d_norm=None, spectral_norm=True, batch=64),
    # the study's winner: half-width paper networks, batch 32, Adam 1e-3/0.5, EMA (see docs/benchmarks.md)
    "fast": dict(g_filters=32, d_filters=32, batch=32, lr_d=1e-3, lr_g=1e-3),
    "fast_lr5": dict(g_filters=32, d_filters=32, batch=32, lr_d=5e-4, lr_g=5e-4),
}


def recipe_params(name, **overrides):
    if name not in RECIPES:
        raise SystemExit(f"unknown recipe {name!r}; known: {sorted(RECIPES)}")
    return {**BASE, **RECIPES[name], **overrides}


# --------------------------------------------------------------------------- networks
def kerasio_networks(seed):
    """keras.io `dcgan_overriding_train_step` networks, adapted from 64x64x3 to 28x28x1: the
    generator projects to 7x7x128 and upsamples twice (7 -> 14 -> 28; the third 512-filter
    stage of the 64x64 original is dropped), the discriminator keeps its three convolutions."""
    init = lambda i: keras.initializers.GlorotUniform(seed=seed + i)  # noqa: E731  (Keras' default init)
    g = keras.Sequential([
        keras.Input((LATENT,)),
        layers.Dense(7 * 7 * 128, kernel_initializer=init(0)),
        layers.Reshape((7, 7, 128)),
        layers.Conv2DTranspose(128, 4, 2, padding="same", kernel_initializer=init(1)),
        layers.LeakyReLU(0.2),
        layers.Conv2DTranspose(256, 4, 2, padding="same", kernel_initializer=init(2)),
        layers.LeakyReLU(0.2),
        layers.Conv2D(1, 5, padding="same", activation="sigmoid", kernel_initializer=init(3)),
    ], name="generator")
    d = keras.Sequential([
        keras.Input((28, 28, 1)),
        layers.Conv2D(64, 4, 2, padding="same", kernel_initializer=init(10)),
        layers.LeakyReLU(0.2),
        layers.Conv2D(128, 4, 2, padding="same", kernel_initializer=init(11)),
        layers.LeakyReLU(0.2),
        layers.Conv2D(128, 4, 2, padding="same", kernel_initializer=init(12)),
        layers.LeakyReLU(0.2),
        layers.Flatten(),
        layers.Dropout(0.2, seed=seed),
        layers.Dense(1, kernel_initializer=init(13)),
    ], name="discriminator")
    return g, d


def build_networks(p, seed):
    if p["net"] == "kerasio":
        return kerasio_networks(seed)
    g = gz.networks.dcgan_generator(p["latent"], (28, 28, 1), p["g_filters"], seed=seed, upsample=p["upsample"])
    d = gz.networks.dcgan_discriminator((28, 28, 1), p["d_filters"], normalization=p["d_norm"],
                                        spectral_norm=p["spectral_norm"], seed=seed)
    return g, d


# --------------------------------------------------------------------------- data and evaluation
def load_split(split):
    ds = gz.data.load("fashion_mnist", split=split, batch_size=10000, shuffle=False, with_labels=False,
                      image_range=(0, 1), download=False)
    return np.concatenate([b.numpy() for b in ds])


class Evaluator:
    """FD (fashion_mnist features) vs the first `n` test images, class coverage and class KL."""

    def __init__(self, n):
        self.n = n
        self.ex = gz.metrics.get_extractor("fashion_mnist")
        real = load_split("test")[:n]
        self.real_features = self._features(real)[0]

    def _features(self, x):
        fs, ps = [], []
        for i in range(0, len(x), 500):
            f, p = self.ex(x[i:i + 500])
            fs.append(np.asarray(f))
            ps.append(np.asarray(p))
        return np.concatenate(fs), np.concatenate(ps)

    def __call__(self, images):
        f, p = self._features(images)
        fd = float(gz.metrics.frechet_distance_from_features(self.real_features, f))
        cov = gz.metrics.mode_coverage_from_probabilities(p)
        return fd, cov["classes_covered"], cov["class_kl"]


def generate(g, n, seed, unit_range):
    z = tf.random.stateless_normal((n, LATENT), seed=(seed, 12345))
    out = []
    for i in range(0, n, 500):
        out.append(np.asarray(g(z[i:i + 500], training=False)))
    x = np.concatenate(out)
    return x if unit_range else np.clip((x + 1) / 2, 0, 1)


# --------------------------------------------------------------------------- training
class Trainer:
    def __init__(self, p, seed):
        self.p = p
        keras.utils.set_random_seed(seed)
        self.g, self.d = build_networks(p, seed)
        self.unit = p["net"] == "kerasio"  # the keras.io example trains on [0, 1] with a sigmoid
        self.d_opt = keras.optimizers.Adam(p["lr_d"], beta_1=p["beta_1"], beta_2=p["beta_2"])
        self.g_opt = keras.optimizers.Adam(p["lr_g"], beta_1=p["beta_1"], beta_2=p["beta_2"])
        self.d_opt.build(self.d.trainable_variables)
        self.g_opt.build(self.g.trainable_variables)
        self.ema = WeightEMA(self.g, decay=p["ema"]) if p["ema"] else None
        # further averages with other decays, evaluated side by side (same training run)
        self.extra_emas = [WeightEMA(self.g, decay=d) for d in (p.get("ema_extra") or ())]
        self.seed = tf.Variable([seed, 0], dtype=tf.int64)
        self.step = tf.function(self._step, jit_compile=p["jit"], reduce_retracing=True)

    def _noise(self, batch):
        self.seed.assign_add(tf.constant([0, 1], tf.int64))
        return tf.random.stateless_normal((batch, LATENT), seed=self.seed)

    def _d_loss(self, real_out, fake_out):
        if self.p["loss"] == "hinge":
            return tf.reduce_mean(tf.nn.relu(1.0 - real_out)) + tf.reduce_mean(tf.nn.relu(1.0 + fake_out))
        if self.p["net"] == "kerasio":  # the example's trick: noisy labels (0.05 * U[0, 1])
            lr = tf.ones_like(real_out) + 0.05 * tf.random.stateless_uniform(tf.shape(real_out), self.seed + 7)
            lf = 0.05 * tf.random.stateless_uniform(tf.shape(fake_out), self.seed + 9)
            bce = lambda y, l: tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(y, l))  # noqa: E731
            return bce(lr, real_out) + bce(lf, fake_out)
        return losses.discriminator_minimax_loss(real_out, fake_out)

    def _g_loss(self, fake_out):
        if self.p["loss"] == "hinge":
            return -tf.reduce_mean(fake_out)
        return losses.generator_non_saturating_loss(fake_out)

    def _step(self, real):
        batch = tf.shape(real)[0]
        z = self._noise(batch)
        with tf.GradientTape() as tape:
            fake = self.g(z, training=True)
            d_loss = self._d_loss(self.d(real, training=True), self.d(fake, training=True))
        grads = tape.gradient(d_loss, self.d.trainable_variables)
        self.d_opt.apply_gradients(zip(grads, self.d.trainable_variables))
        z = self._noise(batch)
        with tf.GradientTape() as tape:
            g_loss = self._g_loss(self.d(self.g(z, training=True), training=True))
        grads = tape.gradient(g_loss, self.g.trainable_variables)
        self.g_opt.apply_gradients(zip(grads, self.g.trainable_variables))
        for ema in ([self.ema] if self.ema is not None else []) + self.extra_emas:
            ema.update()
        return d_loss, g_loss


def dataset(batch, seed, unit):
    x = load_split("train")
    if not unit:
        x = x * 2.0 - 1.0
    ds = tf.data.Dataset.from_tensor_slices(x).shuffle(len(x), seed=seed, reshuffle_each_iteration=True)
    return ds.repeat().batch(batch, drop_remainder=True).prefetch(tf.data.AUTOTUNE)


def train(name, steps, eval_every, seed, n_eval, csv_path, final_n=None, tag=None, cpu_budget=None, **overrides):
    p = recipe_params(name, **overrides)
    tag = tag or name
    tr = Trainer(p, seed)
    ev = Evaluator(n_eval)
    final_ev = Evaluator(final_n) if final_n else None
    it = iter(dataset(p["batch"], seed, tr.unit))
    cpu = wall = 0.0
    rows = []
    done = 0
    print(f"[{tag}] {json.dumps(p)} seed={seed}", flush=True)
    while done < steps and (cpu_budget is None or cpu < cpu_budget):
        todo = min(eval_every, steps - done)
        c0, w0 = time.process_time(), time.perf_counter()
        for _ in range(todo):
            d_loss, g_loss = tr.step(next(it))
        float(d_loss)  # wait for the last step
        cpu += time.process_time() - c0
        wall += time.perf_counter() - w0
        done += todo
        row = dict(recipe=tag, seed=seed, step=done, batch=p["batch"], cpu_s=round(cpu, 1), wall_s=round(wall, 1),
                   d_loss=round(float(d_loss), 4), g_loss=round(float(g_loss), 4))
        fd, cov, kl = ev(generate(tr.g, n_eval, 0, tr.unit))
        row.update(fd=round(fd, 2), classes=cov, kl=round(kl, 4))
        if tr.ema is not None:
            with tr.ema.swapped():
                fd_e, cov_e, kl_e = ev(generate(tr.g, n_eval, 0, tr.unit))
            row.update(fd_ema=round(fd_e, 2), classes_ema=cov_e, kl_ema=round(kl_e, 4))
        for i, ema in enumerate(tr.extra_emas[:2]):
            with ema.swapped():
                fd_x, cov_x, _ = ev(generate(tr.g, n_eval, 0, tr.unit))
            row.update({f"ema{i + 2}": ema.decay, f"fd_ema{i + 2}": round(fd_x, 2), f"classes_ema{i + 2}": cov_x})
        if final_ev is not None and tr.ema is not None:  # the long-budget runs: EMA FD at final_n every checkpoint
            with tr.ema.swapped():
                fd_l, cov_l, kl_l = final_ev(generate(tr.g, final_n, 0, tr.unit))
            ck = dict(recipe=tag, seed=seed, step=done, cpu_s=round(cpu, 1), wall_s=round(wall, 1), n=final_n,
                      fd_ema=round(fd_l, 2), classes_ema=cov_l, kl_ema=round(kl_l, 4), checkpoint=True)
            print(f"[{tag}] CHECKPOINT {json.dumps(ck)}", flush=True)
            with open(RESULTS / "recipes_final.jsonl", "a") as f:
                f.write(json.dumps(ck) + "\n")
        rows.append(row)
        print(f"[{tag}] " + " ".join(f"{k}={v}" for k, v in row.items() if k not in ("recipe", "seed")), flush=True)
        _append_csv(csv_path, row)
    if final_ev is not None:
        fd, cov, kl = final_ev(generate(tr.g, final_n, 0, tr.unit))
        out = dict(recipe=tag, seed=seed, steps=done, cpu_s=round(cpu, 1), wall_s=round(wall, 1), n=final_n,
                   fd=round(fd, 2), classes=cov, kl=round(kl, 4), params=p)
        if tr.ema is not None:
            with tr.ema.swapped():
                fd_e, cov_e, kl_e = final_ev(generate(tr.g, final_n, 0, tr.unit))
                # the same measurement through the public metric function, as a cross-check
                g_model = _GenerateWrapper(tr.g)
                fd_pub = float(gz.metrics.frechet_distance(load_split("test")[:final_n], g_model, n=final_n,
                                                           extractor="fashion_mnist", verbose=False))
            out.update(fd_ema=round(fd_e, 2), classes_ema=cov_e, kl_ema=round(kl_e, 4), fd_ema_public=round(fd_pub, 2))
        for ema in tr.extra_emas:
            with ema.swapped():
                fd_x, cov_x, kl_x = final_ev(generate(tr.g, final_n, 0, tr.unit))
            out[f"ema_{ema.decay}"] = dict(fd=round(fd_x, 2), classes=cov_x, kl=round(kl_x, 4))
        print(f"[{tag}] FINAL {json.dumps(out)}", flush=True)
        with open(RESULTS / "recipes_final.jsonl", "a") as f:
            f.write(json.dumps(out) + "\n")
        tr.g.save(RESULTS / f"{tag}_s{seed}_generator.keras") if os.environ.get("SAVE_G") else None
    print(f"[{tag}] peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB", flush=True)
    return rows


class _GenerateWrapper:
    """`generate(n, seed, batch_size)` in [0, 1] for `gz.metrics` (tanh generator)."""

    def __init__(self, g):
        self.g = g

    def generate(self, n, seed=0, batch_size=None):
        z = keras.random.normal((n, LATENT), seed=seed)
        return np.clip((np.asarray(self.g(z, training=False)) + 1) / 2, 0, 1)


FIELDS = ["recipe", "seed", "step", "batch", "cpu_s", "wall_s", "d_loss", "g_loss", "fd", "classes", "kl",
          "fd_ema", "classes_ema", "kl_ema", "ema2", "fd_ema2", "classes_ema2", "ema3", "fd_ema3", "classes_ema3"]


def _append_csv(path, row):
    path.parent.mkdir(parents=True, exist_ok=True)
    new = not path.exists()
    if not new:
        with open(path) as f:
            old = list(csv.DictReader(f))
            header = old and list(old[0].keys())
        if header and header != FIELDS:  # columns were added: rewrite the file with the new header
            with open(path, "w", newline="") as f:
                w = csv.DictWriter(f, FIELDS)
                w.writeheader()
                w.writerows({k: r.get(k, "") for k in FIELDS} for r in old)
    with open(path, "a", newline="") as f:
        w = csv.DictWriter(f, FIELDS)
        if new:
            w.writeheader()
        w.writerow({k: row.get(k, "") for k in FIELDS})


# --------------------------------------------------------------------------- report
def _best_fd(r):
    """The FD the recipe would ship: the main EMA generator's when the run kept one, else the raw one."""
    return float(r["fd_ema"]) if r.get("fd_ema") else float(r["fd"])


def first_reach(rs, threshold, key=_best_fd):
    """CPU-seconds at which FD first drops to `threshold` (log-linear between checkpoints), or None."""
    prev = (0.0, None)
    for r in rs:
        cpu, fd = float(r["cpu_s"]), key(r)
        if fd <= threshold:
            if prev[1] is None:
                return cpu
            c0, f0 = prev
            t = (np.log(f0) - np.log(threshold)) / (np.log(f0) - np.log(fd))
            return c0 + t * (cpu - c0)
        prev = (cpu, fd)
    return None


def report(csv_path, recipes=None, out_png=None, thresholds=(300, 200, 150, 120, 100, 90)):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = list(csv.DictReader(open(csv_path)))
    by = {}
    for r in rows:
        by.setdefault((r["recipe"], r["seed"]), []).append(r)
    names = recipes or sorted({k[0] for k in by})
    fig, ax = plt.subplots(figsize=(8.5, 5.5))
    print("| recipe | seed | batch | steps | CPU-s | wall-s | CPU-ms/step | FD@2k raw | FD@2k EMA 0.999 | "
          "FD@2k EMA 0.99 / 0.995 | classes (EMA) | class KL (EMA) |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    reach = {}
    for name in names:
        for (rname, seed), rs in sorted(by.items()):
            if rname != name:
                continue
            rs = sorted(rs, key=lambda r: int(r["step"]))
            cpu_min = [float(r["cpu_s"]) / 60 for r in rs]
            (line,) = ax.plot(cpu_min, [float(r["fd"]) for r in rs], marker="o", ms=3, label=f"{name}")
            if rs[0].get("fd_ema"):
                ax.plot(cpu_min, [float(r["fd_ema"]) for r in rs], ls="--", color=line.get_color(), lw=0.9)
            last = rs[-1]
            extra = " / ".join(x for x in (last.get("fd_ema2"), last.get("fd_ema3")) if x) or "-"
            print(f"| {name} | {seed} | {last['batch']} | {last['step']} | {last['cpu_s']} | {last['wall_s']} | "
                  f"{1000 * float(last['cpu_s']) / int(last['step']):.0f} | {last['fd']} | {last['fd_ema'] or '-'} | "
                  f"{extra} | {last['classes_ema'] or last['classes']} | {last['kl_ema'] or last['kl']} |")
            reach[name] = {t: first_reach(rs, t, key=lambda r: min(float(r["fd"]), float(r["fd_ema"] or 1e9)))
                           for t in thresholds}
    print()
    print("CPU-seconds until FD@2k (best of raw and EMA generator) first reaches a threshold:")
    print("| recipe | " + " | ".join(f"FD {t}" for t in thresholds) + " |")
    print("|---|" + "---|" * len(thresholds))
    for name, d in reach.items():
        print(f"| {name} | " + " | ".join("-" if v is None else f"{v:.0f}" for v in d.values()) + " |")
    ax.set_xlabel("training CPU-minutes (process CPU time; shared 2-core machine)")
    ax.set_ylabel("FD@2k vs Fashion-MNIST test (project evaluator)")
    ax.set_yscale("log")
    ax.axhline(90, color="grey", ls=":", lw=0.8)
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize=7, ncol=2)
    ax.set_title("DCGAN recipes on Fashion-MNIST: solid = raw generator, dashed = EMA 0.999")
    out_png = Path(out_png or ASSETS / "fd_vs_cpu.png")
    out_png.parent.mkdir(parents=True, exist_ok=True)
    fig.tight_layout()
    fig.savefig(out_png, dpi=110)
    print(f"wrote {out_png}")


def speed(names, steps, overrides_list):
    """CPU-ms and wall-ms per training step, recipes alternated in one process (same conditions)."""
    trainers = []
    for name, ov in zip(names, overrides_list):
        p = recipe_params(name, **ov)
        tr = Trainer(p, 0)
        it = iter(dataset(p["batch"], 0, tr.unit))
        for _ in range(5):
            tr.step(next(it))  # trace
        trainers.append((name + (" " + json.dumps(ov) if ov else ""), tr, it, p))
    res = {t[0]: [] for t in trainers}
    for _ in range(3):
        for label, tr, it, p in trainers:
            c0, w0 = time.process_time(), time.perf_counter()
            for _ in range(steps):
                out = tr.step(next(it))
            float(out[0])
            res[label].append(((time.process_time() - c0) / steps * 1000, (time.perf_counter() - w0) / steps * 1000))
    for label, r in res.items():
        cpu = min(x[0] for x in r)
        wall = min(x[1] for x in r)
        print(f"{label}: {cpu:.1f} CPU-ms/step, {wall:.1f} wall-ms/step (best of 3 x {steps} steps)")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    t = sub.add_parser("train")
    t.add_argument("--recipe", required=True)
    t.add_argument("--tag")
    t.add_argument("--steps", type=int, default=3000)
    t.add_argument("--eval-every", type=int, default=500)
    t.add_argument("--seed", type=int, default=0)
    t.add_argument("--n-eval", type=int, default=2000)
    t.add_argument("--final-n", type=int, default=0, help="also measure FD at this many samples at the end")
    t.add_argument("--csv", type=Path, default=CSV_PATH)
    t.add_argument("--cpu-budget", type=float, default=None, help="stop at the first checkpoint past this many CPU-s")
    t.add_argument("--set", nargs="*", default=[], help="override recipe fields, e.g. batch=64 ema=0.99")
    sub.add_parser("list")
    sp = sub.add_parser("speed")
    sp.add_argument("--recipes", nargs="+", required=True, help="name or name:key=value,key=value")
    sp.add_argument("--steps", type=int, default=50)
    r = sub.add_parser("report")
    r.add_argument("--csv", type=Path, default=CSV_PATH)
    r.add_argument("--recipes", nargs="*")
    r.add_argument("--png")
    a = ap.parse_args()
    if a.cmd == "list":
        for k in RECIPES:
            print(k, json.dumps(recipe_params(k)))
    elif a.cmd == "speed":
        names, ovs = [], []
        for spec in a.recipes:
            name, _, rest = spec.partition(":")
            ov = {}
            for kv in filter(None, rest.split(",")):
                k, v = kv.split("=", 1)
                ov[k] = json.loads(v) if not v.isalpha() else v
            names.append(name)
            ovs.append(ov)
        speed(names, a.steps, ovs)
    elif a.cmd == "report":
        report(a.csv, a.recipes, a.png)
    else:
        overrides = {}
        for kv in a.set:
            k, v = kv.split("=", 1)
            overrides[k] = json.loads(v) if v not in ("None",) else None
        RESULTS.mkdir(parents=True, exist_ok=True)
        train(a.recipe, a.steps, a.eval_every, a.seed, a.n_eval, a.csv, a.final_n or None, a.tag, a.cpu_budget,
              **overrides)


if __name__ == "__main__":
    main()
