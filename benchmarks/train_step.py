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
    python benchmarks/train_step.py families --markdown   # every registry family, 45 timed steps each

`families` covers all nine registry families (autoencoder, vae, gan, dcgan, wgan, wgangp,
cvae, cgan, acgan) with their paper recipes at 28x28x1 and their default batch sizes: the
package's `fit` against a keras.io-style `train_step` (`tf.GradientTape`, `Mean` loss
trackers) on cloned networks with the package's loss functions, in milliseconds per critic
update (process CPU time and wall time), best of alternated rounds in one process.
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


def reference_critic_loss(score, real, fake, real_out, fake_out, wasserstein, gp_weight):
    """The discriminator's loss as a keras.io-style loop writes it: minimax, or the Wasserstein
    critic loss plus, with `gp_weight`, the gradient penalty taken with its own tape."""
    if not wasserstein:
        return losses.discriminator_minimax_loss(real_out, fake_out)
    loss = losses.wasserstein_critic_loss(real_out, fake_out)
    if gp_weight is not None:
        x_hat = losses.interpolates(real, fake, tf.random.uniform((tf.shape(real)[0],)))
        with tf.GradientTape() as gp_tape:
            gp_tape.watch(x_hat)
            out = score(x_hat)
        loss += gp_weight * losses.gradient_penalty_from_gradients(gp_tape.gradient(out, x_hat))
    return loss


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
        return reference_critic_loss(lambda x: self.discriminator(x, training=True), real, fake, real_out, fake_out,
                                     self.wasserstein, self.gp_weight)

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


# --------------------------------------------------------------------------- every family (registry)
class _Reference(keras.Model):
    """Base of the keras.io-style references: cloned networks (same weights), a `tf.function`
    `train_step` written out by hand with `tf.GradientTape`, and `keras.metrics.Mean` loss
    trackers, as the keras.io examples write them."""

    def __init__(self, zoo_model, names, tracked):
        super().__init__()
        self.names = names
        for name in names:
            net = getattr(zoo_model, name)
            clone = keras.models.clone_model(net)
            clone.set_weights(net.get_weights())
            setattr(self, name, clone)
        self.latent_dim = zoo_model.latent_dim
        self.trackers = {k: keras.metrics.Mean(name=k) for k in tracked}

    @property
    def metrics(self):
        return list(self.trackers.values())

    def track(self, **values):
        for k, v in values.items():
            self.trackers[k].update_state(v)
        return {k: t.result() for k, t in self.trackers.items()}


class AutoencoderReference(_Reference):
    """keras.io's VAE example (`Sampling` + reconstruction + KL, one Adam), on the package's
    networks and loss functions; the plain autoencoder drops the sampling and the KL."""

    def __init__(self, zoo_model):
        self.variational = zoo_model.variational
        self.conditional = isinstance(zoo_model, gz.models.ConditionalVAE)
        tracked = ("loss", "reconstruction_loss") + (("kl_loss",) if self.variational else ())
        super().__init__(zoo_model, ("encoder", "decoder"), tracked)

    def train_step(self, data):
        x, y = (data if self.conditional else (data, None))
        inputs = (lambda t: [t, y]) if self.conditional else (lambda t: t)
        with tf.GradientTape() as tape:
            if self.variational:
                z_mean, z_log_var = self.encoder(inputs(x), training=True)
                eps = tf.random.normal(tf.shape(z_mean))
                z = z_mean + tf.exp(0.5 * z_log_var) * eps
            else:
                z = self.encoder(inputs(x), training=True)
            rec = tf.reduce_mean(losses.bernoulli_reconstruction_loss(x, self.decoder(inputs(z), training=True)))
            loss = rec
            if self.variational:
                kl = tf.reduce_mean(losses.kl_divergence_standard_normal(z_mean, z_log_var))
                loss = rec + kl
        variables = self.encoder.trainable_variables + self.decoder.trainable_variables
        self.optimizer.apply_gradients(zip(tape.gradient(loss, variables), variables))
        if self.variational:
            return self.track(loss=loss, reconstruction_loss=rec, kl_loss=kl)
        return self.track(loss=loss, reconstruction_loss=rec)


