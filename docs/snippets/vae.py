"""The code of docs/tutorials/vae.md that needs no training, run as one script.

Every block between `--8<-- [start:NAME]` and `--8<-- [end:NAME]` is shown on the page.
"""

# --8<-- [start:kl]
import numpy as np
from keras import ops
from keras_genzoo import losses

z_mean = np.array([[0.0, 0.0], [1.0, -2.0]], dtype="float32")      # two examples, k = 2
z_log_var = np.array([[0.0, 0.0], [-1.0, 0.5]], dtype="float32")
kl = losses.kl_divergence_standard_normal(ops.convert_to_tensor(z_mean), ops.convert_to_tensor(z_log_var))
print(ops.convert_to_numpy(kl))     # [0. 2.758]: zero exactly at mu = 0, sigma = 1

by_hand = 0.5 * np.sum(np.exp(z_log_var) + z_mean**2 - 1 - z_log_var, axis=-1)
print(by_hand)
# --8<-- [end:kl]
np.testing.assert_allclose(ops.convert_to_numpy(kl), by_hand, rtol=1e-6)
assert ops.convert_to_numpy(kl)[0] == 0.0

# --8<-- [start:reparam]
from keras_genzoo.models.autoencoders import reparameterize

rng = np.random.default_rng(0)
mu, log_var = np.float32(1.5), np.float32(np.log(0.25))      # N(1.5, 0.5^2)
eps = rng.standard_normal(100_000).astype("float32")         # parameter-free noise
z = ops.convert_to_numpy(reparameterize(mu, log_var, ops.convert_to_tensor(eps)))
print(z.mean(), z.std())                                     # about 1.5 and 0.5
# --8<-- [end:reparam]
assert abs(z.mean() - 1.5) < 0.01 and abs(z.std() - 0.5) < 0.01, (z.mean(), z.std())
