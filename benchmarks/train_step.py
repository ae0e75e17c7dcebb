"""Throughput of the adversarial training core against a Keras-guide-style reference.

For each model on Fashion-MNIST-sized data (28x28x1) at its default batch size, prints
critic (discriminator) updates per second and generator updates per second, with XLA
(`jit_compile`) off and on, and the ratio against a reference `train_step` written the way
the Keras guides write a GAN: a Python loop of `n_critic` critic updates (on one real
batch) followed by one generator update, inside one `train_step`. Both sides run the same
networks (cloned weights), the same batch size, and the same number of critic and
generator updates. Ratio = reference seconds / zoo seconds (> 1: the zoo is faster).

Also prints the peak resident memory of a DCGAN run on Fashion-MNIST at batch 128,
measured in a fresh subprocess.

    python benchmarks/train_step.py                  # all models, ~10 s timed per setting
    python benchmarks/train_step.py --models DCGAN --seconds 30
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

import keras_genzoo as gz  # noqa: E402
from keras_genzoo import losses  # noqa: E402


class KerasGuideReference(keras.Model):
    """The reference: n_critic critic updates in a Python loop inside one train_step (one real batch)."""

    def __init__(self, zoo_model):
        super().__init__()
        self.generator = keras.models.clone_model(zoo_model.generator)
        self.discriminator = keras.models.clone_model(zoo_model.discriminator)
        self.generator.set_weights(zoo_model.generator.get_weights())
        self.discriminator.set_weights(zoo_model.discriminator.get_weights())
        if isinstance(zoo_model, gz.models.WGAN):
            clip = gz.networks.ClipConstraint(zoo_model.clip_value)
            for v in self.discriminator.trainable_variables:
                v.constraint = clip
        self.wasserstein = isinstance(zoo_model, (gz.models.WGAN, gz.models.WGANGP))
        self.gp_weight = getattr(zoo_model, "gp_weight", None)
        self.latent_dim = zoo_model.latent_dim
        self.n_critic = zoo_model.n_critic

    def compile(self, d_optimizer, g_optimizer, **kwargs):
        super().compile(**kwargs)
        self.d_optimizer, self.g_optimizer = d_optimizer, g_optimizer

    def critic_loss(self, real, fake, real_out, fake_out):
        if not self.wasserstein:
            return losses.discriminator_minimax_loss(real_out, fake_out)
        loss = losses.wasserstein_critic_loss(real_out, fake_out)
        if self.gp_weight is not None:
            eps = tf.random.uniform((tf.shape(real)[0],))
            x_hat = losses.interpolates(real, fake, eps)
            with tf.GradientTape() as gp_tape:
                gp_tape.watch(x_hat)
                out = self.discriminator(x_hat, training=True)
            loss += self.gp_weight * losses.gradient_penalty_from_gradients(gp_tape.gradient(out, x_hat))
        return loss

    def train_step(self, real):
        batch = tf.shape(real)[0]
        for _ in range(self.n_critic):
            z = tf.random.normal((batch, self.latent_dim))
            with tf.GradientTape() as tape:
                fake = self.generator(z, training=True)
                real_out = self.discriminator(real, training=True)
                fake_out = self.discriminator(fake, training=True)
                d_loss = self.critic_loss(real, fake, real_out, fake_out)
            grads = tape.gradient(d_loss, self.discriminator.trainable_variables)
            self.d_optimizer.apply_gradients(zip(grads, self.discriminator.trainable_variables))
        z = tf.random.normal((batch, self.latent_dim))
        with tf.GradientTape() as tape:
            fake_out = self.discriminator(self.generator(z, training=True), training=True)
            g_loss = (
                losses.wasserstein_generator_loss(fake_out)
                if self.wasserstein
                else losses.generator_non_saturating_loss(fake_out)
            )
        grads = tape.gradient(g_loss, self.generator.trainable_variables)
        self.g_optimizer.apply_gradients(zip(grads, self.generator.trainable_variables))
        return {"d_loss": d_loss, "g_loss": g_loss}


def fashion_batches(batch):
    """A lean input pipeline: one in-memory array of real Fashion-MNIST (or digits-sized noise
    if it is not installed), batched, repeated, prefetched."""
    try:
        ds = gz.data.load("fashion_mnist", split="train[:8192]", batch_size=8192, shuffle=False, download=False)
        x = next(iter(ds)).numpy()
    except FileNotFoundError:
        x = np.random.default_rng(0).uniform(-1, 1, (8192, 28, 28, 1)).astype("float32")
    return tf.data.Dataset.from_tensor_slices(x).shuffle(8192, seed=0).repeat().batch(batch, drop_remainder=True).prefetch(
        tf.data.AUTOTUNE
    )


def time_fit(model, ds, steps, warmup):
    if warmup:
        model.fit(ds, steps_per_epoch=warmup, epochs=1, verbose=0)  # traces and compiles
    start = time.perf_counter()
    model.fit(ds, steps_per_epoch=steps, epochs=1, verbose=0)
    return time.perf_counter() - start


def calibrate(model, ds, seconds, multiple):
    """Critic updates that take about `seconds` (a multiple of `multiple`), from a short timed run."""
    probe = 2 * multiple
    rate = probe / time_fit(model, ds, probe, warmup=probe)
    updates = int(rate * seconds)
    return max(multiple, updates - updates % multiple)


def build(name, jit):
    cls = getattr(gz.models, name)
    model = cls(image_shape=(28, 28, 1), latent_dim=128, seed=0)
    model.compile(jit_compile=jit)
    return model


def bench(name, seconds, jit, repeats=3):
    """Best-of-`repeats` times of the zoo and the reference, alternated so that drift in the
    machine's speed affects both alike."""
    zoo = build(name, jit)
    batch = zoo.default_batch_size
    ds = fashion_batches(batch)
    n = zoo.n_critic
    ref = KerasGuideReference(zoo)
    d_opt, g_opt = zoo.default_optimizers()
    ref.compile(d_opt, g_opt, jit_compile=jit)
    updates = calibrate(zoo, ds, seconds / repeats, n)
    ref.fit(ds, steps_per_epoch=2, epochs=1, verbose=0)  # trace and compile the reference too
    t_zoo = t_ref = float("inf")
    for _ in range(repeats):
        t_zoo = min(t_zoo, time_fit(zoo, ds, updates, warmup=0))
        t_ref = min(t_ref, time_fit(ref, ds, updates // n, warmup=0))
    return {
        "model": name,
        "batch": batch,
        "jit": jit,
        "critic/s": updates / t_zoo,
        "gen/s": updates / n / t_zoo,
        "ref critic/s": updates / t_ref,
        "ratio": t_ref / t_zoo,
    }


def peak_memory_dcgan(steps=30):
    """Peak RSS (GiB) of a fresh process training DCGAN on Fashion-MNIST at batch 128."""
    code = (
        "import os; os.environ['TF_CPP_MIN_LOG_LEVEL']='2'\n"
        "import keras_genzoo as gz\n"
        "ds = gz.data.load('fashion_mnist', batch_size=128, drop_remainder=True, download=False)\n"
        "m = gz.models.DCGAN(image_shape=(28, 28, 1), latent_dim=128, seed=0); m.compile()\n"
        f"m.fit(ds, steps_per_epoch={steps}, epochs=1, verbose=0)\n"
        "print([l.split()[1] for l in open('/proc/self/status') if l.startswith('VmHWM')][0])\n"
    )
    # VmHWM is the peak of this process's own address space; ru_maxrss would include the
    # parent's peak, which Linux carries across fork and exec.
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return int(out.stdout.strip().splitlines()[-1]) / 1024**2


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="+", default=["GAN", "DCGAN", "WGAN", "WGANGP"])
    parser.add_argument("--seconds", type=float, default=15.0, help="about how long the zoo's timed runs last in all")
    parser.add_argument("--no-memory", action="store_true")
    args = parser.parse_args()

    print(f"TensorFlow {tf.__version__}, Keras {keras.__version__}, {os.cpu_count()} CPU cores")
    header = f"{'model':8} {'batch':>5} {'jit':>5} {'critic/s':>9} {'gen/s':>7} {'ref critic/s':>12} {'ratio':>6}"
    print("ratio = reference time / zoo time for the same critic and generator updates (> 1: zoo faster)")
    print(header)
    print("-" * len(header))
    for name in args.models:
        for jit in (False, True):
            row = bench(name, args.seconds, jit)
            print(
                f"{row['model']:8} {row['batch']:>5} {str(row['jit']):>5} {row['critic/s']:>9.2f} "
                f"{row['gen/s']:>7.2f} {row['ref critic/s']:>12.2f} {row['ratio']:>6.2f}",
                flush=True,
            )
    if not args.no_memory:
        print(f"DCGAN, Fashion-MNIST, batch 128: peak RSS {peak_memory_dcgan():.2f} GiB (target < 3 GiB)")


if __name__ == "__main__":
    main()
