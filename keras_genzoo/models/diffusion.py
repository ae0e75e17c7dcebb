"""Denoising diffusion in continuous time: `Diffusion`, trained as DDPM (Ho et al., 2020) and
sampled with DDPM's ancestral sampler or DDIM (Song et al., 2021) on any number of steps.

The forward (noising) process at time `t` in [0, 1] is

    x_t = alpha_t x + sigma_t eps,   alpha_t = sqrt(abar(t)),  sigma_t = sqrt(1 - abar(t)),  eps ~ N(0, I)

with `abar` (alpha-bar) falling from 1 at `t = 0` to about 0 at `t = 1` (`alpha_bar`):

- `"cosine"` (Nichol & Dhariwal, 2021): `abar(t) = f(t) / f(0)`, `f(t) = cos^2((t + s) / (1 + s) pi / 2)`, `s = 0.008`;
- `"linear"`: the continuous limit of DDPM's linear betas (1e-4 to 0.02 over 1,000 steps):
  `abar(t) = exp(-(b0 t + (b1 - b0) t^2 / 2))`, `b0 = 0.1`, `b1 = 20` (Song et al., 2021, VP SDE);

both clipped to `[1e-5, 1]`. The network sees `t` itself, drawn from U[0, 1] in training.
It predicts `eps` (`prediction="epsilon"`, DDPM's) or `v = alpha_t eps - sigma_t x`
(`prediction="v"`, Salimans & Ho 2022, the default), with the mean squared error
(`losses.denoising_loss`). The default is v because its target stays of unit scale at every
noise level: from a predicted `eps` the image is `(x_t - sigma_t eps) / alpha_t`, which
multiplies the network's error by `1 / alpha_t`, about 300 at `t = 1` under the cosine schedule,
while v gives `alpha_t x_t - sigma_t v` with no division; it is also what few-step DDIM
sampling and distillation were developed with. (Not yet measured on this package's entries.)

Sampling (`denoise`) walks a uniform grid from `t = 1` to `t = 0` in `steps` steps. At each step
the prediction gives an estimate of the image `x0` (clipped to [-1, 1]) and of the noise, and

    x_s = alpha_s x0 + sqrt(1 - abar_s - c^2) eps + c z,   c = eta sqrt((1 - abar_s) / (1 - abar_t)) sqrt(1 - abar_t / abar_s)

(DDIM with `eta`; `eta = 0` is deterministic, the discretised probability-flow ODE, so the same
noise always gives the same image; `eta = 1` is DDPM's ancestral sampler with the posterior
variance). Run backwards with `eta = 0`, the same update encodes an image as noise
(`Diffusion.encode`, DDIM inversion).
"""

from __future__ import annotations

import math

import keras
import numpy as np
from keras import ops

from keras_genzoo import losses
from keras_genzoo.models.time_conditioned import TimeConditionedModel, grid_time
from keras_genzoo.utils.validation import check_choice, check_number, check_positive_int

__all__ = ["Diffusion", "alpha_bar", "denoise", "split_prediction"]

SCHEDULES = ("cosine", "linear")
PREDICTIONS = ("v", "epsilon")
SAMPLERS = ("ddim", "ddpm")
#: `s` of the cosine schedule
COSINE_OFFSET = 0.008
#: `(b0, b1)` of the continuous linear schedule
LINEAR_BETAS = (0.1, 20.0)
#: `abar` is clipped to `[MIN_ALPHA_BAR, 1]` (so that `alpha_t > 0` at `t = 1`)
MIN_ALPHA_BAR = 1e-5


def alpha_bar(t, schedule="cosine", xp=ops):
    """`abar(t)`, the share of the signal's variance left at time `t` in [0, 1], for `schedule`
    `"cosine"` or `"linear"` (see the module docstring). `xp` is `keras.ops` (tensors) or
    `numpy` (the samplers' constants).

    Example:

        >>> import numpy as np
        >>> from keras_genzoo.models.diffusion import alpha_bar
        >>> [round(float(alpha_bar(t, "cosine", np)), 5) for t in (0.0, 0.5, 1.0)]  # clipped at 1e-5
        [1.0, 0.49384, 1e-05]
    """
    check_choice(schedule, "schedule", SCHEDULES)
    if schedule == "cosine":
        s = COSINE_OFFSET
        value = xp.cos((t + s) / (1.0 + s) * (math.pi / 2)) ** 2 / math.cos(s / (1.0 + s) * math.pi / 2) ** 2
    else:
        b0, b1 = LINEAR_BETAS
        value = xp.exp(-(b0 * t + 0.5 * (b1 - b0) * t**2))
    return xp.clip(value, MIN_ALPHA_BAR, 1.0)


