"""The code of docs/tutorials/sampling.md, run as one script.

    python docs/snippets/sampling.py                     # the page's sample sizes; writes docs/assets/sampling/
    GENZOO_DOCS_FAST=1 python docs/snippets/sampling.py  # CI: fewer samples, figures in the working directory

Every block between `--8<-- [start:NAME]` and `--8<-- [end:NAME]` is shown on the page.
"""

# --8<-- [start:budget]
import os

FAST = os.environ.get("GENZOO_DOCS_FAST") == "1"   # CI draws fewer samples
N = 20_000 if FAST else 200_000
# --8<-- [end:budget]
from pathlib import Path

ASSETS = Path(".") if FAST else Path(__file__).resolve().parents[1] / "assets" / "sampling"
ASSETS.mkdir(parents=True, exist_ok=True)

# --8<-- [start:exponential]
import numpy as np
from scipy import stats

rng = np.random.default_rng(0)
lam = 2.0                                  # rate of the exponential distribution
u = rng.uniform(size=N)                    # U ~ Uniform(0, 1)
x = -np.log1p(-u) / lam                    # X = F^-1(U) = -ln(1 - U) / lambda

print(f"mean {x.mean():.4f} (exact {1 / lam}), variance {x.var():.4f} (exact {1 / lam**2})")
ks = stats.kstest(x, stats.expon(scale=1 / lam).cdf)
print(f"Kolmogorov-Smirnov distance to Exp(2): {ks.statistic:.4f}, p-value {ks.pvalue:.2f}")
# --8<-- [end:exponential]
assert abs(x.mean() - 0.5) < 5 * 0.5 / np.sqrt(N), x.mean()
assert abs(x.var() - 0.25) < 0.02, x.var()
assert ks.statistic < 1.63 / np.sqrt(N), ks   # below the 1 % critical value of the KS test

# --8<-- [start:numeric]
weights, means, stds = np.array([0.3, 0.7]), np.array([-2.0, 1.5]), np.array([0.5, 0.8])


def pdf(x):
    return np.sum(weights * stats.norm.pdf(np.asarray(x)[..., None], means, stds), axis=-1)


def cdf(x):
    return np.sum(weights * stats.norm.cdf(np.asarray(x)[..., None], means, stds), axis=-1)


grid = np.linspace(-6.0, 6.0, 4001)
table = cdf(grid)                                   # F tabulated on a fine grid: increasing in x


def inverse_cdf(u):
    return np.interp(u, table, grid)                # F^-1 by reading the table backwards


samples = inverse_cdf(rng.uniform(size=N))
print(f"mass left of 0: {np.mean(samples < 0):.4f} (exact {cdf(0.0):.4f})")
# --8<-- [end:numeric]
assert abs(np.mean(samples < 0) - cdf(0.0)) < 5 * np.sqrt(0.3 * 0.7 / N)
assert stats.kstest(samples, cdf).statistic < 1.63 / np.sqrt(N)

# --8<-- [start:generator]
def generator(z):
    """Gaussian noise in, samples of the mixture out: G(z) = F^-1(Phi(z))."""
    return inverse_cdf(stats.norm.cdf(z))


z = rng.standard_normal(N)                          # the "latent" noise
fake = generator(z)
ks = stats.ks_2samp(fake, samples)
print(f"two-sample KS distance, G(z) against inverse-CDF samples: {ks.statistic:.4f}")
# --8<-- [end:generator]
assert ks.statistic < 1.63 * np.sqrt(2 / N), ks
assert np.all(np.diff(generator(np.linspace(-4, 4, 101))) >= 0)    # the 1-D transport map is increasing

# --8<-- [start:figure]
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

fig, axes = plt.subplots(1, 3, figsize=(12, 3.4))
xs = np.linspace(0, 3, 300)
axes[0].hist(x, bins=120, range=(0, 3), density=True, color="tab:blue", alpha=0.6, label="-ln(1 - U) / 2")
axes[0].plot(xs, lam * np.exp(-lam * xs), "k", label="Exp(2) density")
axes[0].set_title("inverse CDF of Exp(2)")
zs = np.linspace(-3.5, 3.5, 400)
axes[1].plot(zs, generator(zs), "tab:red")
axes[1].set(title="G(z) = F^-1(Phi(z))", xlabel="z ~ N(0, 1)", ylabel="x = G(z)")
xs = np.linspace(-4.5, 4.5, 400)
axes[2].hist(fake, bins=150, range=(-4.5, 4.5), density=True, color="tab:red", alpha=0.6, label="G(z)")
axes[2].plot(xs, pdf(xs), "k", label="mixture density")
axes[2].set_title("samples of G(z)")
for ax in (axes[0], axes[2]):
    ax.legend(fontsize=8)
