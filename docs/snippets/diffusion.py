"""The code of docs/tutorials/diffusion.md, run as one script.

    python docs/snippets/diffusion.py                     # the page's budget: 2 epochs on all 60,000 images
    GENZOO_DOCS_FAST=1 python docs/snippets/diffusion.py  # CI: one eager step on 64 images, a smaller U-Net

The full budget takes about 18 CPU-minutes (TensorFlow, 2 cores).

Every block between `--8<-- [start:NAME]` and `--8<-- [end:NAME]` is shown on the page.
"""

# --8<-- [start:budget]
import os

FAST = os.environ.get("GENZOO_DOCS_FAST") == "1"        # CI: one step on 64 images
SPLIT, EPOCHS = ("train[:64]", 1) if FAST else ("train", 2)
EAGER = FAST      # one step runs faster eagerly than traced into a graph
UNET = dict(base_filters=8)      # a small U-Net: 77k weights, two stride-2 stages (28 -> 14 -> 7)
if FAST:                         # one stage and no attention: quicker to trace
    UNET.update(channel_multipliers=(1, 2), attention_resolutions=[])
# --8<-- [end:budget]

# --8<-- [start:forward]
import numpy as np
from keras import ops
import keras_genzoo as gz
from keras_genzoo.models.diffusion import alpha_bar

times = np.array([0.0, 0.25, 0.5, 0.75, 1.0])
print("cosine", np.round(alpha_bar(times, "cosine", np), 5).tolist())   # 1 at t = 0, 1e-5 (clipped) at t = 1
print("linear", np.round(alpha_bar(times, "linear", np), 5).tolist())

# one image, noised in closed form at each time: x_t = sqrt(abar) x + sqrt(1 - abar) eps
images, labels = next(iter(gz.data.load("fashion_mnist", split="test[:8]", batch_size=8, shuffle=False,
                                        with_labels=True)))
images, labels = images.numpy(), labels.numpy()
x = images[0] * 2.0 - 1.0                                      # the models work in [-1, 1]
eps = np.random.default_rng(0).standard_normal(x.shape).astype("float32")
abar = alpha_bar(times, "cosine", np).reshape(-1, 1, 1, 1)
x_t = np.sqrt(abar) * x + np.sqrt(1.0 - abar) * eps           # (5, 28, 28, 1): x_0 = x, x_1 ~ eps
# --8<-- [end:forward]
assert x_t.shape == (5, 28, 28, 1)
np.testing.assert_allclose(x_t[0], x, atol=1e-6)                      # abar(0) = 1: no noise yet
assert np.corrcoef(x_t[-1].ravel(), eps.ravel())[0, 1] > 0.999        # abar(1) = 1e-5: (almost) pure noise
assert np.all(np.diff(abar.ravel()) < 0)                              # the signal only fades

# --8<-- [start:v]
from keras_genzoo.models.diffusion import split_prediction

abar_t = alpha_bar(0.999, "cosine", np)                         # almost pure noise
a, s = np.sqrt(abar_t), np.sqrt(1.0 - abar_t)
x_t = a * x + s * eps
v = a * eps - s * x                                             # the v target
x0, eps0 = split_prediction(v, x_t, abar_t, "v")               # an exact prediction gives x and eps back
error = 0.01 * np.random.default_rng(1).standard_normal(x.shape)   # a small error of the network
x0_v, _ = split_prediction(v + error, x_t, abar_t, "v")        # x0 = a x_t - s v
x0_eps, _ = split_prediction(eps + error, x_t, abar_t, "epsilon")  # x0 = (x_t - s eps) / a
print(f"x0 error through v: {np.abs(x0_v - x).max():.3f}, through eps: {np.abs(x0_eps - x).max():.1f}")
# --8<-- [end:v]
np.testing.assert_allclose(x0, x, atol=1e-5)
np.testing.assert_allclose(eps0, eps, atol=1e-5)
# the same network error costs s (<= 1) times as much through v, s / a through eps
np.testing.assert_allclose(x0_v - x, -s * error, atol=1e-5)
np.testing.assert_allclose(x0_eps - x, -(s / a) * error, rtol=1e-3, atol=1e-4)
assert s / a > 100                                              # the division by a blows up near t = 1

# --8<-- [start:diffusion]
train = gz.data.load("fashion_mnist", split=SPLIT, batch_size=64, with_labels=True)
diffusion = gz.models.Diffusion(image_shape=(28, 28, 1), seed=0, **UNET)   # cosine schedule, v-prediction
diffusion.compile(run_eagerly=EAGER)                             # Adam(2e-4)
diffusion.fit(train, epochs=EPOCHS, verbose=0)                   # unconditional: ignores the labels

ddim = diffusion.generate(8, seed=0)                            # DDIM, eta = 0 (deterministic), 50 steps
ddpm = diffusion.generate(8, seed=0, steps=10, sampler="ddpm")  # ancestral: fresh noise at each step
half = diffusion.generate(8, seed=0, steps=10, eta=0.5)         # DDIM in between
# --8<-- [end:diffusion]
for out in (ddim, ddpm, half):
    assert out.shape == (8, 28, 28, 1) and out.dtype == np.float32
    assert 0.0 <= out.min() and out.max() <= 1.0
