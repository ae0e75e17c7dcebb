"""Flow matching with the rectified-flow (linear) path: `FlowMatching`.

Rectified flow (Liu et al., 2023, "Flow straight and fast") and conditional flow matching
(Lipman et al., 2023, "Flow matching for generative modeling") learn a velocity field
`v(x, t)` whose ODE carries noise to data. This module's convention (that of Stable
Diffusion 3, Esser et al. 2024) puts the data at `t = 0` and the noise at `t = 1`:

    x_t = (1 - t) x + t eps,        eps ~ N(0, I),  t ~ p(t) on [0, 1]
    d x_t / dt = eps - x            (the velocity target: it points from the data to the noise)
    loss = E || v(x_t, t) - (eps - x) ||^2

Sampling solves `dx/dt = v(x, t)` from `t = 1` (a draw of N(0, I)) down to `t = 0` with Euler
or Heun steps on a uniform time grid; the step count, the solver and the guidance scale are
chosen at sampling time. The solver (`integrate`) knows nothing of networks: it takes a
velocity function. Running the ODE the other way, from an image at `t = 0` up to `t = 1`,
encodes the image as noise (`FlowMatching.encode`).

Classifier-free guidance (Ho & Salimans, 2022): a class-conditional model is trained with each
label replaced by the "null" class `num_classes` with probability `label_dropout`, so the one
network learns both `v(x, t | y)` and `v(x, t | null)`; sampling with scale `w` follows
`v_null + w (v_y - v_null)` (w = 1: the conditional field, no guidance).
"""

from __future__ import annotations

import keras
import numpy as np
from keras import ops

from keras_genzoo import losses
from keras_genzoo.models.time_conditioned import TimeConditionedModel, grid_time, time_grid
from keras_genzoo.utils.validation import check_choice, check_positive_int

__all__ = ["FlowMatching", "integrate", "interpolant", "time_grid"]

#: the ODE solvers of `integrate`
SAMPLERS = ("euler", "heun")
#: the densities of the training time `t`
TIME_SAMPLINGS = ("uniform", "logit_normal")


def interpolant(x, noise, t):
    """`x_t = (1 - t) x + t noise`, with one `t` per example (`t` of shape `(B,)`).

    Example:

        >>> import numpy as np
        >>> from keras_genzoo.models.flow import interpolant
        >>> x, noise = np.zeros((2, 1, 1, 1), "float32"), np.ones((2, 1, 1, 1), "float32")
        >>> keras.ops.convert_to_numpy(interpolant(x, noise, np.array([0.25, 1.0], "float32"))).ravel().tolist()
        [0.25, 1.0]
    """
    t = ops.reshape(ops.cast(t, x.dtype), (-1,) + (1,) * (len(x.shape) - 1))
    return (1.0 - t) * x + t * noise


def integrate(velocity, x, steps, sampler="euler", reverse=False, unroll=False):
    """Solves `dx/dt = velocity(x, t)` on `time_grid(steps, reverse)`: from `t = 1` to `t = 0`
    (noise to data), or from 0 to 1 when `reverse` (data to noise). Returns `x` at the end.

    `"euler"` takes `x + dt v(x, t)` (one evaluation per step); `"heun"` averages the slopes at
    both ends of the Euler step (`x + dt (v(x, t) + v(x_euler, t + dt)) / 2`, two evaluations
    per step, second order). The steps run in `keras.ops.fori_loop` (one loop inside a compiled
    sampler), `t` being a float32 tensor; with `unroll`, in a Python loop with `t` a Python float
    (a functional graph of `steps` copies of the network, as `sampling_network` builds).

    Example:

        >>> import numpy as np
        >>> from keras_genzoo.models.flow import integrate
        >>> # dx/dt = x from t = 1 down to 0 divides x by e: Euler and Heun approximations
        >>> x = np.ones((1,), "float32")
        >>> round(float(integrate(lambda x, t: x, x, 100)[0]), 3), round(float(integrate(lambda x, t: x, x, 10, "heun")[0]), 3)
        (0.366, 0.369)
    """
    sampler = check_choice(sampler, "sampler", SAMPLERS)
    steps = check_positive_int(steps, "steps")

    def step(i, x):
        t, t_next = grid_time(i, steps, reverse), grid_time(i + 1, steps, reverse)
        dt = t_next - t
        slope = velocity(x, t)
        if sampler == "heun":
            slope = 0.5 * (slope + velocity(x + dt * slope, t_next))
        return x + dt * slope

    if unroll:
        for i in range(steps):
            x = step(i, x)
        return x
    return ops.fori_loop(0, steps, step, ops.convert_to_tensor(x, "float32"))


