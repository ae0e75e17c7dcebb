"""The PyTorch trainer: eager steps with `torch.autograd.grad`.

Each update differentiates its objective with respect to its own variables only and applies
the gradients with its optimizer under `torch.no_grad()`. Generator steps (every `n_critic`-th)
are decided in Python from the model's step counter.
"""

from __future__ import annotations

import keras
import torch

from keras_genzoo.trainers import steps
from keras_genzoo.trainers.steps import update_variables


class Trainer:
    name = "torch"

    def compile_inference(self, fn, variables):
        # Eager, without building autograd graphs (torch.compile is not tried here).
        def run(*args):
            with torch.no_grad():
                return fn(*args)

        return run

    def train_step(self, model, data):
        batch = model.prepare_batch(data)
        noise = model.step_noise(batch)
        logs, weights = {}, {}
        generator_updated = True
        if steps.has_generator_phase(model):
            generator_updated = steps.is_generator_step(int(model.step_counter.value.item()) + 1, model.n_critic)
        for update in model.training_updates():
            if update.generator_phase and not generator_updated:
                weights[update.name] = 0.0
                continue
            variables = update_variables(model, update)
            optimizer = getattr(model, update.optimizer)
            loss, aux = update.objective(batch, noise, training=True)
            scaled = optimizer.scale_loss(loss)
            grads = torch.autograd.grad(scaled, [v.value for v in variables], allow_unused=True)
            grads = [torch.zeros_like(v.value) if g is None else g for g, v in zip(grads, variables)]
            with torch.no_grad():
                optimizer.apply(grads, variables)
            logs.update({k: v.detach() for k, v in aux.items()})
            logs[update.loss_name] = loss.detach().float()
            weights[update.name] = 1.0
        model.end_step(generator_updated)
        return model.record_step(logs, weights)

    def test_step(self, model, data):
        return steps.evaluation_step(model, data)

    def make_train_function(self, model, build, force=False):
        return build(force)

    def attach_optimizers(self, model, optimizers):
        """Nothing to do: the step reads each optimizer from its attribute."""

    # ------------------------------------------------------------------ primitives
    def input_gradients(self, fn, x):
        # Keras evaluates under torch.no_grad(); the penalty needs autograd even there.
        with torch.enable_grad():
            if not x.requires_grad:
                x = x.detach().requires_grad_(True)
            out = fn(x)
            (grads,) = torch.autograd.grad(out.float().sum(), x, create_graph=torch.is_grad_enabled())
        return grads

    def random(self, kind, shape, seed_generator):
        if kind == "normal":
            return keras.random.normal(shape, seed=seed_generator)
        return keras.random.uniform(shape, seed=seed_generator)

    def check_data(self, x, low, high, message):
        with torch.no_grad():
            if not bool(torch.isfinite(x).all()):
                raise ValueError(f"{message}: found NaN or Inf.")
            lo, hi = float(x.min()), float(x.max())
        if lo < low or hi > high:
            raise ValueError(f"{message}: found values in [{lo:g}, {hi:g}].")
        return x

    def log_values(self, logs):
        return logs
