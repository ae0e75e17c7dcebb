"""The JAX trainer: stateless steps with `jax.value_and_grad` and `stateless_apply`.

Keras' JAX `fit` carries the state `(trainable, non_trainable, optimizer, metrics)` through
`train_step(state, data)` and writes it back to the variables at the end of each epoch. A
family's objectives are ordinary stateful Keras code; the trainer runs them inside
`keras.StatelessScope`s that map every variable to its current value in the carried state and
collect what they assign (batch-norm statistics, the seed generator's state, metrics). The
optimizer variables that `fit` carries are those of `model.optimizer`; for a model with two
optimizers the trainer sets it to an `OptimizerGroup` that owns both (the way
`keras.optimizers.LossScaleOptimizer` owns its inner optimizer).

The generator update of a step that is not a generator step (`n_critic > 1`) is skipped with
`jax.lax.cond`, inside the one compiled step: XLA runs only the branch taken.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import keras
from keras import ops

from keras_genzoo.trainers import keras_private, steps
from keras_genzoo.trainers.steps import update_variables
from keras_genzoo.trainers.optimizer_group import OptimizerGroup


class _State:
    """Current values of a model's variables during one stateless step."""

    def __init__(self, model, state):
        self.model = model
        groups = [model.trainable_variables, model.non_trainable_variables]
        if len(state) == 4:
            groups.append(model.optimizer.variables if model.optimizer is not None else [])
        groups.append(model.metrics_variables)
        self.groups = groups
        self.values = {}
        for variables, values in zip(groups, state):
            for v, value in zip(variables, values):
                self.values[id(v)] = value
        self.variables = {id(v): v for variables in groups for v in variables}

    def mapping(self, overrides=None):
        values = dict(self.values)
        if overrides:
            values.update(overrides)
        return [(self.variables[k], values[k]) for k in self.variables]

    def run(self, fn, overrides=None):
        """Runs `fn()` statelessly and keeps what it assigned."""
        with keras.StatelessScope(state_mapping=self.mapping(overrides)) as scope:
            out = fn()
        self.absorb(scope)
        return out

    def absorb(self, scope, only=None):
        for k, v in self.variables.items():
            if only is not None and k not in only:
                continue
            new = scope.get_current_value(v)
            if new is not None:
                self.values[k] = new

    def state(self):
        return tuple([self.values[id(v)] for v in variables] for variables in self.groups)


