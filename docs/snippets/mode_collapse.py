"""The code of docs/tutorials/mode_collapse.md, run as one script.

    python docs/snippets/mode_collapse.py                     # the page's budget: 10,000 steps
    GENZOO_DOCS_FAST=1 python docs/snippets/mode_collapse.py  # CI: 300 steps

Every block between `--8<-- [start:NAME]` and `--8<-- [end:NAME]` is shown on the page. The
page's numbers for trained models come from benchmarks/ring.py; at the fast budget this
script checks shapes, ranges and the metric's bookkeeping, not coverage.
"""

import os

import numpy as np

FAST = os.environ.get("GENZOO_DOCS_FAST") == "1"

# --8<-- [start:data]
import keras_genzoo as gz

points = gz.data.ring_of_gaussians(2500, seed=0)          # numpy (2500, 2)
centers = gz.data.ring_centers(modes=8, radius=2.0)
r = gz.metrics.mixture_mode_coverage(points, centers, std=0.02)
print(r.value, r.details["high_quality_fraction"], r.details["reverse_kl"])
# 8 0.992 0.0016  (the data scores itself: 2,500 samples)
print(r.protocol["mode_rule"])
# --8<-- [end:data]
assert points.shape == (2500, 2) and centers.shape == (8, 2)
np.testing.assert_allclose(np.linalg.norm(centers, axis=1), 2.0, rtol=1e-6)
assert r.value == 8 and r.details["modes_with_any_sample"] == 8
assert abs(r.details["high_quality_fraction"] - 0.992) < 5e-4, r.details["high_quality_fraction"]
assert abs(r.details["reverse_kl"] - 0.0016) < 5e-5, r.details["reverse_kl"]
assert abs(r.details["high_quality_fraction"] - (1 - np.exp(-4.5))) < 0.01   # 98.9% within 3 sigma
# everything on one mode: one mode covered, reverse KL log 8
one = gz.metrics.mixture_mode_coverage(np.repeat(centers[:1], 2500, axis=0), centers, std=0.02)
assert one.value == 1 and abs(one.details["reverse_kl"] - np.log(8)) < 1e-6, one.details

# --8<-- [start:train]
import keras_genzoo as gz

EPOCHS, STEPS = (1, 300) if FAST else (10, 1000)                 # CI: 300 steps instead of 10,000

ds = gz.data.ring_of_gaussians(100_000, seed=0, batch_size=100)   # tf.data, full batches
gan = gz.models.GAN(data_shape=(2,), seed=0)                      # vector defaults
gan.compile()
gan.fit(ds.repeat(), epochs=EPOCHS, steps_per_epoch=STEPS, verbose=0)
r = gz.metrics.mixture_mode_coverage(gan, gz.data.ring_centers(), std=0.02, n=2500, seed=1234)
print(r.value, r.details["high_quality_fraction"], r.details["reverse_kl"])
# --8<-- [end:train]
from keras import ops

assert int(ops.convert_to_numpy(gan.critic_steps)) == EPOCHS * STEPS
assert 0 <= r.value <= 8 and 0.0 <= r.details["high_quality_fraction"] <= 1.0
samples = gan.generate(2500, seed=1234)
assert samples.shape == (2500, 2) and np.isfinite(samples).all()
# the generator has moved from its initial cloud at the origin out towards the ring (radius 2)
assert np.median(np.linalg.norm(samples, axis=1)) > 1.0, np.median(np.linalg.norm(samples, axis=1))
if not FAST:                                                      # the page: all 8 modes, 94-98 % high quality
    assert r.value == 8 and r.details["high_quality_fraction"] > 0.9, r

# --8<-- [start:explicit]
import keras

g = gz.networks.mlp_generator(2, (2,), (256, 256, 256), output_activation=None, seed=0)
d = gz.networks.mlp_discriminator((2,), (256, 256, 256), seed=0)
gan = gz.models.GAN(data_shape=(2,), latent_dim=2, generator=g, discriminator=d, seed=0)
lr = lambda: keras.optimizers.schedules.CosineDecay(1e-3, decay_steps=10_000, alpha=0.01)
gan.compile(d_optimizer=keras.optimizers.Adam(lr(), beta_1=0.5),
            g_optimizer=keras.optimizers.Adam(lr(), beta_1=0.5))
# --8<-- [end:explicit]
default = gz.models.GAN(data_shape=(2,), seed=0)
default.compile()
assert default.latent_dim == 2
for net, ref in ((default.generator, g), (default.discriminator, d)):
    assert [tuple(w.shape) for w in net.weights] == [tuple(w.shape) for w in ref.weights]
for opt, ref in ((default.d_optimizer, gan.d_optimizer), (default.g_optimizer, gan.g_optimizer)):
    assert isinstance(opt, keras.optimizers.Adam) and opt.beta_1 == ref.beta_1 == 0.5
    mine, theirs = (keras.optimizers.schedules.deserialize(o.get_config()["learning_rate"]) for o in (opt, ref))
    for step in (0, 5_000, 10_000, 20_000):                       # 1e-3 falling along a cosine to 1e-5, then flat
        np.testing.assert_allclose(float(mine(step)), float(theirs(step)), rtol=1e-6)
np.testing.assert_allclose([float(mine(0)), float(mine(10_000)), float(mine(20_000))], [1e-3, 1e-5, 1e-5], rtol=1e-5)

# --8<-- [start:pack]
d = gz.networks.mlp_discriminator((2,), (256, 256, 256), seed=0, packing=2)
d(points[:100]).shape        # (50, 1): one score per pair
# --8<-- [end:pack]
assert tuple(d(points[:100]).shape) == (50, 1)
assert any(isinstance(layer, gz.networks.Pack) for layer in d.layers)
try:
    d(points[:99])
except Exception as err:                    # a batch that is not a multiple of the pack size
    assert "2" in str(err) and "99" in str(err), str(err)
else:
    raise AssertionError("a batch of 99 was packed in pairs")

# --8<-- [start:pacgan]
gan = gz.models.GAN(data_shape=(2,), packing=2, seed=0)   # the vector defaults, packed in pairs
# --8<-- [end:pacgan]
assert any(isinstance(layer, gz.networks.Pack) for layer in gan.discriminator.layers)
gan.compile()
history = gan.fit(gz.data.ring_of_gaussians(400, seed=0, batch_size=100), epochs=1, verbose=0)
assert all(np.isfinite(v[-1]) for v in history.history.values()), history.history