fig.tight_layout()
fig.savefig(ASSETS / "inverse_transform.png", dpi=110)
# --8<-- [end:figure]
assert (ASSETS / "inverse_transform.png").stat().st_size > 10_000

# --8<-- [start:learn]
import keras_genzoo as gz

data = inverse_cdf(np.random.default_rng(1).uniform(size=(20_000, 1))).astype("float32")   # all the GAN sees
gan = gz.models.GAN(data_shape=(1,), latent_dim=1, hidden_units=(64, 64), seed=0)
gan.compile()
gan.fit(gz.data.from_array(data, batch_size=256, seed=0), epochs=20, verbose=0)   # 1,580 steps

learned = gan.generate(20_000, seed=1)[:, 0]                  # G_theta(z) for fresh z ~ N(0, 1)
ks = stats.kstest(learned, cdf)
print(f"KS distance of the GAN's samples to the mixture: {ks.statistic:.3f}; "
      f"mass left of 0: {np.mean(learned < 0):.3f} (exact {cdf(0.0):.3f})")
# --8<-- [end:learn]
zs = np.linspace(-3, 3, 61, dtype="float32")
g_learned = gan.generate(61, z=zs[:, None])[:, 0]
steps = np.diff(g_learned)
assert ks.statistic < 0.08, ks
assert abs(np.mean(learned < 0) - cdf(0.0)) < 0.06
assert np.all(steps > -0.05) or np.all(steps < 0.05), g_learned   # the learned map is monotone

# --8<-- [start:learn-figure]
fig, axes = plt.subplots(1, 2, figsize=(9, 3.4))
axes[0].plot(zs, g_learned, "tab:green", lw=2, label="learned G_theta(z)")
axes[0].plot(zs, generator(zs), "k--", lw=1, label="F^-1(Phi(z))")
axes[0].plot(zs, generator(-zs), "k:", lw=1, label="F^-1(Phi(-z))")
axes[0].set(xlabel="z", ylabel="x")
axes[0].legend(fontsize=8)
axes[1].hist(learned, bins=150, range=(-4.5, 4.5), density=True, color="tab:green", alpha=0.6, label="G_theta(z)")
axes[1].plot(xs, pdf(xs), "k", label="mixture density")
axes[1].legend(fontsize=8)
fig.tight_layout()
fig.savefig(ASSETS / "learned_generator.png", dpi=110)
# --8<-- [end:learn-figure]
assert (ASSETS / "learned_generator.png").stat().st_size > 10_000

# --8<-- [start:latent]
vae = gz.zoo.load("vae_fashion_mnist")
z = vae.sample_latent(8, seed=0)            # (8, 16) draws of the prior N(0, I)
images = vae.generate(8, z=z)               # the learned transform of that noise: (8, 28, 28, 1) in [0, 1]
print(z.shape, images.shape, np.array_equal(images, vae.generate(8, seed=0)))
# --8<-- [end:latent]
assert z.shape == (8, 16) and images.shape == (8, 28, 28, 1)
assert np.array_equal(images, vae.generate(8, seed=0)) and 0.0 <= images.min() and images.max() <= 1.0
assert not np.array_equal(z, vae.sample_latent(8, seed=1))

# --8<-- [start:prior]
big = vae.sample_latent(20_000, seed=1)
print(f"prior draws: mean {big.mean():+.3f}, std {big.std():.3f}; "
      f"mean norm {np.linalg.norm(big, axis=1).mean():.2f} (sqrt(16) = 4)")
# --8<-- [end:prior]
assert abs(big.mean()) < 0.01 and abs(big.std() - 1) < 0.01
assert 3.8 < np.linalg.norm(big, axis=1).mean() < 4.0

# --8<-- [start:walk]
row = np.linspace(-2.5, 2.5, 9, dtype="float32")
walk = np.zeros((9, vae.latent_dim), "float32")
walk[:, 0] = row                                   # move along the first latent axis only
strip = gz.utils.image_grid(vae.generate(9, z=walk), rows=1)
gz.utils.save_image(strip, ASSETS / "latent_walk.png")
# --8<-- [end:walk]
assert strip.ndim in (2, 3) and (ASSETS / "latent_walk.png").exists()
