"""The code of docs/tutorials/dcgan.md, run as one script (GENZOO_DOCS_FAST=1: one epoch on 512 images).

Every block between `--8<-- [start:NAME]` and `--8<-- [end:NAME]` is shown on the page.
"""

# --8<-- [start:networks]
import keras_genzoo as gz

generator = gz.networks.dcgan_generator(latent_dim=128, image_shape=(28, 28, 1), seed=0)
discriminator = gz.networks.dcgan_discriminator(image_shape=(28, 28, 1), seed=0)
for layer in generator.layers:
    print(f"{layer.__class__.__name__:20s} {layer.output.shape}")
print(discriminator.output.shape)     # one logit per image
# --8<-- [end:networks]
shapes = [tuple(layer.output.shape[1:]) for layer in generator.layers]
assert (7, 7, 128) in shapes and (14, 14, 64) in shapes and shapes[-1] == (28, 28, 1), shapes
assert tuple(discriminator.output.shape) == (None, 1)
assert generator.layers[-1].get_config()["activation"] == "tanh", generator.layers[-1].get_config()

# --8<-- [start:norms]
import numpy as np

z = gz.models.DCGAN(image_shape=(28, 28, 1), latent_dim=128, seed=0).sample_latent(2_000, seed=0)
print(f"|z| of prior draws: {np.linalg.norm(z, axis=1).mean():.2f} +- {np.linalg.norm(z, axis=1).std():.2f}")
t = np.linspace(0.0, 1.0, 9)
for name, path in (("lerp", gz.callbacks.lerp), ("slerp", gz.callbacks.slerp)):
    norms = np.array([np.linalg.norm(path(z[i], z[i + 1], t), axis=1) for i in range(0, 2_000, 2)])
    print(f"{name:5s} |z| along the path: " + " ".join(f"{v:5.2f}" for v in norms.mean(axis=0)))
# --8<-- [end:norms]
    if name == "lerp":
        lerp_norms = norms.mean(axis=0)
    else:
        slerp_norms = norms.mean(axis=0)
# endpoints on the shell |z| ~ sqrt(128) = 11.3; the straight line's midpoint is ~ |z| / sqrt(2)
assert abs(lerp_norms[0] - np.sqrt(128)) < 0.2 and abs(lerp_norms[4] - np.sqrt(64)) < 0.2, lerp_norms
assert np.all(np.abs(slerp_norms - np.sqrt(128)) < 0.2), slerp_norms

# --8<-- [start:train]
import os

FAST = os.environ.get("GENZOO_DOCS_FAST") == "1"          # CI: one epoch on 512 images
SPLIT, EPOCHS = ("train[:512]", 1) if FAST else ("train", 3)

ds = gz.data.load("fashion_mnist", split=SPLIT, batch_size=128)
dcgan = gz.models.DCGAN(image_shape=(28, 28, 1), latent_dim=128, seed=0)
dcgan.compile()
history = dcgan.fit(ds, epochs=EPOCHS, verbose=0)
# --8<-- [end:train]
from keras import ops

n_train = 512 if FAST else 60_000
assert int(ops.convert_to_numpy(dcgan.critic_steps)) == EPOCHS * int(np.ceil(n_train / 128))
assert all(np.isfinite(v[-1]) for v in history.history.values()), history.history
images = dcgan.generate(16, seed=0)
assert images.shape == (16, 28, 28, 1) and 0.0 <= images.min() and images.max() <= 1.0
assert np.array_equal(images, dcgan.generate(16, seed=0))

# --8<-- [start:zoo]
import keras_genzoo as gz

dcgan = gz.zoo.load("dcgan_fashion_mnist")
images = dcgan.generate(64, seed=0)     # (64, 28, 28, 1) in [0, 1]
# --8<-- [end:zoo]
assert images.shape == (64, 28, 28, 1) and images.min() >= 0.0 and images.max() <= 1.0
assert dcgan.ema_decay is None and dcgan.generator_ema is None  # the zoo ships the averaged generator as `generator`
