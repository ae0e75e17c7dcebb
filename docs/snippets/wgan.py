"""The code of docs/tutorials/wgan.md, run as one script (GENZOO_DOCS_FAST=1: WGAN-GP for one epoch on 640 images).

Every block between `--8<-- [start:NAME]` and `--8<-- [end:NAME]` is shown on the page.
"""

# --8<-- [start:clip]
import keras
import numpy as np
from keras import ops
import keras_genzoo as gz

clip = gz.networks.ClipConstraint(0.01)
w = keras.Variable(np.array([-0.5, 0.003, 0.2], dtype="float32"), constraint=clip)
print(ops.convert_to_numpy(clip(w)))     # [-0.01   0.003  0.01 ]: what the optimizer keeps after each update
# --8<-- [end:clip]
np.testing.assert_allclose(ops.convert_to_numpy(clip(w)), [-0.01, 0.003, 0.01])

# --8<-- [start:penalty]
from keras_genzoo import losses

rng = np.random.default_rng(0)
real = rng.uniform(size=(4, 28, 28, 1)).astype("float32")
fake = rng.uniform(size=(4, 28, 28, 1)).astype("float32")
eps = rng.uniform(size=(4,)).astype("float32")               # one epsilon per example, U[0, 1]
x_hat = ops.convert_to_numpy(losses.interpolates(real, fake, eps))
print(np.allclose(x_hat[0], eps[0] * real[0] + (1 - eps[0]) * fake[0]))   # True: on the segment

# A linear critic D(x) = w . x + b has the same input gradient w everywhere,
# so its penalty is exactly (||w|| - 1)^2.
w = rng.normal(size=(28 * 28,)).astype("float32") * 0.05
grads = np.broadcast_to(w.reshape(1, 28, 28, 1), x_hat.shape)
print(float(losses.gradient_penalty_from_gradients(grads)), (np.linalg.norm(w) - 1) ** 2)
print(float(losses.gradient_penalty_from_gradients(np.zeros_like(grads))))  # (1e-6 - 1)^2: finite at g = 0
# --8<-- [end:penalty]
for i in range(4):
    np.testing.assert_allclose(x_hat[i], eps[i] * real[i] + (1 - eps[i]) * fake[i], rtol=1e-6, atol=1e-7)
np.testing.assert_allclose(float(losses.gradient_penalty_from_gradients(grads)),
                           (np.linalg.norm(w.astype(np.float64)) - 1) ** 2, rtol=1e-5)
np.testing.assert_allclose(float(losses.gradient_penalty_from_gradients(np.zeros_like(grads))), 1.0, rtol=1e-5)

# --8<-- [start:wgan]
wgan = gz.models.WGAN(image_shape=(28, 28, 1), clip_value=0.01)
wgan.compile()            # RMSprop(5e-5) for both, n_critic = 5 — the paper's defaults
# --8<-- [end:wgan]
assert wgan.n_critic == 5
for opt in (wgan.d_optimizer, wgan.g_optimizer):
    assert isinstance(opt, keras.optimizers.RMSprop), opt
    np.testing.assert_allclose(float(ops.convert_to_numpy(opt.learning_rate)), 5e-5, rtol=1e-6)
critic_vars = wgan.discriminator.trainable_variables
assert critic_vars and all(isinstance(v.constraint, gz.networks.ClipConstraint) for v in critic_vars)
assert all(v.constraint.get_config()["clip_value"] == 0.01 for v in critic_vars)

# --8<-- [start:wgangp]
import os

FAST = os.environ.get("GENZOO_DOCS_FAST") == "1"          # CI: one epoch on 640 images
SPLIT, EPOCHS = ("train[:640]", 1) if FAST else ("train", 5)

wgangp = gz.models.WGANGP(image_shape=(28, 28, 1), gp_weight=10.0)
wgangp.compile()          # Adam(1e-4, beta_1=0, beta_2=0.9), n_critic = 5 — the paper's defaults
history = wgangp.fit(gz.data.load("fashion_mnist", split=SPLIT, batch_size=64), epochs=EPOCHS, verbose=0)
# --8<-- [end:wgangp]
assert wgangp.n_critic == 5 and wgangp.gp_weight == 10.0
for opt in (wgangp.d_optimizer, wgangp.g_optimizer):
    assert isinstance(opt, keras.optimizers.Adam), opt
    np.testing.assert_allclose(float(ops.convert_to_numpy(opt.learning_rate)), 1e-4, rtol=1e-6)
    assert opt.beta_1 == 0.0 and opt.beta_2 == 0.9, (opt.beta_1, opt.beta_2)
steps = EPOCHS * int(np.ceil((640 if FAST else 60_000) / 64))
assert int(ops.convert_to_numpy(wgangp.critic_steps)) == steps      # one critic update per batch ...
g_updates = int(ops.convert_to_numpy(wgangp.g_optimizer.iterations))
assert abs(g_updates - steps / 5) <= 1, (g_updates, steps)              # ... and a generator update every 5th
assert all(np.isfinite(v[-1]) for v in history.history.values()), history.history
print({k: round(float(v[-1]), 3) for k, v in history.history.items()})
