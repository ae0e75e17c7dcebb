"""Metrics during `fit`: the Fréchet distance and mode coverage written into the epoch logs,
where `History`, `ModelCheckpoint(monitor="fid")`, `EarlyStopping` and TensorBoard see them.

Put these callbacks *before* `ModelCheckpoint` / `EarlyStopping` in the `callbacks` list:
Keras calls callbacks in order, so the later ones read the value written by the earlier.
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from keras_genzoo.callbacks.base import GenerativeCallback
from keras_genzoo.metrics.extractors import check_images, get_extractor, iterate_images
from keras_genzoo.metrics.fid import feature_statistics
from keras_genzoo.metrics.frechet import FeatureStatistics, frechet_distance_from_stats
from keras_genzoo.metrics.protocol import statistics_hash
from keras_genzoo.metrics.scores import mode_coverage_from_probabilities
from keras_genzoo.utils.labels import cycling_labels
from keras_genzoo.utils.validation import check_positive_int


class FIDCallback(GenerativeCallback):
    """Writes `fid` (the Fréchet distance in the extractor's feature space) into the logs.

    The reference statistics of `real_data` are computed once, when training begins (so
    that bad real data fail before the first epoch, not after it), and cached. Each record of `protocols` (one per measured epoch) says how the value was
    measured.

    Args:
        real_data: real images in [0, 1] (array or `tf.data` dataset, e.g.
            `gz.data.load(name, split="test")`).
        every_n_epochs: measure every n-th epoch.
        num_samples: generated samples per measurement (and at most this many real images).
        extractor: `"fashion_mnist"`, `"digits"`, `"inception_v3"` or a `keras.Model`.
        seed: seeds the generated samples (the same latent draws every epoch).
        log_name: the key written into the logs.
        fill_value: written on epochs between measurements when not `None` (e.g. NaN, so that
            `CSVLogger`, which fixes its columns at the first epoch, keeps a `fid` column).

    For a conditional model (one with `num_classes`) the samples are generated for labels
    cycling through the classes, and `conditional_accuracy` is written too: the share of
    samples the extractor's classifier assigns to their label. It needs an extractor with
    class probabilities for the model's classes (`"fashion_mnist"`, `"digits"`, or a
    classifier `keras.Model`); with `"inception_v3"` (ImageNet classes) it is left out.

    Example:

        >>> real = gz.data.load("digits", split="test", batch_size=100)
        >>> model = gz.models.DCGAN(image_shape=(16, 16, 1), latent_dim=8, base_filters=4)
        >>> model.compile()
        >>> fid = gz.callbacks.FIDCallback(real_data=real, num_samples=100, extractor="digits")
        >>> history = model.fit(real.take(2), epochs=2, callbacks=[fid], verbose=0)
        >>> len(history.history["fid"])
        2
        >>> fid.protocols[-1]["epoch"], fid.protocols[-1]["n_real"], fid.protocols[-1]["n_fake"]
        (2, 100, 100)
    """

    def __init__(self, real_data, every_n_epochs=1, num_samples=1000, extractor="fashion_mnist", batch_size=250,
                 seed=0, log_name="fid", fill_value=None):
        super().__init__(every_n_epochs)
        self.fill_value = fill_value
        self.real_data = real_data
        self.num_samples = check_positive_int(num_samples, "num_samples", minimum=2)
        if isinstance(real_data, (np.ndarray, list)):
            real_data = check_images(real_data, "real_data")  # arrays are checked whole, at once
        elif not isinstance(real_data, tf.data.Dataset):
            raise TypeError(
                f"real_data must be images in [0, 1]: an array (N, H, W, C) or a tf.data.Dataset, "
                f"got {type(real_data).__name__}."
            )
        self.extractor_spec = extractor
        self.batch_size, self.seed, self.log_name = batch_size, seed, log_name
        self._extractor = None
        self._reference = None
        self.protocols = []

    def _ensure_reference(self):
        if self._extractor is None:
            self._extractor = get_extractor(self.extractor_spec)
        if self._reference is None:
            stats = feature_statistics(self.real_data, self._extractor, self.num_samples, self.batch_size, 0, "real_data", False)
            self._reference = (stats.mean(), stats.covariance(), stats.count)

    def on_train_begin(self, logs=None):
        super().on_train_begin(logs)
        self._ensure_reference()

    def on_due_epoch(self, epoch, logs):
        self._ensure_reference()
        mu_r, c_r, n_real = self._reference
        conditional = getattr(self.model, "is_conditional", False)
        if conditional:
            fake, accuracy = self._conditional_statistics()
        else:
            fake = feature_statistics(self.model, self._extractor, self.num_samples, self.batch_size, self.seed,
                                      "generated", False)
        value = frechet_distance_from_stats(mu_r, c_r, fake.mean(), fake.covariance())
        logs[self.log_name] = value
        self.protocols.append(
            dict(self._extractor.protocol(), metric="frechet_distance", epoch=epoch + 1, n_real=n_real,
                 n_fake=fake.count, seed=self.seed, reference_hash=statistics_hash(mu_r, c_r), value=value)
        )
        if conditional and accuracy is not None:
            logs["conditional_accuracy"] = accuracy
            self.protocols.append(
                dict(self._extractor.protocol(), metric="conditional_accuracy", epoch=epoch + 1, n_fake=fake.count,
                     seed=self.seed, labels="cycling", value=accuracy)
            )

    def on_skipped_epoch(self, epoch, logs):
        if self.fill_value is not None:
            logs[self.log_name] = self.fill_value
            if getattr(self.model, "is_conditional", False) and self._classifies(int(self.model.num_classes)):
                logs["conditional_accuracy"] = self.fill_value

    def _classifies(self, num_classes):
        if self._extractor is None:
            self._extractor = get_extractor(self.extractor_spec)
        ex = self._extractor
        outputs = ex.model.outputs
        return ex.has_probabilities and ex.name != "inception_v3" and int(outputs[-1].shape[-1]) >= num_classes

    def _conditional_statistics(self):
        """Features of samples generated for cycling labels, and the classifier's accuracy on
        them (`None` when the extractor cannot classify the model's classes); one pass."""
        k = int(self.model.num_classes)
        labels = cycling_labels(self.num_samples, k)
        classify = self._classifies(k)
        stats, correct = FeatureStatistics(), 0
        for i, start in enumerate(range(0, self.num_samples, self.batch_size)):
            y = labels[start : start + self.batch_size]
            x = next(iterate_images(self.model.generate(len(y), labels=y, seed=self.seed + i), batch_size=len(y),
                                    name="generated"))
            features, probabilities = self._extractor(x)
            stats.update(features)
            if classify:
                correct += int(np.sum(np.asarray(probabilities).argmax(axis=1) == y))
        return stats, (correct / stats.count if classify else None)


class ModeCoverage(GenerativeCallback):
    """Writes `classes_covered` and `class_kl` (KL from the generated class distribution to
    uniform) into the logs, classifying `num_samples` generated images (`fill_value` as in
    `FIDCallback`).

    Example:

        >>> real = gz.data.load("digits", split="test", batch_size=100)
        >>> model = gz.models.DCGAN(image_shape=(16, 16, 1), latent_dim=8, base_filters=4)
        >>> model.compile()
        >>> coverage = gz.callbacks.ModeCoverage(classifier="digits", num_samples=100)
        >>> history = model.fit(real.take(2), epochs=1, callbacks=[coverage], verbose=0)
        >>> sorted(key for key in history.history if key.startswith("class"))
        ['class_kl', 'classes_covered']
        >>> coverage.records[0]["num_classes"], sum(coverage.records[0]["counts"])
        (10, 100)
    """

    def __init__(self, classifier="fashion_mnist", every_n_epochs=1, num_samples=1000, batch_size=250, seed=0,
                 fill_value=None):
        super().__init__(every_n_epochs)
        self.fill_value = fill_value
        self.classifier_spec = classifier
        self.num_samples = check_positive_int(num_samples, "num_samples", minimum=2)
        self.batch_size, self.seed = batch_size, seed
        self._classifier = None
        self.records = []

    def on_due_epoch(self, epoch, logs):
        if self._classifier is None:
            self._classifier = get_extractor(self.classifier_spec)
        probabilities = []
        for batch in iterate_images(self.model, n=self.num_samples, batch_size=self.batch_size, seed=self.seed):
            probabilities.append(self._classifier(batch)[1])
        result = mode_coverage_from_probabilities(np.concatenate(probabilities))
        logs["classes_covered"] = result["classes_covered"]
        logs["class_kl"] = result["class_kl"]
        self.records.append(dict(result, epoch=epoch + 1))

    def on_skipped_epoch(self, epoch, logs):
        if self.fill_value is not None:
            logs["classes_covered"] = logs["class_kl"] = self.fill_value
