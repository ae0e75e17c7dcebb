"""Run by tests/test_distribute.py in a fresh process (logical devices must be set up first).

For each model family: one training step under MirroredStrategy on two logical CPU devices
with a global batch must give the same weights as one step on one device with the same
data and the same noise. Noise is injected as a deterministic function of each example, so
it does not depend on how the batch is split. Prints one JSON line per model.
"""

import json
import os
import sys

os.environ["TF_CPP_MIN_LOG_LEVEL"] = "2"

import tensorflow as tf  # noqa: E402

cpu = tf.config.list_physical_devices("CPU")[0]
tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)

import numpy as np  # noqa: E402

import keras_genzoo as gz  # noqa: E402
from tiny_families import InjectedNoise  # noqa: E402


def make(name):
    base = {
        "GAN": lambda: gz.models.GAN(data_shape=(6,), latent_dim=3, hidden_units=(16, 16), seed=0),
        "DCGAN": lambda: gz.models.DCGAN(image_shape=(8, 8, 1), latent_dim=4, base_filters=4, sync_batch_norm=True,
                                         seed=0),
        "WGANGP": lambda: gz.models.WGANGP(image_shape=(8, 8, 1), latent_dim=4, base_filters=4, n_critic=1,
                                           sync_batch_norm=True, seed=0),
        "WGAN": lambda: gz.models.WGAN(data_shape=(6,), latent_dim=3, n_critic=1, seed=0),
        "VAE": lambda: gz.models.VAE(image_shape=(8, 8, 1), latent_dim=2, base_filters=4, seed=0),
        # the averaged generator is updated inside the replicated step
        "DCGAN_EMA": lambda: gz.models.DCGAN(image_shape=(8, 8, 1), latent_dim=4, base_filters=4, sync_batch_norm=True,
                                             ema_decay=0.5, seed=0),
        "ConditionalGAN": lambda: gz.models.ConditionalGAN(image_shape=(8, 8, 1), num_classes=3, latent_dim=4,
                                                           base_filters=4, embedding_dim=4, sync_batch_norm=True, seed=0),
        "ACGAN": lambda: gz.models.ACGAN(image_shape=(8, 8, 1), num_classes=3, latent_dim=4, base_filters=4,
                                         embedding_dim=4, sync_batch_norm=True, seed=0),
        "ConditionalVAE": lambda: gz.models.ConditionalVAE(image_shape=(8, 8, 1), num_classes=3, latent_dim=2,
                                                           base_filters=4, seed=0),
    }[name]()
    cls = type(f"Injected{name}", (InjectedNoise, type(base)), {})
    return cls.from_config(base.get_config())


def data_for(name):
    rng = np.random.default_rng(0)
    if name in ("GAN", "WGAN"):
        return rng.normal(size=(8, 6)).astype("float32")
    x = rng.uniform(0, 1, (8, 8, 8, 1)).astype("float32")
    if name in CONDITIONAL:
        return x, np.array([0, 1, 2, 0, 1, 2, 2, 1], np.int32)
    return x


CONDITIONAL = ("ConditionalGAN", "ACGAN", "ConditionalVAE")


def compared(model):
    """Trainable weights, and the averaged generator's weights when there is one."""
    ema = getattr(model, "generator_ema", None)
    return list(model.trainable_variables) + (list(ema.variables) if ema is not None else [])


def one_step(name, strategy):
    with strategy.scope():
        model = make(name)
        model.compile()
    x = data_for(name)
    ds = tf.data.Dataset.from_tensor_slices(x).batch(8)
    logs = model.fit(ds, epochs=1, verbose=0).history
    return [v.numpy() for v in compared(model)], {k: float(v[-1]) for k, v in logs.items()}


results = []
for name in sys.argv[1:]:
    single, logs_1 = one_step(name, tf.distribute.get_strategy())
    mirrored, logs_2 = one_step(name, tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"]))
    max_diff = max(float(np.max(np.abs(a - b))) for a, b in zip(single, mirrored))
    moved = max(float(np.max(np.abs(a - b))) for a, b in zip(single, [v.numpy() for v in compared(make(name))]))
    log_diff = max(abs(logs_1[k] - logs_2[k]) for k in logs_1)
    print(json.dumps({"model": name, "max_weight_diff": max_diff, "moved": moved, "max_log_diff": log_diff}))
