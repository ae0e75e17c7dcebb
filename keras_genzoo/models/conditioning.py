"""Class conditioning, shared by the conditional GAN, AC-GAN and the conditional VAE.

A family becomes class-conditional by putting `LabelConditioning` before its unconditional
base (`class ConditionalVAE(LabelConditioning, VAE)`). The base classes are written against a
few hooks that an unconditional model answers without labels (`GenerativeModel`):

| hook | unconditional | conditional |
| --- | --- | --- |
| `network_inputs(t, labels)` | `t` | `[t, labels]` |
| `checked_labels(labels, n)` | refuses labels | int32 `(n,)`, checked against `num_classes` |
| `generation_labels(n, labels)` | None | the given labels, or every class in turn |
| `prepare_batch(data)` | `{"x"}` | `{"x", "labels"}`, labels checked inside the step |
| `network_input_spec(shape)` | one input | `[input, label (1,) int32]` |
| `sampling_graph(noise)` | `noise` input | `[noise, labels]` inputs |

so that encoding, decoding, generating, the objectives and the network checks are written
once, in the base classes, for both.
"""

from __future__ import annotations

import keras

from keras_genzoo.models import labels as label_utils
from keras_genzoo.utils.validation import check_positive_int


class LabelConditioning:
    """Mixin of the class-conditional families: `num_classes`, labelled batches, labels in
    `generate`, and networks called on `[input, labels]`.

    A family's constructor calls `set_num_classes(num_classes)` before its base constructor
    (which builds and checks the networks)."""

    is_conditional = True

    def set_num_classes(self, num_classes):
        self.num_classes = check_positive_int(num_classes, "num_classes")

    # ------------------------------------------------------------------ the hooks of GenerativeModel
    def network_inputs(self, t, labels):
        return [t, labels]

    def network_input_spec(self, shape):
        """Symbolic inputs of a conditioned network taking examples of `shape` (without the batch
        axis) with their labels: `([x, label], dtypes, names)` for `utils.validation.check_network`."""
        return [tuple(shape), (1,)], ["float32", "int32"], ["input", "label"]

    def checked_labels(self, labels, n=None, name="labels"):
        return label_utils.check_labels(labels, self.num_classes, n, name=name)

    def generation_labels(self, n, labels):
        """`labels` checked, or `0, 1, ..., K-1, 0, ...` when None."""
        return label_utils.resolve_labels(n, labels, self.num_classes)

    def prepare_batch(self, data):
        """`{"x", "labels"}` of a labelled batch: `x` checked and mapped to the model's range,
        labels int32 `(B,)` checked at run time to lie in `[0, num_classes)`."""
        self.check_compiled()
        x, y = label_utils.unpack_labelled_batch(data, type(self).__name__)
        return {"x": self.to_model_space(self.unpack_data(x)), "labels": label_utils.checked_batch_labels(self, y)}

    def sampling_graph(self, noise):
        labels = keras.Input((), name="labels", dtype="int32")
        latent = self.symbolic_prior_latent(noise, labels)
        return [noise, labels], self.sampling_decoder()(self.network_inputs(latent, labels))

    def symbolic_prior_latent(self, noise, labels):
        """`prior_latent` on the symbolic inputs of `sampling_network` (`noise` itself by default)."""
        return noise

    def generate(self, n, labels=None, seed=None, batch_size=256, z=None):
        """`n` samples of the requested classes: images as numpy float32 in [0, 1] `(n, H, W, C)`,
        vectors in data units (`GenerativeModel.generate`, with `labels` second).

        Args:
            n: number of samples.
            labels: `n` integer class indices in `[0, num_classes)` (or one int for all);
                `None` cycles through the classes `0, 1, ..., K-1, 0, ...`.
            seed: an int makes the output reproducible (same seed and labels, same samples).
            batch_size: samples decoded at a time.
            z: optional latent vectors `(n, latent_dim)` instead of prior samples.

        Raises:
            ValueError: labels out of range, not integers, or not `n` of them; `z` of the wrong shape.
        """
        return super().generate(n, seed=seed, batch_size=batch_size, z=z, labels=labels)

    def get_config(self):
        config = super().get_config()
        config["num_classes"] = self.num_classes
        return config
