"""The backend-free description of one training step.

A family says *what* a step does and nothing about gradients:

- `prepare_batch(data)`: the examples (and labels) of a batch, checked and mapped to the
  model's internal range;
- `step_noise(batch)`: every random draw of the step, made once, before any update, so the
  seed generator advances the same way whichever updates run;
- `training_updates()`: a tuple of `Update`s, run in order. Each names the sub-models whose
  trainable variables it changes, the attribute holding its optimizer, and its objective: a
  function of the batch and the noise returning `(loss, logs)`, written with `keras.ops`;
- `n_critic`: an update with `generator_phase=True` runs on every `n_critic`-th step only
  (one step = one critic update on a fresh real batch, Algorithm 1 of the GAN/WGAN papers);
  `is_generator_step` below is the one place that schedule is computed;
- `record_step(logs, weights)`: updates the family's metrics from the step's logs.

`keras_genzoo.trainers` turns this description into `train_step` for TensorFlow, JAX or
PyTorch. This module sits with the trainers, below `keras_genzoo.models`: the families import
it, the trainers read it, and it imports neither.
"""

from __future__ import annotations

import dataclasses
from typing import Callable

from keras import ops


@dataclasses.dataclass(frozen=True)
class Update:
    """One optimizer update of a training step.

    Attributes:
        name: what is updated (`"discriminator"`, `"generator"`, `"autoencoder"`).
        networks: attributes of the model holding the sub-models whose trainable variables
            the update changes, in the order their optimizer was built with.
        optimizer: attribute of the model holding the optimizer.
        objective: `objective(batch, noise) -> (loss, logs)`; `loss` is a scalar mean over the
            batch (the trainers scale it for replicas and mixed precision).
        loss_name: the key of `loss` in the step's logs.
        log_names: the other keys of the logs the objective returns (each becomes a metric).
        generator_phase: run only on the steps that end a critic phase (every `n_critic`-th).
    """

    name: str
    networks: tuple
    optimizer: str
    objective: Callable
    loss_name: str
    log_names: tuple = ()
    generator_phase: bool = False


def evaluation_step(model, data):
    """What `test_step` does on every backend: every update's objective on a batch, recorded
    in the model's metrics, without updating anything. Returns the metrics' logs."""
    batch = model.prepare_batch(data)
    noise = model.step_noise(batch)
    return model.record_step(*model.evaluation_logs(batch, noise))


def update_variables(model, update):
    """The trainable variables `update` changes, in a fixed order."""
    variables = []
    for name in update.networks:
        variables.extend(getattr(model, name).trainable_variables)
    return variables


# --------------------------------------------------------------------------- the critic schedule
# One fit step is one critic (discriminator) update; the generator updates on every
# `n_critic`-th step. Every part of the package that needs the schedule (the trainers, the
# generator's moving average, callbacks) asks these two functions.


def is_generator_step(step, n_critic):
    """Whether fit step number `step` (1-based: the first step is 1) ends with a generator
    update. `step` may be a Python int (then a bool is returned) or an integer tensor (then a
    boolean tensor)."""
    if isinstance(step, int):
        return step % n_critic == 0
    return ops.equal(ops.mod(step, n_critic), 0)


def has_generator_phase(model):
    """Whether some of `model`'s updates run only on generator steps (`n_critic > 1`)."""
    return getattr(model, "n_critic", 1) > 1 and any(u.generator_phase for u in model.training_updates())


def generator_updates(steps, n_critic):
    """How many generator updates the first `steps` fit steps made (an int or a float32 tensor)."""
    if isinstance(steps, int):
        return steps // n_critic
    return ops.floor(ops.cast(steps, "float32") / float(n_critic))
