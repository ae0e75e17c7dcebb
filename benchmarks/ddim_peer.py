"""Our diffusion recipe against a re-implementation of keras.io's DDIM example, at equal training seconds.

    python benchmarks/ddim_peer.py --budget 3600 --every 600                 # one hour each
    python benchmarks/ddim_peer.py --budget 60 --every 30 --num-samples 500  # a quick look

The peer follows keras.io's "Denoising Diffusion Implicit Models" (A. Béres, 2022) as
published, on Fashion-MNIST instead of Oxford Flowers:
- its U-Net: widths 32/64/96/128 with 2 residual blocks per level, batch norm without scale or
  centre, swish, and a sinusoidal embedding (32 dimensions, frequencies 1 to 1000) of the noise
  variance, upsampled and joined to the image. At 28x28 it pools twice instead of three times
  (28 -> 14 -> 7; three poolings would leave 3x3 maps that do not upsample back to 7);
- its schedule: cosine signal and noise rates between 0.02 and 0.95;
- its training: noise prediction with the mean absolute error, AdamW(1e-3, weight decay 1e-4),
  batch 64, weights averaged with decay 0.999, images normalised by a `Normalization` layer
  adapted on the training set;
- its sampler: deterministic DDIM.

Ours is `gz.models.create("diffusion", recipe="fast")` (see the registry for the recipe). Both
train on the same Fashion-MNIST training batches (batch 64, the same seed), on this process's
Keras backend (TensorFlow: the peer's train_step uses tf.GradientTape, as on keras.io).
Training alternates with evaluation: every `--every` training seconds each model is stopped
and measured. FD is computed with the fashion_mnist evaluator on `--num-samples` samples (DDIM,
`--steps` steps for both) against the first as many test images; evaluation time is not
counted as training time. The script prints FD for both at each checkpoint, and the ratio of
the training time our model needs to reach the peer's final FD to the peer's total
(goal: at most 0.5; it is read at the checkpoints, so its resolution is `--every / --budget`).
Results go to `benchmarks/results/ddim_peer.json`.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import keras  # noqa: E402
import numpy as np  # noqa: E402
from keras import layers, ops  # noqa: E402

EMBEDDING_DIMS, EMBEDDING_MAX_FREQUENCY = 32, 1000.0
WIDTHS, BLOCK_DEPTH = (32, 64, 96, 128), 2
MIN_SIGNAL_RATE, MAX_SIGNAL_RATE = 0.02, 0.95


def sinusoidal_embedding(x):
    frequencies = ops.exp(ops.linspace(math.log(1.0), math.log(EMBEDDING_MAX_FREQUENCY), EMBEDDING_DIMS // 2))
    angular_speeds = ops.cast(2.0 * math.pi * frequencies, "float32")
    return ops.concatenate([ops.sin(angular_speeds * x), ops.cos(angular_speeds * x)], axis=3)


def residual_block(width):
    def apply(x):
        residual = x if x.shape[3] == width else layers.Conv2D(width, 1)(x)
        x = layers.BatchNormalization(center=False, scale=False)(x)
        x = layers.Conv2D(width, 3, padding="same", activation="swish")(x)
        x = layers.Conv2D(width, 3, padding="same")(x)
        return layers.Add()([x, residual])

    return apply


def peer_network(image_shape):
    """keras.io's DDIM U-Net for `image_shape`, pooling after every down level but the last."""
    images = keras.Input(image_shape)
    noise_variances = keras.Input((1, 1, 1))
    e = layers.Lambda(sinusoidal_embedding, output_shape=(1, 1, EMBEDDING_DIMS))(noise_variances)
    e = layers.UpSampling2D(size=image_shape[:2], interpolation="nearest")(e)
    x = layers.Concatenate()([layers.Conv2D(WIDTHS[0], 1)(images), e])
    skips = []
    down = WIDTHS[:-1]
    for level, width in enumerate(down):
        for _ in range(BLOCK_DEPTH):
            x = residual_block(width)(x)
            skips.append(x)
        if level < len(down) - 1:
            x = layers.AveragePooling2D(2)(x)
    for _ in range(BLOCK_DEPTH):
        x = residual_block(WIDTHS[-1])(x)
    for level, width in reversed(list(enumerate(down))):
        if level < len(down) - 1:
            x = layers.UpSampling2D(2, interpolation="bilinear")(x)
        for _ in range(BLOCK_DEPTH):
            x = layers.Concatenate()([x, skips.pop()])
            x = residual_block(width)(x)
    out = layers.Conv2D(image_shape[2], 1, kernel_initializer="zeros")(x)
    return keras.Model([images, noise_variances], out, name="peer_unet")