class AdversarialReference(_Reference):
    """keras.io's GAN / WGAN-GP examples: `n_critic` critic updates in a Python loop on one
    real batch, then one generator update, inside one `train_step`; the package's networks
    and loss functions; images mapped to [-1, 1] for the tanh generators. Conditional
    families feed the batch's labels to G and D (the package does the same)."""

    def __init__(self, zoo_model):
        super().__init__(zoo_model, ("generator", "discriminator"), ("d_loss", "g_loss"))
        self.n_critic = zoo_model.n_critic
        self.kind = type(zoo_model).__name__
        self.conditional = self.kind in ("ConditionalGAN", "ACGAN")
        self.wasserstein = isinstance(zoo_model, (gz.models.WGAN, gz.models.WGANGP)) or getattr(
            zoo_model, "objective", None) == "wgan-gp"
        self.gp_weight = getattr(zoo_model, "gp_weight", None) if self.kind != "WGAN" else None
        if self.kind == "WGAN":
            clip = gz.networks.ClipConstraint(zoo_model.clip_value)
            for v in self.discriminator.trainable_variables:
                v.constraint = clip
        self.class_loss_weight = getattr(zoo_model, "class_loss_weight", 1.0)
        self.fake_class_loss = getattr(zoo_model, "fake_class_loss", True)

    def compile(self, d_optimizer, g_optimizer, **kwargs):
        super().compile(**kwargs)
        self.d_optimizer, self.g_optimizer = d_optimizer, g_optimizer

    def G(self, z, y):
        return self.generator([z, y] if self.conditional else z, training=True)

    def D(self, x, y):
        return self.discriminator([x, y] if self.kind == "ConditionalGAN" else x, training=True)

    def d_loss(self, real, fake, y):
        if self.kind == "ACGAN":
            (rs, rc), (fs, fc) = self.D(real, y), self.D(fake, y)
            return losses.acgan_discriminator_loss(rs, fs, rc, fc, y, y, self.class_loss_weight, self.fake_class_loss)
        real_out, fake_out = self.D(real, y), self.D(fake, y)
        return reference_critic_loss(lambda x: self.D(x, y), real, fake, real_out, fake_out, self.wasserstein,
                                     self.gp_weight)

    def g_loss(self, fake, y):
        if self.kind == "ACGAN":
            source, classes = self.D(fake, y)
            return losses.acgan_generator_loss(source, classes, y, self.class_loss_weight)
        out = self.D(fake, y)
        return losses.wasserstein_generator_loss(out) if self.wasserstein else losses.generator_non_saturating_loss(out)

    def train_step(self, data):
        real, y = (data if self.conditional else (data, None))
        real = real * 2.0 - 1.0
        batch = tf.shape(real)[0]
        for _ in range(self.n_critic):
            z = tf.random.normal((batch, self.latent_dim))
            with tf.GradientTape() as tape:
                d_loss = self.d_loss(real, tf.stop_gradient(self.G(z, y)), y)
            variables = self.discriminator.trainable_variables
            self.d_optimizer.apply_gradients(zip(tape.gradient(d_loss, variables), variables))
        z = tf.random.normal((batch, self.latent_dim))
        with tf.GradientTape() as tape:
            g_loss = self.g_loss(self.G(z, y), y)
        variables = self.generator.trainable_variables
        self.g_optimizer.apply_gradients(zip(tape.gradient(g_loss, variables), variables))
        return self.track(d_loss=d_loss, g_loss=g_loss)


def family_batches(batch, labels):
    """Real Fashion-MNIST in [0, 1] (uniform noise if it is not installed), from memory."""
    try:
        ds = gz.data.load("fashion_mnist", split="train[:8192]", batch_size=8192, shuffle=False, download=False,
                          with_labels=True)
        x, y = (t.numpy() for t in next(iter(ds)))
    except FileNotFoundError:
        rng = np.random.default_rng(0)
        x, y = rng.uniform(0, 1, (8192, 28, 28, 1)).astype("float32"), rng.integers(0, 10, 8192)
    items = (x, y.astype("int32")) if labels else x
    return tf.data.Dataset.from_tensor_slices(items).shuffle(8192, seed=0).repeat().batch(
        batch, drop_remainder=True).prefetch(tf.data.AUTOTUNE)


def _timed(model, ds, steps):
    c0, w0 = time.process_time(), time.perf_counter()
    model.fit(ds, steps_per_epoch=steps, epochs=1, verbose=0)
    return time.process_time() - c0, time.perf_counter() - w0


