"""The code of docs/tutorials/wgan.md that needs no training, run as one script.

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
