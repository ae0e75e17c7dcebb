"""Where the package's step time goes, against the keras.io-style reference of train_step.py.

Times `fit` of one family (default: the MLP GAN) with parts of the package's per-step
bookkeeping switched off, alternated with the reference, best of ROUNDS rounds of STEPS steps:

    package             the package as shipped
    nocheck+fewlogs     no run-time data check, only the d_loss / g_loss trackers
    plainrng            noise from tf.random.normal instead of the seeded stateless generator
    nocounter           no step counter update
    bare                all of the above

    python benchmarks/train_step_ablation.py gan 200 6      # FAMILY STEPS ROUNDS

For adversarial families only (the variants patch their step noise).
"""
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.dirname(HERE))
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

import keras_genzoo as gz  # noqa: E402
from keras_genzoo import trainers  # noqa: E402
import train_step as ts  # noqa: E402
from keras_genzoo.models import base  # noqa: E402

name = sys.argv[1] if len(sys.argv) > 1 else "gan"
steps = int(sys.argv[2]) if len(sys.argv) > 2 else 150
family = gz.models.registry.get(name)
kw = {"num_classes": 10} if family.conditional else {}

def make(variant):
    orig_check, orig_record = trainers.check_data, base.GenerativeModel.record_step
    if "nocheck" in variant:
        trainers.check_data = lambda x, lo, hi, msg: x
    m = gz.models.registry.create(name, (28, 28, 1), compile=False, seed=0, **kw)
    m.compile()
    if "fewlogs" in variant:
        def record_step(self, logs, weights):
            for k in ("d_loss", "g_loss"):
                if k in logs:   # a critic-only step (n_critic > 1) has no g_loss
                    self.step_trackers[k].update_state(logs[k])
            return {k: self.step_trackers[k].result() for k in ("d_loss", "g_loss")}
        m.record_step = record_step.__get__(m)
    if "plainrng" in variant:
        def step_noise(self, batch):
            n = tf.shape(batch["x"])[0]
            return {"z_d": tf.random.normal((n, self.latent_dim)), "z_g": tf.random.normal((n, self.latent_dim))}
        m.step_noise = step_noise.__get__(m)
    if "nocounter" in variant:
        m.end_step = (lambda self: None).__get__(m)
    ds = ts.family_batches(family.batch_size, family.conditional)
    ts._timed(m, ds, 2 * m.n_critic)
    trainers.check_data = orig_check
    return m, ds

variants = {v: make(v) for v in ("package", "nocheck+fewlogs", "plainrng", "nocounter", "bare:nocheck+fewlogs+plainrng+nocounter")}
ref = ts.AdversarialReference(variants["package"][0]); d, g = variants["package"][0].default_optimizers(); ref.compile(d, g)
ds = variants["package"][1]; ts._timed(ref, ds, 2)
best = {k: np.inf for k in list(variants) + ["reference"]}
bestw = dict(best)
for _ in range(int(sys.argv[3]) if len(sys.argv) > 3 else 4):
    for k, (m, ds) in variants.items():
        c, w = ts._timed(m, ds, steps)
        best[k], bestw[k] = min(best[k], c), min(bestw[k], w)
    c, w = ts._timed(ref, ds, steps // ref.n_critic)
    best["reference"], bestw["reference"] = min(best["reference"], c), min(bestw["reference"], w)
for k, v in best.items():
    print(f"{name} {k:18s} CPU ms/step {1000 * v / steps:7.2f}  ratio ref/this {best['reference'] / v:.2f}   "
          f"wall ms/step {1000 * bestw[k] / steps:7.2f}  ratio {bestw['reference'] / bestw[k]:.2f}", flush=True)