def bench_family(name, steps=40, rounds=3, jit="auto", cycle=False):
    """ms per critic update (one package fit step) for the package and its keras.io-style
    reference, same networks, batch and number of updates; best of `rounds` alternated runs
    of `steps // rounds` package steps each (after warm-up), in one process. With `cycle`,
    a family with `n_critic > 1` is compiled with `steps_per_execution=n_critic`: one traced
    call per critic cycle, as the reference's `train_step` is; None for a family with
    `n_critic = 1` (there is no cycle to fuse)."""
    family = gz.models.registry.get(name)
    kwargs = {"num_classes": 10} if family.conditional else {}
    zoo = gz.models.registry.create(name, (28, 28, 1), compile=False, seed=0, **kwargs)
    adversarial = hasattr(zoo, "d_optimizer")
    n = zoo.n_critic if adversarial else 1
    if cycle and n == 1:
        return None
    spe = n if cycle else 1
    zoo.compile(jit_compile=jit, steps_per_execution=spe)
    batch = family.batch_size
    ds = family_batches(batch, family.conditional)
    if adversarial:
        ref = AdversarialReference(zoo)
        d_opt, g_opt = zoo.default_optimizers()
        ref.compile(d_opt, g_opt, jit_compile=jit)
    else:
        ref = AutoencoderReference(zoo)
        ref.compile(optimizer=keras.optimizers.Adam(1e-3), jit_compile=jit)
    per_round = max(n, (steps // rounds) // n * n)
    _timed(zoo, ds, 2 * n)  # traces (both phases) and warms up
    _timed(ref, ds, 2)
    best = {"zoo": (np.inf, np.inf), "ref": (np.inf, np.inf)}
    for _ in range(rounds):
        z = _timed(zoo, ds, per_round)
        r = _timed(ref, ds, per_round // n)
        best["zoo"] = tuple(map(min, best["zoo"], z))
        best["ref"] = tuple(map(min, best["ref"], r))
    (zc, zw), (rc, rw) = best["zoo"], best["ref"]
    ms = 1000.0 / per_round
    return {
        "family": name, "batch": batch, "n_critic": n, "steps_per_execution": spe, "steps": per_round * rounds,
        "zoo_cpu_ms": zc * ms, "ref_cpu_ms": rc * ms, "zoo_wall_ms": zw * ms, "ref_wall_ms": rw * ms,
        "ratio_cpu": rc / zc, "ratio_wall": rw / zw,
    }


def main_families(argv):
    parser = argparse.ArgumentParser(description="Every registry family against a keras.io-style train_step.")
    parser.add_argument("--families", nargs="+", default=list(gz.models.registry.names()))
    parser.add_argument("--steps", type=int, default=45, help="timed package steps per family (split in rounds)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--markdown", action="store_true", help="print a markdown table")
    parser.add_argument("--cycle", action="store_true",
                        help="also time families with n_critic > 1 compiled with steps_per_execution=n_critic")
    args = parser.parse_args(argv)
    print(f"TensorFlow {tf.__version__}, Keras {keras.__version__}, {os.cpu_count()} CPU cores, "
          f"load average {os.getloadavg()[0]:.1f} at start", flush=True)
    print("ms per critic update (one package fit step); ratio = reference / package (> 1: package faster); "
          "best of alternated rounds", flush=True)
    rows = []
    settings = [(name, False) for name in args.families] + [(name, True) for name in args.families if args.cycle]
    for name, cycle in settings:
        row = bench_family(name, args.steps, args.rounds, cycle=cycle)
        if row is None:
            continue
        rows.append(row)
        print(f"{name:12s} batch {row['batch']:4d} n_critic {row['n_critic']} spe {row['steps_per_execution']} "
              f"steps {row['steps']:3d}  "
              f"CPU ms {row['zoo_cpu_ms']:8.1f} vs {row['ref_cpu_ms']:8.1f} (ratio {row['ratio_cpu']:.2f})  "
              f"wall ms {row['zoo_wall_ms']:8.1f} vs {row['ref_wall_ms']:8.1f} (ratio {row['ratio_wall']:.2f})",
              flush=True)
    print(f"load average {os.getloadavg()[0]:.1f} at the end")
    if args.markdown:
        print("\n| family | batch | n_critic | steps_per_execution | package CPU ms/step | reference CPU ms/step "
              "| ratio (CPU) | package wall ms/step | reference wall ms/step | ratio (wall) |")
        print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
        for r in rows:
            print(f"| {r['family']} | {r['batch']} | {r['n_critic']} | {r['steps_per_execution']} | "
                  f"{r['zoo_cpu_ms']:.1f} | {r['ref_cpu_ms']:.1f} | "
                  f"{r['ratio_cpu']:.2f} | {r['zoo_wall_ms']:.1f} | {r['ref_wall_ms']:.1f} | {r['ratio_wall']:.2f} |")
    return rows


def main():
    if sys.argv[1:2] == ["families"]:
        main_families(sys.argv[2:])
        return
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
