"""The code of docs/tutorials/conditional.md, run as one script.

    python docs/snippets/conditional.py                     # the page's budget: 20 epochs on 60,000 images
    GENZOO_DOCS_FAST=1 python docs/snippets/conditional.py  # CI: one epoch on 512 images, fewer samples scored

Every block between `--8<-- [start:NAME]` and `--8<-- [end:NAME]` is shown on the page.
"""

# --8<-- [start:train]
import os

import numpy as np
import keras_genzoo as gz

FAST = os.environ.get("GENZOO_DOCS_FAST") == "1"          # CI: one epoch on 512 images
SPLIT, EPOCHS = ("train[:512]", 1) if FAST else ("train", 20)

ds = gz.data.load("fashion_mnist", split=SPLIT, batch_size=64, with_labels=True)   # (images, labels)
cgan = gz.models.ConditionalGAN(image_shape=(28, 28, 1), num_classes=10, seed=0)
cgan.compile()
cgan.fit(ds, epochs=EPOCHS, verbose=0)
boots = cgan.generate(16, labels=[9] * 16, seed=0)      # ankle boots, in [0, 1]
grid = cgan.generate(100, seed=0)                       # labels=None: 0, 1, ..., 9, 0, 1, ...
# --8<-- [end:train]
assert boots.shape == (16, 28, 28, 1) and 0.0 <= boots.min() and boots.max() <= 1.0
assert grid.shape == (100, 28, 28, 1)
# labels=None cycles through the classes: the same images as asking for 0, 1, ..., 9, 0, ... explicitly
np.testing.assert_allclose(grid, cgan.generate(100, labels=np.arange(100) % 10, seed=0), atol=1e-6)

# The page's claims about bad input: an unlabelled dataset and out-of-range labels are refused.
for attempt, says in ((lambda: cgan.fit(gz.data.load("fashion_mnist", split="train[:64]", batch_size=64),
                                        epochs=1, verbose=0), "label"),
                      (lambda: cgan.generate(2, labels=[0, 10]), "10"),
                      (lambda: cgan.generate(2, labels=[0.5, 1.0]), "label"),
                      (lambda: cgan.generate(3, labels=[0, 1]), "label")):
    try:
        attempt()
    except (ValueError, TypeError) as err:
        assert says in str(err).lower(), str(err)
    else:
        raise AssertionError("bad labels were accepted")

# --8<-- [start:conditioning]
gz.models.ConditionalGAN(image_shape=(28, 28, 1), num_classes=10, conditioning="projection")  # default
gz.models.ConditionalGAN(image_shape=(28, 28, 1), num_classes=10, conditioning="concat")
# --8<-- [end:conditioning]
assert gz.models.ConditionalGAN(image_shape=(28, 28, 1), num_classes=10).conditioning == "projection"
names = {layer.name for layer in cgan.discriminator.layers}
assert "label_projection" in names, sorted(names)
assert "label_embedding" in {layer.name for layer in cgan.generator.layers}

# --8<-- [start:acgan]
acgan = gz.models.ACGAN(image_shape=(28, 28, 1), num_classes=10, class_loss_weight=1.0)
acgan_real_only = gz.models.ACGAN(image_shape=(28, 28, 1), num_classes=10, fake_class_loss=False)
# the registry's fast recipe: real-only class loss and a generator fed z * embed(y)
acgan_fast = gz.models.registry.create("acgan", image_shape=(28, 28, 1), recipe="fast", seed=0)
print(acgan_fast.label_combination, acgan_fast.generator.get_layer("synthesis").get_layer("z_times_label").name)
# --8<-- [end:acgan]
assert acgan.fake_class_loss and not acgan_real_only.fake_class_loss
assert len(acgan.discriminator.outputs) == 2          # a source logit and class logits

# --8<-- [start:cvae]
images, labels = next(iter(gz.data.load("fashion_mnist", split="test[:16]", batch_size=16, shuffle=False,
                                        with_labels=True)))
images, labels = images.numpy(), labels.numpy()
cvae = gz.models.ConditionalVAE(image_shape=(28, 28, 1), num_classes=10, latent_dim=8)
z_mean, z_log_var = cvae.encode(images, labels)
same_style_other_class = cvae.decode(z_mean, (labels + 1) % 10)
# the `fast` recipe: a Gaussian per class as the prior, the calibrated Gaussian decoder and
# the class-consistency term (a classifier of real images, class_loss_weight=50)
cvae_fast = gz.models.registry.create("cvae", image_shape=(28, 28, 1), recipe="fast", seed=0)
sandal_mean, sandal_log_var = cvae_fast.prior_parameters([5])   # N(0, I) until trained
sandals = cvae_fast.generate(8, labels=[5] * 8, seed=0)
# --8<-- [end:cvae]
assert np.shape(z_mean) == (16, 8) and np.shape(z_log_var) == (16, 8)
assert np.shape(same_style_other_class) == (16, 28, 28, 1)
assert cvae_fast.prior_kind == "learned" and cvae_fast.likelihood == "calibrated_gaussian"
assert cvae_fast.class_loss_weight == 50 and cvae_fast.classifier is not None
assert np.shape(sandal_mean) == (1, 16) and np.shape(sandals) == (8, 28, 28, 1)

# --8<-- [start:measure]
N = 500 if FAST else 10_000
zoo_cgan = gz.zoo.load("cgan_fashion_mnist")                   # the concat cGAN of the table below
sneakers = zoo_cgan.generate(20, labels=[7] * 20, seed=0)     # 20 sneakers
acc = gz.metrics.conditional_accuracy(zoo_cgan, classifier="fashion_mnist", n=N)
print(f"conditional accuracy {acc.value:.3f} on {N} samples; per class",
      np.round(acc.details["per_class_accuracy"], 2))
real = gz.data.load("fashion_mnist", split=f"test[:{N}]", batch_size=250, shuffle=False, with_labels=True)
ifd = gz.metrics.intra_class_frechet_distance(real, fake=zoo_cgan)   # as many fakes per class as real images
print(f"intra-class FD {ifd.value:.1f}; per class", {k: round(v, 1) for k, v in ifd.details["per_class"].items()})
# --8<-- [end:measure]
assert sneakers.shape == (20, 28, 28, 1)
assert 0.85 < acc.value <= 1.0, acc.value          # the card: 93.3% on 10,000 samples
assert len(ifd.details["per_class"]) == 10 and np.isfinite(ifd.value)
assert ifd.value < (60.0 if FAST else 20.0), ifd.value   # the card: 13.5 on 10,000; 34 on 500 (FD is biased up at small n)
untrained = gz.metrics.conditional_accuracy(cvae, classifier="fashion_mnist", n=200)
assert untrained.value < 0.4, untrained.value       # a generator that ignores (never learned) its labels