class PeerDDIM(keras.Model):
    """keras.io's DiffusionModel (TensorFlow train_step), for the comparison only."""

    def __init__(self, image_shape, seed=0):
        super().__init__()
        self.image_shape = tuple(image_shape)
        self.normalizer = layers.Normalization()
        self.network = peer_network(self.image_shape)
        self.ema_network = peer_network(self.image_shape)  # clone_model cannot rebuild the Lambda layer
        self.ema_network.set_weights(self.network.get_weights())
        self.seed_generator = keras.random.SeedGenerator(seed)
        self.noise_loss_tracker = keras.metrics.Mean(name="n_loss")

    @property
    def metrics(self):
        return [self.noise_loss_tracker]

    def denormalize(self, images):
        images = self.normalizer.mean + images * self.normalizer.variance**0.5
        return ops.clip(images, 0.0, 1.0)

    def diffusion_schedule(self, diffusion_times):
        start_angle = ops.cast(ops.arccos(MAX_SIGNAL_RATE), "float32")
        end_angle = ops.cast(ops.arccos(MIN_SIGNAL_RATE), "float32")
        angles = start_angle + diffusion_times * (end_angle - start_angle)
        return ops.sin(angles), ops.cos(angles)  # noise rates, signal rates

    def denoise(self, noisy_images, noise_rates, signal_rates, training):
        network = self.network if training else self.ema_network
        pred_noises = network([noisy_images, noise_rates**2], training=training)
        pred_images = (noisy_images - noise_rates * pred_noises) / signal_rates
        return pred_noises, pred_images

    def generate(self, n, steps, seed=0):
        x = keras.random.normal((n,) + self.image_shape, seed=seed)
        step_size = 1.0 / steps
        for step in range(steps):
            diffusion_times = ops.ones((n, 1, 1, 1)) - step * step_size
            noise_rates, signal_rates = self.diffusion_schedule(diffusion_times)
            pred_noises, pred_images = self.denoise(x, noise_rates, signal_rates, training=False)
            next_noise_rates, next_signal_rates = self.diffusion_schedule(diffusion_times - step_size)
            x = next_signal_rates * pred_images + next_noise_rates * pred_noises
        return ops.convert_to_numpy(self.denormalize(pred_images))

    def train_step(self, images):
        import tensorflow as tf

        images = self.normalizer(images, training=True)
        batch = ops.shape(images)[0]
        noises = keras.random.normal(ops.shape(images), seed=self.seed_generator)
        diffusion_times = keras.random.uniform((batch, 1, 1, 1), seed=self.seed_generator)
        noise_rates, signal_rates = self.diffusion_schedule(diffusion_times)
        noisy_images = signal_rates * images + noise_rates * noises
        with tf.GradientTape() as tape:
            pred_noises, _ = self.denoise(noisy_images, noise_rates, signal_rates, training=True)
            noise_loss = ops.mean(ops.abs(noises - pred_noises))
        gradients = tape.gradient(noise_loss, self.network.trainable_weights)
        self.optimizer.apply_gradients(zip(gradients, self.network.trainable_weights))
        self.noise_loss_tracker.update_state(noise_loss)
        for weight, ema_weight in zip(self.network.weights, self.ema_network.weights):
            ema_weight.assign(0.999 * ema_weight + (1 - 0.999) * weight)
        return {m.name: m.result() for m in self.metrics}


