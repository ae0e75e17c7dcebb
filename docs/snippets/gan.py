"""The code of docs/tutorials/gan.md that needs no training, run as one script.

Every block between `--8<-- [start:NAME]` and `--8<-- [end:NAME]` is shown on the page.
"""

# --8<-- [start:losses]
import numpy as np
from keras import ops
from keras_genzoo import losses

real_logits = ops.convert_to_tensor([3.0, 1.5, -0.5])     # D's logits on a real batch
fake_logits = ops.convert_to_tensor([-4.0, -2.0, 0.5])    # ... and on generated samples

print(float(losses.discriminator_minimax_loss(real_logits, fake_logits)))  # -E log D(x) - E log(1 - D(G(z)))
print(float(losses.generator_minimax_loss(fake_logits)))                   #  E log(1 - D(G(z)))   (saturating)
print(float(losses.generator_non_saturating_loss(fake_logits)))            # -E log D(G(z))
# --8<-- [end:losses]
sig = lambda v: 1.0 / (1.0 + np.exp(-np.asarray(v, dtype=np.float64)))
r, f = np.array([3.0, 1.5, -0.5]), np.array([-4.0, -2.0, 0.5])
np.testing.assert_allclose(float(losses.discriminator_minimax_loss(real_logits, fake_logits)),
                           -np.mean(np.log(sig(r))) - np.mean(np.log(1 - sig(f))), rtol=1e-5)
np.testing.assert_allclose(float(losses.generator_minimax_loss(fake_logits)), np.mean(np.log(1 - sig(f))), rtol=1e-5)
np.testing.assert_allclose(float(losses.generator_non_saturating_loss(fake_logits)), -np.mean(np.log(sig(f))), rtol=1e-5)

# --8<-- [start:stable]
very_fake = ops.convert_to_tensor([-200.0])
print(float(ops.log(ops.sigmoid(very_fake))[0]))                   # -inf: the naive form underflows
print(float(losses.generator_non_saturating_loss(very_fake)))      # 200.0: softplus(200), exact
# --8<-- [end:stable]
assert np.isinf(float(ops.log(ops.sigmoid(very_fake))[0]))
np.testing.assert_allclose(float(losses.generator_non_saturating_loss(very_fake)), 200.0, rtol=1e-6)

# --8<-- [start:saturation]
def slope(loss, logit, h=1e-2):
    """d loss / d logit by central differences."""
    up, down = ops.convert_to_tensor([logit + h]), ops.convert_to_tensor([logit - h])
    return (float(loss(up)) - float(loss(down))) / (2 * h)


for logit in (0.0, -4.0, -8.0):
    saturating = slope(losses.generator_minimax_loss, logit)
    non_saturating = slope(losses.generator_non_saturating_loss, logit)
    print(f"logit {logit:5.1f}: minimax {saturating:+.2e}  non-saturating {non_saturating:+.2e}  "
          f"ratio {non_saturating / saturating:,.0f}")
# --8<-- [end:saturation]
    # d/dl log(1 - sigma(l)) = -sigma(l);  d/dl -log sigma(l) = -(1 - sigma(l))
    np.testing.assert_allclose(saturating, -sig(logit), rtol=1e-3)
    np.testing.assert_allclose(non_saturating, -(1 - sig(logit)), rtol=1e-3)
assert 2900 < non_saturating / saturating < 3000   # the page's "a factor of about 3,000" at logit -8

# --8<-- [start:optimal]
from scipy import integrate, stats

p_data, p_g = stats.norm(0.0, 1.0), stats.norm(1.0, 1.5)      # a fixed generator that is off


def d_star(x):
    return p_data.pdf(x) / (p_data.pdf(x) + p_g.pdf(x))       # D*(x) = p_data / (p_data + p_g)


def value(d, lo=-20.0, hi=20.0):
    """V(D, G) = E_data[log D(x)] + E_g[log(1 - D(x))], by numerical integration."""
    real = integrate.quad(lambda x: p_data.pdf(x) * np.log(d(x)), lo, hi, limit=200)[0]
    fake = integrate.quad(lambda x: p_g.pdf(x) * np.log(1.0 - d(x)), lo, hi, limit=200)[0]
    return real + fake


def jsd(p, q, lo=-20.0, hi=20.0):
    """Jensen-Shannon divergence in nats: the mean KL of p and q to their average m."""
    m = lambda x: 0.5 * (p.pdf(x) + q.pdf(x))
    kl = lambda a: integrate.quad(lambda x: a.pdf(x) * np.log(a.pdf(x) / m(x)), lo, hi, limit=200)[0]
    return 0.5 * kl(p) + 0.5 * kl(q)