def _sqrt(value):
    """`sqrt` of a Python float (a float) or of a tensor (a tensor)."""
    return math.sqrt(value) if isinstance(value, float) else ops.sqrt(value)


def split_prediction(out, x, abar, prediction):
    """`(x0, eps)`: the image and the noise that the network's output `out` at `x_t = x` says
    make up `x`, for a `prediction` of `"v"` or `"epsilon"` at noise level `abar` (a float, or a
    scalar tensor)."""
    a, s = _sqrt(abar), _sqrt(1.0 - abar)
    if prediction == "v":
        return a * x - s * out, s * x + a * out
    return (x - s * out) / a, out


def denoise(predict, x, steps, schedule="cosine", prediction="v", eta=0.0, normal=None, reverse=False, unroll=False):
    """Runs DDIM(`eta`) from `t = 1` (noise `x`) to `t = 0` on `time_grid(steps)` and returns
    the image (model space); with `reverse`, from an image at `t = 0` to noise at `t = 1` (DDIM
    inversion, `eta` 0).

    The deterministic sampler (`eta` 0) runs its steps in `keras.ops.fori_loop` (one loop
    inside a compiled sampler), `t` a float32 tensor; with `eta > 0`, whose steps draw noise, or
    with `unroll`, in a Python loop with `t` a Python float.

    Args:
        predict: `predict(x, t) -> network output` at state `x` and time `t`.
        x: the starting state `(B, H, W, C)`.
        steps: the number of steps.
        schedule: the model's noise schedule, `"cosine"` or `"linear"`.
        prediction: what the network predicts, `"v"` or `"epsilon"`.
        eta: 0 for DDIM (deterministic), 1 for DDPM's ancestral sampler, in between to interpolate.
        normal: `normal(shape) -> N(0, I)` draws for `eta > 0`.
        reverse: encode instead (`eta` must be 0); the image estimate is not clipped then.
        unroll: a Python loop (a functional graph of `steps` network copies).

    Example:

        >>> import numpy as np
        >>> from keras_genzoo.models.diffusion import denoise
        >>> # predicted noise 0: x0 = x_1 / alpha_1 = 0.001 / sqrt(1e-5), and one step lands on it
        >>> out = denoise(lambda x, t: np.zeros_like(x), np.full((1, 2), 0.001), 1, prediction="epsilon")
        >>> np.round(keras.ops.convert_to_numpy(out), 3).tolist()
        [[0.316, 0.316]]
    """
    check_choice(prediction, "prediction", PREDICTIONS)
    eta = check_number(eta, "eta", 0.0, maximum=1.0)
    steps = check_positive_int(steps, "steps")
    if reverse and eta:
        raise ValueError(f"encoding runs the deterministic sampler: eta must be 0, got {eta}.")
    if eta and normal is None:
        raise ValueError("eta > 0 draws noise at each step: pass normal(shape) -> N(0, I) draws.")

    def step(i, x):
        t, s = grid_time(i, steps, reverse), grid_time(i + 1, steps, reverse)
        xp = np if isinstance(t, float) else ops
        abar_t, abar_s = alpha_bar(t, schedule, xp), alpha_bar(s, schedule, xp)
        if xp is np:
            abar_t, abar_s = float(abar_t), float(abar_s)
        x0, eps = split_prediction(predict(x, t), x, abar_t, prediction)
        if not reverse:
            x0 = ops.clip(x0, -1.0, 1.0)
            eps = ops.subtract(x, _sqrt(abar_t) * x0) / _sqrt(1.0 - abar_t)  # x may be numpy, x0 a tensor
        if not eta:
            return _sqrt(abar_s) * x0 + _sqrt(1.0 - abar_s) * eps
        # c = 0 at the last step (abar_s = 1): the image estimate itself
        c = eta * _sqrt((1.0 - abar_s) / (1.0 - abar_t)) * _sqrt(max(1.0 - abar_t / abar_s, 0.0))
        x = _sqrt(abar_s) * x0 + _sqrt(max(1.0 - abar_s - c * c, 0.0)) * eps
        return ops.add(x, c * normal(ops.shape(x))) if c > 0 else x

    if unroll:  # x may be symbolic
        for i in range(steps):
            x = step(i, x)
        return x
    x = ops.convert_to_tensor(x, "float32")
    if eta:
        for i in range(steps):
            x = step(i, x)
        return x
    return ops.fori_loop(0, steps, step, x)