class StopAfter(keras.callbacks.Callback):
    """Stops `fit` once `seconds` of training have passed (checked after every batch)."""

    def __init__(self, seconds):
        super().__init__()
        self.seconds = seconds

    def on_train_begin(self, logs=None):
        self.start = time.perf_counter()

    def on_train_batch_end(self, batch, logs=None):
        if time.perf_counter() - self.start >= self.seconds:
            self.model.stop_training = True


def train_for(model, dataset, seconds):
    """Trains `model` on `dataset` (repeated) for about `seconds`; returns the seconds spent."""
    start = time.perf_counter()
    model.fit(dataset, epochs=1, steps_per_epoch=10**9, callbacks=[StopAfter(seconds)], verbose=0)
    return time.perf_counter() - start


def first_reaching(curve, target):
    """The training seconds of the first checkpoint of `curve` whose FD is at most `target` (None if none)."""
    return next((row["train_seconds"] for row in curve if row["fd"] <= target), None)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget", type=float, default=3600.0, help="training seconds for each model")
    parser.add_argument("--every", type=float, default=600.0, help="training seconds between evaluations")
    parser.add_argument("--num-samples", type=int, default=2000)
    parser.add_argument("--steps", type=int, default=50, help="DDIM steps for both models")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "ddim_peer.json")
    args = parser.parse_args(argv)

    import keras_genzoo as gz
    from keras_genzoo import metrics
    from keras_genzoo.zoo import cards

    keras.utils.set_random_seed(args.seed)
    shape = (28, 28, 1)
    real, _ = cards.test_images("fashion_mnist", args.num_samples)

    def images_only(x, *rest):
        return x

    train = gz.data.load("fashion_mnist", split="train", batch_size=64, seed=args.seed, drop_remainder=True)
    train = train.map(images_only).repeat()

    ours = gz.models.create("diffusion", shape, recipe="fast", seed=args.seed)
    peer = PeerDDIM(shape, seed=args.seed)
    x_train = np.concatenate([b.numpy() for b in gz.data.load("fashion_mnist", split="train", batch_size=1000)
                              .map(images_only)])
    peer.normalizer.adapt(x_train)
    peer.compile(optimizer=keras.optimizers.AdamW(learning_rate=1e-3, weight_decay=1e-4))

    curves = {"ours": [], "peer": []}
    models = {"ours": (ours, lambda n: ours.generate(n, seed=1, steps=args.steps)),
              "peer": (peer, lambda n: peer.generate(n, args.steps, seed=1))}
    for name, (model, sample) in models.items():
        trained = 0.0
        while trained < args.budget - 1e-6:
            trained += train_for(model, train, min(args.every, args.budget - trained))
            fd = metrics.frechet_distance(real, sample(args.num_samples), extractor="fashion_mnist",
                                          n=args.num_samples, verbose=0).value
            curves[name].append({"train_seconds": round(trained, 1), "fd": fd})
            print(f"{name:4s} {trained:8.0f} s  FD {fd:8.2f}", flush=True)

    peer_final, peer_seconds = curves["peer"][-1]["fd"], curves["peer"][-1]["train_seconds"]
    ours_reach = first_reaching(curves["ours"], peer_final)
    ratio = None if ours_reach is None else ours_reach / peer_seconds
    print(f"peer's final FD {peer_final:.2f} after {peer_seconds:.0f} s; ours reaches it after "
          f"{'never' if ours_reach is None else f'{ours_reach:.0f} s'} (ratio "
          f"{'n/a' if ratio is None else f'{ratio:.2f}'}; goal <= 0.5)")
    result = {"protocol": {"dataset": "fashion_mnist", "fd": f"fashion_mnist evaluator, {args.num_samples} samples "
                           f"against the first {len(real)} test images", "sampler": f"DDIM, {args.steps} steps",
                           "budget_seconds": args.budget, "every_seconds": args.every, "backend": keras.backend.backend(),
                           "machine": cards.machine()},
              "curves": curves, "peer_final_fd": peer_final, "ours_seconds_to_peer_final": ours_reach,
              "time_ratio": ratio}
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"Wrote {args.out}")


if __name__ == "__main__":
    main()
