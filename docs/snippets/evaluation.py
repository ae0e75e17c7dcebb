"""The code of docs/tutorials/evaluation.md, run as one script.

    python docs/snippets/evaluation.py                     # the page's sample sizes
    GENZOO_DOCS_FAST=1 python docs/snippets/evaluation.py  # CI: the same code on fewer images

Every block between `--8<-- [start:NAME]` and `--8<-- [end:NAME]` is shown on the page.
"""

# --8<-- [start:budget]
import os

FAST = os.environ.get("GENZOO_DOCS_FAST") == "1"   # CI runs this page on fewer images
N = 1_000 if FAST else 10_000                       # images per side
# --8<-- [end:budget]

# --8<-- [start:sources]
import numpy as np
import keras_genzoo as gz


def as_arrays(split):
    ds = gz.data.load("fashion_mnist", split=split, batch_size=1000, with_labels=True,
                      image_range=(0, 1), shuffle=False)
    xs, ys = zip(*[(x.numpy(), y.numpy()) for x, y in ds])
    return np.concatenate(xs), np.concatenate(ys)


x_train, _ = as_arrays(f"train[:{N}]")
x_test, y_test = as_arrays(f"test[:{N}]")

fid = gz.metrics.frechet_distance(x_train, x_test, extractor="fashion_mnist", n=N)
print(float(fid))     # the number
print(fid.protocol)   # extractor, weights, input size, resize, n_real, n_fake, split, seed, statistics hash
# --8<-- [end:sources]
assert fid.protocol["n_real"] == fid.protocol["n_fake"] == N, fid.protocol
assert 0.0 <= float(fid) < (10.0 if FAST else 2.0), float(fid)   # same distribution: small

# --8<-- [start:scores]
score = gz.metrics.inception_score(x_test, classifier="fashion_mnist", n=N)
coverage = gz.metrics.mode_coverage(x_test, classifier="fashion_mnist", n=N)
kid = gz.metrics.kernel_inception_distance(x_train, x_test, extractor="fashion_mnist", n=N,
                                           subset_size=N // 10)
pr = gz.metrics.precision_recall(x_train, x_test, extractor="fashion_mnist", n=N // 2)
for result in (score, coverage, kid, pr):
    print(result, result.details if result is pr else "")
# --8<-- [end:scores]
assert 7.0 < score.value <= 10.0 and coverage.value == 10, (score, coverage)
assert abs(kid.value) < 3 * kid.std, kid   # unbiased: zero within its spread for one distribution
assert pr.value > 0.8 and pr.details["recall"] > 0.8, pr

# --8<-- [start:reference]
gz.metrics.compute_reference_statistics(x_train, extractor="fashion_mnist", path="fmnist_train.npz",
                                        reference_split=f"fashion_mnist:train[:{N}]")
again = gz.metrics.frechet_distance("fmnist_train.npz", x_test, extractor="fashion_mnist", n=N)
print(float(again))   # the same distance, without recomputing the real features

try:
    gz.metrics.frechet_distance("fmnist_train.npz", x_test, extractor="digits", n=N)
except ValueError as err:
    print(err)        # statistics made with another extractor are refused
# --8<-- [end:reference]
else:
    raise AssertionError("reference statistics of another extractor were accepted")
assert abs(float(again) - float(fid)) < 1e-6 * max(1.0, float(fid)), (float(again), float(fid))

# --8<-- [start:collapse]
names = gz.data.info("fashion_mnist").class_names
collapsed = {
    "all 10 classes": x_test,
    "3 classes": x_test[np.isin(y_test, [1, 5, 8])],     # Trouser, Sandal, Bag
    "1 class": x_test[y_test == 1],                      # Trouser
}
for label, images in collapsed.items():
    cov = gz.metrics.mode_coverage(images, classifier="fashion_mnist", n=None)
    score = gz.metrics.inception_score(images, classifier="fashion_mnist", n=None, splits=5)
    fd = gz.metrics.frechet_distance(x_train, images, extractor="fashion_mnist", n=len(images))
    print(f"{label:15s} covered={cov.value:.0f} class KL={cov.details['class_kl']:.3f} "
          f"IS={score.value:.2f} FD={float(fd):.1f}")
# --8<-- [end:collapse]
    if label == "1 class":
        assert cov.value == 1 and score.value < 1.5 and float(fd) > 100, (cov, score, fd)
    if label == "all 10 classes":
        assert cov.value == 10 and score.value > 7, (cov, score)
