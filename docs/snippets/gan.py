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
