"""The code of docs/tutorials/vae.md, run as one script.

    python docs/snippets/vae.py                     # the page's 5 epochs on all of Fashion-MNIST
    GENZOO_DOCS_FAST=1 python docs/snippets/vae.py  # CI: one epoch on 1,024 images

Every block between `--8<-- [start:NAME]` and `--8<-- [end:NAME]` is shown on the page.
"""

# --8<-- [start:budget]
import os

FAST = os.environ.get("GENZOO_DOCS_FAST") == "1"   # CI trains one epoch on a slice
SPLIT, EPOCHS = ("train[:1024]", 1) if FAST else ("train", 5)
# --8<-- [end:budget]

# --8<-- [start:ae]
import keras_genzoo as gz

ds = gz.data.load("fashion_mnist", split=SPLIT, batch_size=128, image_range=(0, 1))
images = next(iter(gz.data.load("fashion_mnist", split="test[:256]", batch_size=256))).numpy()
ae = gz.models.Autoencoder(image_shape=(28, 28, 1), latent_dim=2, seed=0)
ae.compile()                      # Adam(1e-3)
ae.fit(ds, epochs=EPOCHS, verbose=0)
z = ae.encode(images)             # (256, 2)
# --8<-- [end:ae]
assert z.shape == (256, 2)

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

# --8<-- [start:vae]
vae = gz.models.VAE(image_shape=(28, 28, 1), latent_dim=2, beta=1.0, seed=0)
vae.compile()
history = vae.fit(ds, epochs=EPOCHS, verbose=0,
                  validation_data=gz.data.load("fashion_mnist", split="test[:1024]", batch_size=256))
z_mean, z_log_var = vae.encode(images)
samples = vae.generate(64, seed=0)                # decode z ~ N(0, I); images in [0, 1]
path = vae.interpolate(images[:1], images[1:2], steps=10)
print({k: round(v[-1], 1) for k, v in history.history.items()})
# --8<-- [end:vae]
assert z_mean.shape == z_log_var.shape == (256, 2) and samples.shape == (64, 28, 28, 1)
assert path.shape == (1, 10, 28, 28, 1)
logs = history.history
# the loss is the negative ELBO: reconstruction + KL, and the VAE learned something in its budget
np.testing.assert_allclose(logs["loss"][-1], logs["reconstruction_loss"][-1] + logs["kl_loss"][-1], rtol=1e-3)
# better than predicting 0.5 for every pixel (784 ln 2 = 543 nats); well below it after 5 epochs
assert logs["val_loss"][-1] < (784 * np.log(2) if FAST else 280), logs