@keras.saving.register_keras_serializable(package="keras_genzoo")
class FlowMatching(TimeConditionedModel):
    """Rectified flow (flow matching on the linear path), unconditional or class-conditional.

    Trains a velocity network `v(x_t, t[, y])` on `x_t = (1 - t) x + t eps` (data at `t = 0`,
    noise at `t = 1`) to predict `eps - x`, with the mean squared error
    (`losses.flow_matching_loss`); samples by integrating the ODE from noise at `t = 1` to an
    image at `t = 0` (`integrate`). History: `loss`.

    Args:
        data_shape: `(H, W, C)` of the images (in [0, 1]; the model works in [-1, 1]).
        num_classes: the number of classes of a class-conditional model (trained with label
            dropout 0.1 for classifier-free guidance); `None` (default): unconditional.
        time_sampling: the density of the training times: `"uniform"` (U[0, 1], as Liu et al.)
            or `"logit_normal"` (`sigmoid(n)`, `n ~ N(0, 1)`, which weights the middle times
            more; Esser et al. 2024).

    The other arguments are `TimeConditionedModel`'s: `network` (a U-Net by default, with
    `base_filters`, `channel_multipliers`, `attention_resolutions`), `label_dropout`, `ema_decay`
    (`generate` samples from a 0.999 moving average of the weights by default),
    `sampling_steps` (32), `seed`, `image_shape`, `latent_dim`, `latent_prior`; and
    `GenerativeModel`'s (`image_range`, `name`, ...). Default
    optimizer: Adam(2e-4), the learning rate of DDPM (Ho et al., 2020) and of the rectified-flow
    paper's CIFAR-10 runs.

    Example:

        >>> import numpy as np, keras_genzoo as gz
        >>> flow = gz.models.FlowMatching(image_shape=(8, 8, 1), num_classes=3, base_filters=4, seed=0)
        >>> flow.compile()
        >>> flow.optimizer_roles()
        {'network': 'optimizer'}
        >>> x = np.random.default_rng(0).uniform(size=(16, 8, 8, 1)).astype("float32")
        >>> y = np.arange(16) % 3
        >>> sorted(flow.fit(x, y, batch_size=8, epochs=1, verbose=0).history)
        ['loss']
        >>> images = flow.generate(4, labels=[0, 1, 2, 0], steps=4, guidance=2.0, sampler="heun", seed=0)
        >>> images.shape, bool(images.min() >= 0 and images.max() <= 1)
        ((4, 8, 8, 1), True)
        >>> bool(np.array_equal(images, flow.generate(4, labels=[0, 1, 2, 0], steps=4, guidance=2.0, sampler="heun", seed=0)))
        True
        >>> noise = flow.encode(x[:2], labels=[0, 1], steps=4)  # the ODE run backwards: image -> noise
        >>> noise.shape
        (2, 64)
        >>> gz.models.FlowMatching(image_shape=(8, 8, 1), base_filters=4).is_conditional  # no num_classes
        False
    """

    #: the samplers `generate` takes (`sampler=`)
    samplers = SAMPLERS

    def __init__(self, data_shape=None, num_classes=None, time_sampling="uniform", **kwargs):
        self.time_sampling = check_choice(time_sampling, "time_sampling", TIME_SAMPLINGS)
        super().__init__(data_shape=data_shape, num_classes=num_classes, **kwargs)

    def velocity(self, x, t, labels=None, guidance=None, network=None, training=False):
        """The velocity `v(x, t[, labels])` with classifier-free `guidance` (`predict_at`)."""
        return self.predict_at(x, t, labels, guidance, network, training)

    # ------------------------------------------------------------------ sampling and encoding
    def _sampling_options(self, steps, sampler, guidance):
        steps = self.sampling_steps if steps is None else check_positive_int(steps, "steps")
        return steps, check_choice(sampler, "sampler", SAMPLERS), self.resolved_guidance(guidance)

    def generate(self, n, labels=None, seed=None, steps=None, guidance=None, sampler="euler", batch_size=256, z=None):
        """`n` images as numpy float32 in [0, 1] `(n, H, W, C)`: noise `z` (drawn with `seed`)
        carried from `t = 1` to `t = 0` by the ODE of the (averaged) velocity network.

        Args:
            n: number of images.
            labels: conditional models only: `n` class indices in `[0, num_classes)` (or one int
                for all); `None` cycles through the classes.
            seed: an int makes the output reproducible (same seed, labels and options, same images).
            steps: ODE steps (`sampling_steps` by default); Heun evaluates the network twice per step.
            guidance: classifier-free guidance scale of a conditional model (None: the model's
                `sampling_guidance`, none by default; 1: none;
                larger: closer to the class, less varied; each step then evaluates a doubled batch).
            sampler: `"euler"` or `"heun"`.
            batch_size: images integrated at a time.
            z: optional noise `(n, latent_dim)` (flattened images) instead of draws of N(0, I).

        Raises:
            ValueError: `steps` not a positive integer, an unknown sampler, guidance for an
                unconditional model or below 0, labels out of range, `z` of the wrong shape.
        """
        n = check_positive_int(n, "n")
        steps, sampler, guidance = self._sampling_options(steps, sampler, guidance)
        labels = self.generation_labels(n, labels)
        solve = self.solver(steps, sampler, guidance, labels is not None)
        out = []
        for i, x in self.noise_batches(n, seed, z, batch_size):
            yb = None if labels is None else labels[i : i + int(ops.shape(x)[0])]
            out.append(ops.convert_to_numpy(self.to_data_space(solve(x, self.label_tensor(yb)))))
        return np.concatenate(out).astype(np.float32)

    def solver(self, steps, sampler, guidance, conditional, reverse=False):
        """The compiled ODE solve `(x, labels) -> x` (`integrate` of the guided velocity of
        `sampling_model`, the whole loop in one compiled function) for these options."""
        def solve(x, labels):
            return integrate(lambda x, t: self.velocity(x, t, labels, guidance), x, steps, sampler, reverse)

        return self.compiled_inference(("integrate", steps, sampler, guidance, conditional, reverse), solve)

    def encode(self, images, labels=None, steps=None, guidance=None, sampler="euler", batch_size=256):
        """The noise `(n, latent_dim)` that `generate(z=...)` maps back to `images` (in [0, 1]):
        the ODE run from `t = 0` to `t = 1`. With the same `steps`, `sampler`, `labels` and
        `guidance`, `generate(n, z=encode(images))` reconstructs the images up to the solvers'
        discretisation error."""
        x = self.checked_images(images)
        steps, sampler, guidance = self._sampling_options(steps, sampler, guidance)
        if self.is_conditional and labels is None:
            raise ValueError(f"{type(self).__name__}.encode needs the images' labels (one class index per image): "
                             "the ODE of a conditional model depends on the class.")
        labels = self.checked_labels(labels, len(x))
        solve = self.solver(steps, sampler, guidance, labels is not None, reverse=True)
        out = []
        for i in range(0, len(x), check_positive_int(batch_size, "batch_size")):
            xb = ops.convert_to_tensor(x[i : i + batch_size] * 2.0 - 1.0)
            yb = None if labels is None else labels[i : i + batch_size]
            out.append(ops.convert_to_numpy(ops.reshape(solve(xb, self.label_tensor(yb)), (-1, self.latent_dim))))
        return np.concatenate(out).astype(np.float32)

    def sampling_graph(self, noise):
        """`sampling_steps` Euler steps at `sampling_guidance`, unrolled in one functional graph (what
        `generate(n, z=noise)` computes with its defaults)."""
        inputs, labels = self.symbolic_inputs(noise)
        x = keras.layers.Reshape(self.data_shape, name="noise_image")(noise)
        x = integrate(lambda x, t: self.symbolic_prediction(x, t, labels), x, self.sampling_steps, unroll=True)
        return inputs, x

    # ------------------------------------------------------------------ the training step, described
    def sample_time(self, batch_size, data=None):
        """Training times `(B,)` drawn from `time_sampling`'s density."""
        if self.time_sampling == "logit_normal":
            return ops.sigmoid(self.noise("normal", (batch_size,), "flow_t", data))
        return self.noise("uniform", (batch_size,), "flow_t", data)

    def step_noise(self, batch):
        x = batch["x"]
        size = ops.shape(x)[0]
        return {"eps": self.noise("normal", (size,) + self.data_shape, "flow_eps", x), "t": self.sample_time(size, x),
                **self.label_noise(size, x)}

    def objective(self, batch, noise, training=True):
        """`(loss, {})`: `losses.flow_matching_loss` of the network at `x_t = interpolant(x, eps, t)`."""
        x = batch["x"]
        eps = ops.cast(noise["eps"], x.dtype)
        labels = batch.get("labels")
        if labels is not None:
            labels = self.training_labels(labels, noise["drop"])
        v = self.velocity(interpolant(x, eps, noise["t"]), noise["t"], labels, network=self.network, training=training)
        return losses.flow_matching_loss(v, x, eps), {}

    def test_objective(self, x, labels=None):
        """`{"flow_matching_loss": ...}` of images `x` in [0, 1] (given their `labels`, kept),
        with one draw of noise and time per image from the model's seed generator."""
        x = self.checked_images(x)
        labels = self.checked_labels(labels, len(x)) if self.is_conditional else self.checked_labels(labels)
        batch = {"x": ops.convert_to_tensor(x * 2.0 - 1.0)}
        noise = self.step_noise(batch)
        if labels is not None:
            batch["labels"] = ops.convert_to_tensor(labels)
            noise["drop"] = ops.ones_like(noise["drop"])
        loss, _ = self.objective(batch, noise, training=False)
        return {"flow_matching_loss": float(ops.convert_to_numpy(loss))}

    def get_config(self):
        config = super().get_config()
        config["time_sampling"] = self.time_sampling
        return config
