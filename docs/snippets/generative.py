"""The code of docs/tutorials/generative.md, run as one script.

    python docs/snippets/generative.py                     # writes docs/assets/generative/
    GENZOO_DOCS_FAST=1 python docs/snippets/generative.py  # CI: fewer samples, figures in the working directory

Every block between `--8<-- [start:NAME]` and `--8<-- [end:NAME]` is shown on the page.
"""

# --8<-- [start:budget]
import os

FAST = os.environ.get("GENZOO_DOCS_FAST") == "1"   # CI uses fewer points and images
N, N_IMAGES = (1_500, 500) if FAST else (6_000, 5_000)
# --8<-- [end:budget]
from pathlib import Path

ASSETS = Path(".") if FAST else Path(__file__).resolve().parents[1] / "assets" / "generative"
ASSETS.mkdir(parents=True, exist_ok=True)

# --8<-- [start:data]
import numpy as np
import keras_genzoo as gz

centers = np.array([[-1.5, 0.0], [1.5, 0.0], [0.0, 2.0]])
shares = np.array([0.5, 0.3, 0.2])                      # p(y): the classes are not equally common
x, y = gz.data.sample_mixture(2 * N, centers, std=0.7, weights=shares, seed=0, return_labels=True)
x_train, y_train, x_test, y_test = x[:N], y[:N], x[N:], y[N:]
# --8<-- [end:data]
assert x.shape == (2 * N, 2) and set(np.unique(y)) == {0, 1, 2}

# --8<-- [start:discriminative]
from sklearn.linear_model import LogisticRegression

clf = LogisticRegression().fit(x_train, y_train)         # models p(y | x) directly
print(f"discriminative: test accuracy {clf.score(x_test, y_test):.3f}")
print("p(y | x = (0, 1)):", clf.predict_proba([[0.0, 1.0]]).round(3))
# --8<-- [end:discriminative]
acc_discriminative = clf.score(x_test, y_test)

# --8<-- [start:generative]
from scipy import stats


class GaussianClasses:
    """A generative classifier: p(y) from class frequencies, p(x | y) a Gaussian per class."""

    def fit(self, x, y):
        self.classes = np.unique(y)
        self.prior = np.array([np.mean(y == k) for k in self.classes])                   # p(y)
        self.parts = [stats.multivariate_normal(x[y == k].mean(0), np.cov(x[y == k].T))  # p(x | y)
                      for k in self.classes]
        return self

    def joint(self, x):                                   # p(x, y) = p(x | y) p(y), one column per class
        return np.stack([p.pdf(x) for p in self.parts], axis=-1) * self.prior

    def density(self, x):                                 # p(x) = sum over y of p(x, y)
        return self.joint(x).sum(-1)

    def predict_proba(self, x):                           # Bayes' rule: p(y | x) = p(x, y) / p(x)
        joint = self.joint(x)
        return joint / joint.sum(-1, keepdims=True)

    def sample(self, n, seed=None, label=None):
        """n new points (and their classes): y ~ p(y), then x ~ p(x | y); or x ~ p(x | label)."""
        rng = np.random.default_rng(seed)
        ys = rng.choice(self.classes, size=n, p=self.prior) if label is None else np.full(n, label)
        xs = np.stack([self.parts[k].rvs(random_state=rng) for k in ys])
        return xs, ys


gen = GaussianClasses().fit(x_train, y_train)
accuracy = np.mean(gen.predict_proba(x_test).argmax(-1) == y_test)
print(f"generative: test accuracy {accuracy:.3f}, mean log p(x) on test points {np.log(gen.density(x_test)).mean():.3f}")
new_x, new_y = gen.sample(1_000, seed=1)                  # what only the generative model can do
print("class shares of the samples:", np.bincount(new_y, minlength=3) / 1_000)
top, _ = gen.sample(5, seed=2, label=2)                   # sampling p(x | y = 2): five points of class 2
print(top.round(2))
# --8<-- [end:generative]
assert abs(accuracy - acc_discriminative) < 0.03, (accuracy, acc_discriminative)
assert accuracy > 0.8
np.testing.assert_allclose(gen.prior, shares, atol=0.05)
np.testing.assert_allclose(np.bincount(new_y, minlength=3) / 1_000, shares, atol=0.05)
assert np.linalg.norm(top.mean(0) - centers[2]) < 1.0
# p(x) integrates to 1 over the plane (midpoint rule on a grid that holds all the mass)
g = np.linspace(-6, 6, 241)
gx, gy = np.meshgrid(g, g)
mass = gen.density(np.stack([gx.ravel(), gy.ravel()], 1)).sum() * (g[1] - g[0]) ** 2
assert abs(mass - 1.0) < 1e-3, mass

# --8<-- [start:figure]
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

g = np.linspace(-4.5, 4.5, 300)
gx, gy = np.meshgrid(g, g)
grid = np.stack([gx.ravel(), gy.ravel()], axis=1)
colors = np.array(["tab:blue", "tab:orange", "tab:green"])
fig, axes = plt.subplots(1, 2, figsize=(10, 4.6), sharex=True, sharey=True)
axes[0].contourf(gx, gy, clf.predict(grid).reshape(gx.shape), levels=[-0.5, 0.5, 1.5, 2.5],
                 colors=colors, alpha=0.15)
axes[0].scatter(*x_test[:600].T, c=colors[y_test[:600]], s=6)
axes[0].set_title("discriminative: regions of argmax p(y | x)")
axes[1].contour(gx, gy, gen.density(grid).reshape(gx.shape), levels=8, colors="k", linewidths=0.6)
axes[1].scatter(*new_x[:600].T, c=colors[new_y[:600]], s=6)
axes[1].set_title("generative: contours of p(x), new samples")
for ax in axes:
    ax.set_aspect("equal")
fig.tight_layout()
fig.savefig(ASSETS / "two_models.png", dpi=100)
# --8<-- [end:figure]
assert (ASSETS / "two_models.png").stat().st_size > 10_000

# --8<-- [start:images]
vae = gz.zoo.load("vae_fashion_mnist")                 # a generative model of images: samples of p(x)
images = vae.generate(N_IMAGES, seed=0)
classifier = gz.metrics.get_extractor("fashion_mnist")    # a discriminative model: p(y | x)
_, p_y_given_x = classifier(images)
names = gz.data.info("fashion_mnist").class_names
counts = np.bincount(p_y_given_x.argmax(1), minlength=10)
for name, share in zip(names, counts / N_IMAGES):
    print(f"{name:12s} {share:.3f}")
# --8<-- [end:images]
assert images.shape == (N_IMAGES, 28, 28, 1) and p_y_given_x.shape == (N_IMAGES, 10)
np.testing.assert_allclose(p_y_given_x.sum(1), 1.0, rtol=1e-5)
assert (counts > 0).sum() >= 8, counts          # the VAE's samples spread over (nearly) every class

# --8<-- [start:labelled]
fig, axes = plt.subplots(2, 8, figsize=(10, 3.2))
for ax, image, p in zip(axes.ravel(), images, p_y_given_x):
    ax.imshow(image[..., 0], cmap="gray", vmin=0, vmax=1)
    ax.set_title(f"{names[p.argmax()]}\n{p.max():.2f}", fontsize=8)
    ax.axis("off")
fig.tight_layout()
fig.savefig(ASSETS / "vae_samples_labelled.png", dpi=100)
# --8<-- [end:labelled]
assert (ASSETS / "vae_samples_labelled.png").stat().st_size > 10_000