# same seed, same images, for every sampler: DDPM's per-step noise is seeded too
np.testing.assert_array_equal(ddim, diffusion.generate(8, seed=0))
np.testing.assert_array_equal(ddpm, diffusion.generate(8, seed=0, steps=10, sampler="ddpm"))
assert not np.array_equal(ddim, diffusion.generate(8, seed=1))
# the same starting noise: DDIM's path depends on it alone, DDPM's also on the noise it adds
z = diffusion.sample_latent(8, seed=0)
np.testing.assert_allclose(ddim, diffusion.generate(8, z=z), atol=1e-6)


def check_round_trip(back, max_error, mean_error):
    """Reconstructions close to the originals, each nearer its own image than any other."""
    error = np.abs(back - images)
    assert error.max() < max_error and error.mean() < mean_error, (error.max(), error.mean())
    distances = ((back[:, None] - images[None]) ** 2).mean(axis=(2, 3, 4))
    assert np.array_equal(distances.argmin(axis=1), np.arange(len(images))), distances

# --8<-- [start:encode-ddim]
z = diffusion.encode(images)                 # DDIM from t = 0 to t = 1 in 50 steps: (8, 784) noise
back = diffusion.generate(len(images), z=z)  # and back from t = 1 to t = 0
print(f"DDIM round trip: max |error| {np.abs(back - images).max():.3f}, mean {np.abs(back - images).mean():.4f}")
# --8<-- [end:encode-ddim]
assert z.shape == (8, 784) and np.all(np.isfinite(z))
# first order: close, not exact. Measured max / mean |error|: 0.024 / 0.018 fast, 0.15 / 0.018 after the
# full budget (10 steps: 0.42 / 0.066; 20: 0.28 / 0.037); the margins cover runs (the data order is not seeded).
check_round_trip(back, max_error=0.4, mean_error=0.05)

# --8<-- [start:flow]
flow = gz.models.FlowMatching(image_shape=(28, 28, 1), num_classes=10, seed=0, **UNET)
flow.compile(run_eagerly=EAGER)
flow.fit(train, epochs=EPOCHS, verbose=0)                        # Adam(2e-4), learns v(x_t, t | y)

z = flow.encode(images, labels=labels, steps=16, sampler="heun")          # t = 0 -> 1: image to noise
back = flow.generate(len(images), labels=labels, z=z, steps=16, sampler="heun")   # t = 1 -> 0
print(f"flow round trip: max |error| {np.abs(back - images).max():.2g}")

i, j = np.flatnonzero(labels == labels[2])[:2]                           # two test images of one class
path = flow.interpolate(z[i], z[j], num=8, labels=labels[i], steps=16, sampler="heun")   # (8, 28, 28, 1)
# --8<-- [end:flow]
assert z.shape == (8, 784) and back.shape == images.shape and path.shape == (8, 28, 28, 1)
assert 0.0 <= path.min() and path.max() <= 1.0
# second order: measured max / mean |error| 3e-7 fast, 0.002 / 0.0002 after the full budget (Euler, 16 steps:
# 0.16-0.22 / 0.018; 32 steps: 0.074 / 0.009); the margins cover runs and platforms.
check_round_trip(back, max_error=0.05, mean_error=0.005)
# the ends of the path are the decoded codes of the two real images
np.testing.assert_allclose(path[[0, -1]], back[[i, j]], atol=1e-4)

# --8<-- [start:guidance]
boots = flow.generate(8, labels=[9] * 8, steps=8, guidance=2.0, seed=0)   # Euler, w = 2

# the guided velocity by hand, at x_t = (1 - t) x + t eps, t = 0.5
x_t = gz.models.flow.interpolant(x[None], eps[None], np.array([0.5], "float32"))
v_y = flow.velocity(x_t, 0.5, [9])                        # conditional (one pass)
v_null = flow.velocity(x_t, 0.5, [flow.num_classes])      # the null class: index 10
v_w = flow.velocity(x_t, 0.5, [9], guidance=2.0)          # v_null + 2 (v_y - v_null)
# --8<-- [end:guidance]
assert boots.shape == (8, 28, 28, 1) and 0.0 <= boots.min() and boots.max() <= 1.0
np.testing.assert_array_equal(boots, flow.generate(8, labels=[9] * 8, steps=8, guidance=2.0, seed=0))
v_y, v_null, v_w = (ops.convert_to_numpy(v) for v in (v_y, v_null, v_w))
np.testing.assert_allclose(v_w, v_null + 2.0 * (v_y - v_null), atol=1e-5)
# an unconditional model takes no guidance, and says so
try:
    diffusion.generate(2, guidance=2.0)
except ValueError as err:
    assert "num_classes" in str(err), str(err)
else:
    raise AssertionError("guidance was accepted by an unconditional model")