class Trainer:
    name = "jax"

    def compile_inference(self, fn, variables):
        def stateless(values, *args):
            with keras.StatelessScope(state_mapping=list(zip(variables, values))):
                return fn(*args)

        compiled = jax.jit(stateless)
        return lambda *args: compiled([v.value for v in variables], *args)

    # ------------------------------------------------------------------ steps
    def train_step(self, model, state, data):
        st = _State(model, state)
        batch = st.run(lambda: model.prepare_batch(data))
        noise = st.run(lambda: model.step_noise(batch))
        logs, weights = {}, {}
        generator_updated = True
        if steps.has_generator_phase(model):
            generator_updated = st.run(lambda: steps.is_generator_step(model.step_counter + 1, model.n_critic))
        for update in model.training_updates():
            if update.generator_phase and generator_updated is not True:
                self._conditional_update(st, model, update, batch, noise, generator_updated, logs)
                weights[update.name] = ops.cast(generator_updated, "float32")
            else:
                new_values, update_logs = self._update(st, model, update, batch, noise, dict(st.values))
                st.values = new_values
                logs.update(update_logs)
                weights[update.name] = 1.0
        st.run(lambda: model.end_step(generator_updated))
        logs = st.run(lambda: model.record_step(logs, weights))
        return logs, st.state()

    def _update(self, st, model, update, batch, noise, values):
        """One optimizer update from the variable values `values`; returns new values and logs."""
        variables = update_variables(model, update)
        optimizer = getattr(model, update.optimizer)
        train_ids = [id(v) for v in variables]
        other_ids = [k for k in st.variables if k not in set(train_ids)]
        opt_ids = [id(v) for v in optimizer.variables]

        def loss_fn(train_values, other_values):
            mapping = [(st.variables[k], val) for k, val in zip(train_ids, train_values)]
            mapping += [(st.variables[k], val) for k, val in zip(other_ids, other_values)]
            with keras.StatelessScope(state_mapping=mapping) as scope:
                loss, aux = update.objective(batch, noise, training=True)
                scaled = optimizer.scale_loss(loss)
            changed = [
                new if new is not None else old
                for new, old in zip((scope.get_current_value(st.variables[k]) for k in other_ids), other_values)
            ]
            return scaled, (ops.cast(loss, "float32"), aux, changed)

        train_values = [values[k] for k in train_ids]
        other_values = [values[k] for k in other_ids]
        (_, (loss, aux, changed)), grads = jax.value_and_grad(loss_fn, has_aux=True)(train_values, other_values)
        new_values = dict(values)
        new_values.update(zip(other_ids, changed))
        opt_values = [new_values[k] for k in opt_ids]
        new_train, new_opt = optimizer.stateless_apply(opt_values, grads, train_values)
        new_values.update(zip(train_ids, new_train))
        new_values.update(zip(opt_ids, new_opt))
        logs = dict(aux)
        logs[update.loss_name] = loss
        return new_values, logs

    def _conditional_update(self, st, model, update, batch, noise, predicate, logs):
        keys = list(st.values)

        def run(values_list):
            values = dict(zip(keys, values_list))
            new_values, update_logs = self._update(st, model, update, batch, noise, values)
            return [new_values[k] for k in keys], update_logs

        values_list = [st.values[k] for k in keys]
        _, logs_shape = jax.eval_shape(run, values_list)

        def skip(values_list):
            return list(values_list), jax.tree_util.tree_map(lambda s: jnp.zeros(s.shape, s.dtype), logs_shape)

        new_list, update_logs = jax.lax.cond(predicate, run, skip, values_list)
        st.values = dict(zip(keys, new_list))
        logs.update(update_logs)

    def test_step(self, model, state, data):
        st = _State(model, state)
        logs = st.run(lambda: steps.evaluation_step(model, data))
        return logs, st.state()

    def make_train_function(self, model, build, force=False):
        return build(force)

    def attach_optimizers(self, model, optimizers):
        """`fit` carries the variables of `model.optimizer`: one optimizer that owns all of them."""
        if len(optimizers) == 1:
            model.optimizer = optimizers[0]
        else:
            model.optimizer = OptimizerGroup(optimizers, name="optimizer_group")

    # ------------------------------------------------------------------ primitives
    def input_gradients(self, fn, x):
        outer = keras_private.current_stateless_scope()

        def total(x_):
            # Reads the values of the enclosing stateless step; whatever `fn` assigns inside
            # this inner trace (batch-norm statistics) is discarded rather than leaked out.
            with _ReadThroughScope(outer):
                return jnp.sum(ops.cast(fn(x_), "float32"))

        return jax.grad(total)(x)

    def random(self, kind, shape, seed_generator):
        # One program computes the global batch (also under keras.distribution): no per-replica offset.
        if kind == "normal":
            return keras.random.normal(shape, seed=seed_generator)
        return keras.random.uniform(shape, seed=seed_generator)

    def check_data(self, x, low, high, message):
        def check(lo, hi, finite):
            if not bool(finite):
                raise ValueError(f"{message}: found NaN or Inf.")
            if float(lo) < low or float(hi) > high:
                raise ValueError(f"{message}: found values in [{float(lo):g}, {float(hi):g}].")

        jax.debug.callback(check, jnp.min(x), jnp.max(x), jnp.all(jnp.isfinite(x)))
        return x

    def log_values(self, logs):
        return logs


class _ReadThroughScope(keras.StatelessScope):
    """A stateless scope that reads unassigned variables from an enclosing scope and keeps
    its own assignments to itself."""

    def __init__(self, outer):
        super().__init__()
        self.outer = outer

    def get_current_value(self, variable):
        value = self.state_mapping.get(id(variable))
        if value is None and self.outer is not None:
            value = self.outer.get_current_value(variable)
        return value