print(f"V(D*, G)         = {value(d_star):.5f}")
print(f"-log 4 + 2 JSD   = {-np.log(4) + 2 * jsd(p_data, p_g):.5f}")
logit = lambda x: np.log(d_star(x)) - np.log1p(-d_star(x))
for shift in (-0.5, 0.5):                                      # any other discriminator does worse
    worse = lambda x, s=shift: 1.0 / (1.0 + np.exp(-(logit(x) + s)))
    print(f"logits shifted by {shift:+}: V = {value(worse):.5f}")
# --8<-- [end:optimal]
v_star, bound = value(d_star), -np.log(4) + 2 * jsd(p_data, p_g)
np.testing.assert_allclose(v_star, bound, rtol=1e-6)
for shift in (-0.5, 0.5, 0.1):
    worse = lambda x, s=shift: 1.0 / (1.0 + np.exp(-(logit(x) + s)))
    assert value(worse) < v_star
assert 0 < jsd(p_data, p_g) < np.log(2)
np.testing.assert_allclose(jsd(p_data, p_data), 0.0, atol=1e-10)   # p_g = p_data: D* = 1/2, V = -log 4

# --8<-- [start:learned]
from sklearn.linear_model import LogisticRegression

rng = np.random.default_rng(0)
m = 20_000
x_real, x_fake = p_data.rvs(m, random_state=rng), p_g.rvs(m, random_state=rng)
features = lambda x: np.stack([x, x**2], axis=1)               # the log-ratio of two Gaussians is quadratic
x_all = np.concatenate([x_real, x_fake])
d = LogisticRegression(C=1e4).fit(features(x_all), np.r_[np.ones(m), np.zeros(m)])   # real = 1, fake = 0
d_learned = lambda x: d.predict_proba(features(np.atleast_1d(x)))[:, 1]

grid = np.linspace(-3, 4, 200)
print(f"largest gap to D* on [-3, 4]: {np.abs(d_learned(grid) - d_star(grid)).max():.3f}")
to_logits = lambda p: ops.convert_to_tensor(np.log(p) - np.log1p(-p))
v_hat = -float(losses.discriminator_minimax_loss(to_logits(d_learned(x_real)), to_logits(d_learned(x_fake))))
print(f"V estimated on the samples with the package's loss: {v_hat:.4f}")
# --8<-- [end:learned]
assert np.abs(d_learned(grid) - d_star(grid)).max() < 0.05
assert abs(v_hat - v_star) < 0.02, (v_hat, v_star)

# --8<-- [start:figure]
import os
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

out = Path(".") if os.environ.get("GENZOO_DOCS_FAST") == "1" else Path(__file__).resolve().parents[1] / "assets" / "gan"
out.mkdir(parents=True, exist_ok=True)
xs = np.linspace(-4, 6, 400)
fig, ax = plt.subplots(figsize=(7, 3.6))
ax.plot(xs, p_data.pdf(xs), "k", label="p_data = N(0, 1)")
ax.plot(xs, p_g.pdf(xs), "tab:red", label="p_g = N(1, 1.5²)")
ax.plot(xs, d_star(xs), "tab:blue", lw=2, label="D*(x)")
ax.plot(xs, d_learned(xs), "tab:orange", ls="--", label="D learned from samples")
ax.axhline(0.5, color="gray", lw=0.5)
ax.legend(fontsize=8)
fig.tight_layout()
fig.savefig(out / "optimal_discriminator.png", dpi=110)
# --8<-- [end:figure]
assert (out / "optimal_discriminator.png").stat().st_size > 10_000

# --8<-- [start:train]
import keras_genzoo as gz

FAST = os.environ.get("GENZOO_DOCS_FAST") == "1"          # CI: one epoch on 1,024 images
SPLIT, EPOCHS = ("train[:1024]", 1) if FAST else ("train", 5)

ds = gz.data.load("fashion_mnist", split=SPLIT, batch_size=64)   # images in [0, 1]; the model maps them to [-1, 1]
gan = gz.models.GAN(image_shape=(28, 28, 1), latent_dim=128, seed=0)
gan.compile()                                            # Adam(2e-4, beta_1=0.5) for D and G
history = gan.fit(ds, epochs=EPOCHS, verbose=0)
images = gan.generate(64, seed=0)                        # numpy, [0, 1], same seed -> same images
print({k: round(v[-1], 3) for k, v in history.history.items()})
# --8<-- [end:train]
assert images.shape == (64, 28, 28, 1) and 0.0 <= images.min() and images.max() <= 1.0
assert np.array_equal(images, gan.generate(64, seed=0))
assert all(np.isfinite(v[-1]) for v in history.history.values()), history.history
# one fit step is one discriminator update (Algorithm 1 with k = n_critic = 1)
assert int(ops.convert_to_numpy(gan.critic_steps)) == EPOCHS * int(np.ceil((1024 if FAST else 60000) / 64))
