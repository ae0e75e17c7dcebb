"""Image grids while a model trains: samples from fixed latent vectors, and latent interpolations."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from keras_genzoo.callbacks.base import GenerativeCallback, writable_directory
from keras_genzoo.metrics.extractors import check_images
from keras_genzoo.utils.interpolation import METHODS, interpolation_path, lerp
from keras_genzoo.utils.labels import cycling_labels
from keras_genzoo.utils import image_grid, save_image
from keras_genzoo.utils.validation import check_choice, check_positive_int

def interpolation_latents(model, num_pairs=8, steps=10, method="slerp", seed=0, real_images=None):
    """Latent paths `(num_pairs, steps, latent_dim)`; endpoints are prior samples, or the
    encodings (latent means) of `real_images` pairs `(x_a, x_b)` for models with `encode`.

    Example:

        >>> model = gz.models.DCGAN(image_shape=(8, 8, 1), latent_dim=4, base_filters=4)
        >>> paths = gz.callbacks.interpolation_latents(model, num_pairs=3, steps=5)
        >>> paths.shape  # (num_pairs, steps, latent_dim)
        (3, 5, 4)
        >>> images = model.generate(15, z=paths.reshape(15, 4))
        >>> images.shape
        (15, 8, 8, 1)
    """
    num_pairs = check_positive_int(num_pairs, "num_pairs")
    steps = check_positive_int(steps, "steps", minimum=2)
    check_choice(method, "method", METHODS)
    if real_images is not None:
        if not callable(getattr(model, "encode", None)):
            raise TypeError(f"real_images needs a model with encode(); {type(model).__name__} has none.")
        x_a, x_b = (check_images(x, f"real_images[{i}]") for i, x in enumerate(real_images))
        codes = [model.encode(x[:num_pairs]) for x in (x_a, x_b)]
        z_a, z_b = [c[0] if isinstance(c, tuple) else c for c in codes]
    else:
        anchors = model.sample_latent(2 * num_pairs, seed=seed)
        z_a, z_b = anchors[0::2], anchors[1::2]
    if len(z_a) < num_pairs or len(z_b) < num_pairs:
        raise ValueError(f"need {num_pairs} pairs of real images, got {len(z_a)} and {len(z_b)}.")
    return np.stack([interpolation_path(z_a[i], z_b[i], steps, method) for i in range(num_pairs)])


def interpolation_grid(model, num_pairs=8, steps=10, method="slerp", seed=0, real_images=None, latents=None,
                       labels=None):
    """A uint8 grid: one row per pair, `steps` columns walking between two fixed latent points.

    Usable outside `fit`:
    `save_image(interpolation_grid(model), "interp.png")`. Returns `(grid, images)` where
    `images` is `(num_pairs, steps, H, W, C)` in [0, 1].

    For a conditional model (one with `num_classes`) the label is held fixed along each row:
    `labels` gives one class per row (default: row `i` shows class `i % num_classes`).

    Example:

        >>> model = gz.models.DCGAN(image_shape=(8, 8, 1), latent_dim=4, base_filters=4)
        >>> grid, images = gz.callbacks.interpolation_grid(model, num_pairs=2, steps=5)
        >>> grid.dtype, grid.ndim, images.shape
        (dtype('uint8'), 2, (2, 5, 8, 8, 1))
    """
    if latents is None:
        latents = interpolation_latents(model, num_pairs, steps, method, seed, real_images)
    pairs, steps = latents.shape[:2]
    z = latents.reshape(pairs * steps, -1)
    if getattr(model, "is_conditional", False):
        row_labels = cycling_labels(pairs, model.num_classes) if labels is None else np.asarray(labels)
        if row_labels.shape != (pairs,):
            raise ValueError(f"labels must give one class per row: expected {pairs}, got shape {row_labels.shape}.")
        images = model.generate(pairs * steps, labels=np.repeat(row_labels, steps), z=z)
    elif labels is not None:
        raise ValueError(f"{type(model).__name__} is not a conditional model: it takes no labels.")
    else:
        images = model.generate(pairs * steps, z=z)
    return image_grid(images, rows=pairs, cols=steps), images.reshape((pairs, steps) + images.shape[1:])


def class_interpolation_grid(model, pairs=None, steps=10, seed=0):
    """A uint8 grid walking between classes: each row keeps one latent vector `z` fixed and
    moves the label embedding linearly from class `a` to class `b`.

    Needs a conditional GAN whose generator embeds labels (`ConditionalGAN`, `ACGAN`): the
    model's `label_embeddings()` gives the learned embedding of every class and
    `generate_from_embeddings(z, embeddings)` decodes any embedding vector, also those
    between classes (see `keras_genzoo.networks.conditional_generator`).

    Args:
        pairs: `(a, b)` class pairs, one per row; default `(c, c + 1 mod K)` for every class c.
        steps: columns per row, endpoints included (>= 2).
        seed: seeds the rows' latent vectors.

    Returns:
        `(grid, images)` with `images` of shape `(len(pairs), steps, H, W, C)` in [0, 1].

    Example:

        >>> cgan = gz.models.ConditionalGAN(image_shape=(8, 8, 1), num_classes=3, latent_dim=4,
        ...                                 base_filters=4)
        >>> grid, images = gz.callbacks.class_interpolation_grid(cgan, steps=5)  # rows 0->1, 1->2, 2->0
        >>> grid.dtype, images.shape
        (dtype('uint8'), (3, 5, 8, 8, 1))
        >>> _, images = gz.callbacks.class_interpolation_grid(cgan, pairs=[(0, 2)], steps=4)
        >>> images.shape
        (1, 4, 8, 8, 1)
    """
    for name in ("label_embeddings", "generate_from_embeddings", "sample_latent"):
        if not callable(getattr(model, name, None)):
            raise TypeError(
                f"class interpolation needs a conditional GAN with {name}() (ConditionalGAN, ACGAN); "
                f"{type(model).__name__} has none."
            )
    steps = check_positive_int(steps, "steps", minimum=2)
    embeddings = np.asarray(model.label_embeddings(), np.float32)
    k = len(embeddings)
    pairs = [(c, (c + 1) % k) for c in range(k)] if pairs is None else [tuple(p) for p in pairs]
    if not pairs or any(len(p) != 2 for p in pairs):
        raise ValueError(f"pairs must be (a, b) class pairs, got {pairs!r}.")
    flat = np.asarray(pairs).ravel()
    if not np.issubdtype(flat.dtype, np.integer) or flat.min() < 0 or flat.max() >= k:
        raise ValueError(f"pairs must hold integer classes in [0, {k}), got {pairs!r}.")
    t = np.linspace(0.0, 1.0, steps)
    path = np.concatenate([lerp(embeddings[a], embeddings[b], t) for a, b in pairs])
    z = np.repeat(model.sample_latent(len(pairs), seed=seed), steps, axis=0)
    images = model.generate_from_embeddings(z, path)
    grid = image_grid(images, rows=len(pairs), cols=steps)
    return grid, images.reshape((len(pairs), steps) + images.shape[1:])


class SampleGrid(GenerativeCallback):
    """Saves `directory/epoch_XXX.png`: a grid of samples from the **same latent vectors every
    epoch**, so epochs can be compared.

    For a conditional model (one with `num_classes` and `generate(n, labels=...)`) the grid
    has one row per class; column `j` uses the same latent vector in every row (when the
    model has `sample_latent`), so a column shows one "style" across the classes.

    Args:
        directory: output folder (created; checked for writability at construction).
        num_samples: images per grid; a perfect square, or a multiple of `rows`.
        every_n_epochs: write every n-th epoch.
        seed: seeds the fixed latent vectors.
        rows: grid rows (default: the square root of `num_samples`; for conditional
            models, `num_classes`).
        samples_per_class: columns of a conditional model's grid (default:
            `num_samples // num_classes`, at least 1).
        tensorboard_dir: also write TensorBoard image summaries there.

    Example:

        >>> import os, shutil, tempfile
        >>> folder = tempfile.mkdtemp()
        >>> model = gz.models.DCGAN(image_shape=(8, 8, 1), latent_dim=4, base_filters=4)
        >>> model.compile()
        >>> x = np.random.default_rng(0).random((16, 8, 8, 1), dtype="float32")
        >>> grid = gz.callbacks.SampleGrid(folder, num_samples=4)
        >>> _ = model.fit(x, batch_size=8, epochs=2, callbacks=[grid], verbose=0)
        >>> sorted(os.listdir(folder))
        ['epoch_001.png', 'epoch_002.png']
        >>> shutil.rmtree(folder)
    """

    def __init__(self, directory, num_samples=64, every_n_epochs=1, seed=0, rows=None, tensorboard_dir=None,
                 samples_per_class=None):
        super().__init__(every_n_epochs)
        self.samples_per_class = None if samples_per_class is None else check_positive_int(samples_per_class,
                                                                                          "samples_per_class")
        self._labels = None
        num_samples = check_positive_int(num_samples, "num_samples")
        if rows is None:
            rows = math.isqrt(num_samples)
            if rows * rows != num_samples:
                raise ValueError(f"num_samples={num_samples} is not a square; pass rows= that divides it.")
        rows = check_positive_int(rows, "rows")
        if num_samples % rows:
            raise ValueError(f"num_samples={num_samples} does not fill {rows} rows evenly.")
        self.directory = writable_directory(directory)
        self.num_samples, self.rows, self.cols, self.seed = num_samples, rows, num_samples // rows, seed
        if tensorboard_dir is not None:
            try:
                import tensorboard  # noqa: F401 - tf.summary.image needs it
            except ImportError as e:
                raise ValueError(
                    "tensorboard_dir needs the tensorboard package: pip install 'keras-genzoo[tensorboard]'."
                ) from e
            writable_directory(tensorboard_dir)
        self.tensorboard_dir = tensorboard_dir
        self._writer = None
        self._latents = None
        self.paths = []

    def on_train_begin(self, logs=None):
        super().on_train_begin(logs)
        if self._latents is None and getattr(self.model, "is_conditional", False):
            self._init_conditional_grid()
        elif self._latents is None:
            self._latents = self.model.sample_latent(self.num_samples, seed=self.seed)
        if self.tensorboard_dir is not None and self._writer is None:
            import tensorflow as tf

            self._writer = tf.summary.create_file_writer(str(self.tensorboard_dir))

    def _init_conditional_grid(self):
        """One row per class; every row reuses the same `cols` latent vectors."""
        k = int(self.model.num_classes)
        cols = self.samples_per_class or max(1, self.num_samples // k)
        self.rows, self.cols = k, cols
        self._labels = np.repeat(np.arange(k, dtype=np.int32), cols)
        if callable(getattr(self.model, "sample_latent", None)):
            self._latents = np.tile(self.model.sample_latent(cols, seed=self.seed), (k, 1))

    def _samples(self):
        if self._labels is None:
            return self.model.generate(self.num_samples, z=self._latents)
        if self._latents is not None:
            return self.model.generate(len(self._labels), labels=self._labels, z=self._latents)
        return self.model.generate(len(self._labels), labels=self._labels, seed=self.seed)

    def on_due_epoch(self, epoch, logs):
        images = self._samples()
        if not self.is_chief():
            return
        grid = image_grid(images, rows=self.rows, cols=self.cols)
        path = save_image(grid, self.directory / f"epoch_{epoch + 1:03d}.png")
        self.paths.append(path)
        if self._writer is not None:
            import tensorflow as tf

            with self._writer.as_default():
                tf.summary.image("samples", (grid[None, ..., None] if grid.ndim == 2 else grid[None]), step=epoch + 1)
            self._writer.flush()


class LatentInterpolation(GenerativeCallback):
    """Saves `directory/interpolation_epoch_XXX.png`: each row walks between two fixed latent
    points (spherical interpolation by default); with `gif=True`, `interpolation.gif` of the
    last epoch, one frame per step. With `real_images=(x_a, x_b)` a VAE/AE walks between the
    encodings of real images instead.

    For a conditional model each row holds its label fixed (row `i` shows class
    `i % num_classes`), and for a conditional GAN with label embeddings (`ConditionalGAN`,
    `ACGAN`) `class_interpolation_epoch_XXX.png` is saved too: per row a fixed latent vector
    while the label embedding walks from class `c` to class `c + 1` (`class_interpolation_grid`).

    Example:

        >>> import os, shutil, tempfile
        >>> folder = tempfile.mkdtemp()
        >>> model = gz.models.DCGAN(image_shape=(8, 8, 1), latent_dim=4, base_filters=4)
        >>> model.compile()
        >>> x = np.random.default_rng(0).random((16, 8, 8, 1), dtype="float32")
        >>> walk = gz.callbacks.LatentInterpolation(folder, num_pairs=2, steps=4)
        >>> _ = model.fit(x, batch_size=8, epochs=1, callbacks=[walk], verbose=0)
        >>> sorted(os.listdir(folder))
        ['interpolation.gif', 'interpolation_epoch_001.png']
        >>> shutil.rmtree(folder)
    """

    def __init__(self, directory, num_pairs=8, steps=10, method="slerp", seed=0, every_n_epochs=1, gif=True,
                 real_images=None):
        super().__init__(every_n_epochs)
        self.num_pairs = check_positive_int(num_pairs, "num_pairs")
        self.steps = check_positive_int(steps, "steps", minimum=2)
        check_choice(method, "method", METHODS)
        self.directory = writable_directory(directory)
        self.method, self.seed, self.gif, self.real_images = method, seed, gif, real_images
        self._latents = None
        self._last_images = None
        self.paths = []

    def on_train_begin(self, logs=None):
        super().on_train_begin(logs)
        if self._latents is None:
            self._latents = interpolation_latents(
                self.model, self.num_pairs, self.steps, self.method, self.seed, self.real_images
            )

    def on_due_epoch(self, epoch, logs):
        grid, images = interpolation_grid(self.model, latents=self._latents)
        self._last_images = images
        if self.is_chief():
            self.paths.append(save_image(grid, self.directory / f"interpolation_epoch_{epoch + 1:03d}.png"))
        if getattr(self.model, "is_conditional", False) and callable(getattr(self.model, "generate_from_embeddings", None)):
            class_grid, _ = class_interpolation_grid(self.model, steps=self.steps, seed=self.seed)
            if self.is_chief():
                self.paths.append(save_image(class_grid, self.directory / f"class_interpolation_epoch_{epoch + 1:03d}.png"))

    def on_train_end(self, logs=None):
        if self.gif and self._last_images is not None and self.is_chief():
            frames = [image_grid(self._last_images[:, s], rows=1) for s in range(self.steps)]
            frames += frames[::-1][1:-1]  # walk there and back
            save_image(frames, Path(self.directory) / "interpolation.gif")