@keras.saving.register_keras_serializable(package="keras_genzoo")
class Diffusion(TimeConditionedModel):
    """Denoising diffusion (DDPM training, DDPM or DDIM sampling), unconditional or class-conditional.

    Trains the network to predict `v` (or `eps`) from `x_t = alpha_t x + sigma_t eps` at a time
    `t ~ U[0, 1]` (see the module docstring for the schedules and why v is the default);
    samples with DDIM (`eta` 0: deterministic) or DDPM's ancestral sampler, the sampler and the
    step count chosen at sampling time. History: `loss`.

    Args:
        data_shape: `(H, W, C)` of the images (in [0, 1]; the model works in [-1, 1]).
        num_classes: conditional with this many classes (classifier-free guidance); `None`: unconditional.
        schedule: `"cosine"` (default) or `"linear"`.
        prediction: `"v"` (default) or `"epsilon"`.
        sampling_steps: the default number of sampling steps (50).

    The other arguments are `TimeConditionedModel`'s (`network`, `base_filters`, `label_dropout`,
    `ema_decay`, `seed`, ...). Default optimizer: Adam(2e-4), DDPM's.

    Example:

        >>> import numpy as np, keras_genzoo as gz
        >>> model = gz.models.Diffusion(image_shape=(8, 8, 1), base_filters=4, seed=0)
        >>> model.compile()
        >>> x = np.random.default_rng(0).uniform(size=(16, 8, 8, 1)).astype("float32")
        >>> sorted(model.fit(x, batch_size=8, epochs=1, verbose=0).history)
        ['loss']
        >>> model.generate(2, seed=0, steps=4).shape  # DDIM, deterministic
        (2, 8, 8, 1)
        >>> a = model.generate(2, seed=0, steps=4, sampler="ddpm")  # ancestral: seeded noise at each step
        >>> bool(np.array_equal(a, model.generate(2, seed=0, steps=4, sampler="ddpm")))
        True
        >>> model.encode(x[:2], steps=4).shape  # DDIM inversion: image -> noise
        (2, 64)
    """

    #: the samplers `generate` takes (`sampler=`)
    samplers = SAMPLERS

    def __init__(self, data_shape=None, num_classes=None, schedule="cosine", prediction="v", sampling_steps=50,
                 **kwargs):
        self.schedule = check_choice(schedule, "schedule", SCHEDULES)
        self.prediction = check_choice(prediction, "prediction", PREDICTIONS)
        super().__init__(data_shape=data_shape, num_classes=num_classes, sampling_steps=sampling_steps, **kwargs)

    # ------------------------------------------------------------------ sampling and encoding
    def _sampling_options(self, steps, sampler, eta, guidance):
        steps = self.sampling_steps if steps is None else check_positive_int(steps, "steps")
        sampler = check_choice(sampler, "sampler", SAMPLERS)
        eta = check_number(eta, "eta", 0.0, maximum=1.0)
        if sampler == "ddpm":
            if eta:
                raise ValueError("eta is DDIM's: sampler='ddpm' is eta=1 already; pass sampler='ddim' with eta.")
            eta = 1.0
        return steps, eta, self.resolved_guidance(guidance)

    def generate(self, n, labels=None, seed=None, steps=None, guidance=None, sampler="ddim", eta=0.0, batch_size=256,
                 z=None):
        """`n` images as numpy float32 in [0, 1] `(n, H, W, C)`, denoised from noise `z` (drawn
        with `seed`) by the (averaged) network.

        Args:
            n: number of images.
            labels: conditional models only: `n` class indices (or one int); `None` cycles through the classes.
            seed: an int makes the output reproducible (it also seeds DDPM's per-step noise).
            steps: denoising steps (`sampling_steps` by default; DDPM's full chain is 1,000).
            guidance: classifier-free guidance scale (None: the model's `sampling_guidance`, none
                by default; 1: none).
            sampler: `"ddim"` (with `eta`) or `"ddpm"` (ancestral, eta 1).
            eta: DDIM's stochasticity in [0, 1]; 0 (default) is deterministic.
            batch_size: images denoised at a time.
            z: optional noise `(n, latent_dim)` (flattened images).

        Raises:
            ValueError: `steps` not a positive integer, an unknown sampler, `eta` outside [0, 1]
                or given with `"ddpm"`, guidance for an unconditional model, labels out of range.
        """
        n = check_positive_int(n, "n")
        steps, eta, guidance = self._sampling_options(steps, sampler, eta, guidance)
        labels = self.generation_labels(n, labels)
        generator = keras.random.SeedGenerator(None if seed is None else seed + 1)

        def normal(shape):
            return keras.random.normal(shape, seed=generator)

        conditional = labels is not None
        if eta:  # steps that draw noise: a Python loop around the compiled network evaluation
            predict = self.compiled_inference(("predict", guidance, conditional),
                                    lambda x, t, labels: self.predict_at(x, t, labels, guidance))

            def sample(x, labels):
                return denoise(lambda x, t: predict(x, ops.convert_to_tensor(t, "float32"), labels), x, steps,
                               self.schedule, self.prediction, eta, normal)
        else:
            sample = self.sampler(steps, guidance, conditional)
        out = []
        for i, x in self.noise_batches(n, seed, z, batch_size):
            yb = None if labels is None else labels[i : i + int(ops.shape(x)[0])]
            out.append(ops.convert_to_numpy(self.to_data_space(sample(x, self.label_tensor(yb)))))
        return np.concatenate(out).astype(np.float32)

    def sampler(self, steps, guidance, conditional, reverse=False):
        """The compiled deterministic DDIM loop `(x, labels) -> x` (`denoise` with `eta` 0 on the
        guided prediction of `sampling_model`), from noise to image, or image to noise when
        `reverse`."""
        def run(x, labels):
            return denoise(lambda x, t: self.predict_at(x, t, labels, guidance), x, steps, self.schedule,
                           self.prediction, reverse=reverse)

        return self.compiled_inference(("ddim", steps, guidance, conditional, reverse), run)

    def interpolate(self, z_a, z_b, num=10, method="slerp", labels=None, **generate_kwargs):
        """`GenerativeModel.interpolate` with deterministic DDIM (`eta` 0), so that each point of
        the path is a function of its noise alone."""
        if generate_kwargs.get("sampler", "ddim") != "ddim" or generate_kwargs.get("eta", 0.0):
            raise ValueError("interpolate runs the deterministic sampler (DDIM with eta=0): each point must depend on "
                             f"its noise alone; got sampler={generate_kwargs.get('sampler', 'ddim')!r}, "
                             f"eta={generate_kwargs.get('eta', 0.0)!r}.")
        return super().interpolate(z_a, z_b, num, method, labels, **generate_kwargs)

    def encode(self, images, labels=None, steps=None, guidance=None, batch_size=256):
        """The noise `(n, latent_dim)` that deterministic DDIM (`generate(z=...)`, `eta=0`) maps
        back to `images` (in [0, 1]), up to the discretisation error: DDIM run from `t = 0` to `t = 1`."""
        x = self.checked_images(images)
        steps, _, guidance = self._sampling_options(steps, "ddim", 0.0, guidance)
        if self.is_conditional and labels is None:
            raise ValueError(f"{type(self).__name__}.encode needs the images' labels (one class index per image).")
        labels = self.checked_labels(labels, len(x))
        run = self.sampler(steps, guidance, labels is not None, reverse=True)
        out = []
        for i in range(0, len(x), check_positive_int(batch_size, "batch_size")):
            xb = ops.convert_to_tensor(x[i : i + batch_size] * 2.0 - 1.0)
            yb = None if labels is None else labels[i : i + batch_size]
            out.append(ops.convert_to_numpy(ops.reshape(run(xb, self.label_tensor(yb)), (-1, self.latent_dim))))
        return np.concatenate(out).astype(np.float32)

    def sampling_graph(self, noise):
        """`sampling_steps` deterministic DDIM steps at `sampling_guidance`, unrolled in one functional graph."""
        inputs, labels = self.symbolic_inputs(noise)
        x = keras.layers.Reshape(self.data_shape, name="noise_image")(noise)
        x = denoise(lambda x, t: self.symbolic_prediction(x, t, labels), x, self.sampling_steps, self.schedule,
                    self.prediction, unroll=True)
        return inputs, x

    # ------------------------------------------------------------------ the training step, described
    def step_noise(self, batch):
        x = batch["x"]
        size = ops.shape(x)[0]
        return {"eps": self.noise("normal", (size,) + self.data_shape, "diffusion_eps", x),
                "t": self.noise("uniform", (size,), "diffusion_t", x), **self.label_noise(size, x)}

    def objective(self, batch, noise, training=True):
        """`(loss, {})`: `losses.denoising_loss` of the network's prediction of `v` (or `eps`) at `x_t`."""
        x = batch["x"]
        eps = ops.cast(noise["eps"], x.dtype)
        t = noise["t"]
        abar = ops.reshape(alpha_bar(t, self.schedule), (-1, 1, 1, 1))
        a, s = ops.sqrt(abar), ops.sqrt(1.0 - abar)
        labels = batch.get("labels")
        if labels is not None:
            labels = self.training_labels(labels, noise["drop"])
        out = self.predict_at(a * x + s * eps, t, labels, network=self.network, training=training)
        target = a * eps - s * x if self.prediction == "v" else eps
        return losses.denoising_loss(out, target), {}

    def get_config(self):
        config = super().get_config()
        config.update(schedule=self.schedule, prediction=self.prediction)
        return config
