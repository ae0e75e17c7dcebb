"""The TensorFlow trainer: `tf.GradientTape`, `tf.distribute` replica scaling, loss scaling.

`train_step(model, data)` runs the family's updates in order. An update that only runs on
generator steps (every `n_critic`-th) is decided in one of two ways:

- `steps_per_execution = 1`: in Python before each step. The trainer traces two step
  functions (critic only; critic then generator) and dispatches between them on the model's
  step counter. This works under every `tf.distribute` strategy.
- `steps_per_execution > 1` (one replica only): inside the step, with `tf.cond` on the step
  counter around the generator's update, so that Keras runs several steps, e.g. a whole
  critic cycle, in one traced call. Under `tf.distribute.MirroredStrategy` with several
  replicas a conditional around `apply_gradients` would put a cross-replica synchronisation
  inside control flow, which the strategy rejects, so there the models refuse
  `steps_per_execution > 1` (`make_train_function` raises a `ValueError`).
"""

from __future__ import annotations

import tensorflow as tf
from keras import ops

from keras_genzoo.trainers import keras_private, steps
from keras_genzoo.trainers.steps import update_variables

#: Keras versions on which `log_values`' multi-worker workaround was tested (two worker
#: processes on 127.0.0.1, see tests/test_distribute.py).
MULTI_WORKER_WORKAROUND_TESTED = ("3.15",)


def num_replicas():
    """Replicas that run a step in sync (1 outside `tf.distribute`)."""
    return tf.distribute.get_strategy().num_replicas_in_sync


def replica_id():
    """This replica's index in its sync group (0 outside `tf.distribute` replica context)."""
    context = tf.distribute.get_replica_context()
    if context is None:
        return tf.constant(0, tf.int32)
    return tf.cast(context.replica_id_in_sync_group, tf.int32)


def in_multi_worker_mode():
    """True inside a `MultiWorkerMirroredStrategy` that spans more than one worker."""
    strategy = tf.distribute.get_strategy()
    return isinstance(strategy, tf.distribute.MultiWorkerMirroredStrategy) and keras_private.in_multi_worker_mode(strategy)


#: the phase of a step that decides from the step counter, in the graph, whether the generator updates
IN_GRAPH = "in_graph"


def _run_if(condition, fn):
    """`fn()` (which returns `(loss, logs)`) when `condition` holds, else zeros of the same
    structure; the skipped branch updates nothing."""
    structure = {}

    def taken():
        out = fn()
        structure["spec"] = tf.nest.map_structure(lambda t: tf.TensorSpec(t.shape, t.dtype), out)
        return out

    def skipped():
        return tf.nest.map_structure(lambda spec: tf.zeros(spec.shape, spec.dtype), structure["spec"])

    return tf.cond(condition, taken, skipped)


def minimize(loss_fn, variables, optimizer):
    """One optimizer step on `loss_fn()` w.r.t. `variables`; returns `(loss, logs)` unscaled.

    The loss is divided by the number of replicas (optimizers sum gradients across replicas)
    and passed through `optimizer.scale_loss` (a `LossScaleOptimizer` under mixed_float16).
    """
    with tf.GradientTape() as tape:
        loss, aux = loss_fn()
        scaled = optimizer.scale_loss(loss / num_replicas())
    grads = tape.gradient(scaled, variables)
    optimizer.apply_gradients(zip(grads, variables))
    return loss, aux


class Trainer:
    name = "tensorflow"

    def compile_inference(self, fn, variables):
        # tf.Variables are captured by the graph and read at each call.
        return tf.function(fn, reduce_retracing=True)

    def __init__(self):
        # id(model) -> the phase the step function being traced runs: True (every update), False
        # (critic only) or IN_GRAPH. Read when `tf.function` traces the step, which happens on
        # its first call (and on a retrace), so it is set before every call.
        self._phases = {}

    # ------------------------------------------------------------------ steps
    def train_step(self, model, data):
        batch = model.prepare_batch(data)
        noise = model.step_noise(batch)
        logs, weights = {}, {}
        generator_phase = self._phases.get(id(model), True)
        generator_updated = generator_phase
        for update in model.training_updates():
            if update.generator_phase and not generator_phase:
                weights[update.name] = 0.0
                continue

            def run(update=update):
                return minimize(
                    lambda: update.objective(batch, noise, training=True),
                    update_variables(model, update),
                    getattr(model, update.optimizer),
                )

            if update.generator_phase and generator_phase == IN_GRAPH:
                generator_updated = steps.is_generator_step(model.step_counter + 1, model.n_critic)
                loss, aux = _run_if(generator_updated, run)
                weights[update.name] = tf.cast(generator_updated, "float32")
            else:
                loss, aux = run()
                weights[update.name] = 1.0
            logs.update(aux)
            logs[update.loss_name] = ops.cast(loss, "float32")
        model.end_step(generator_updated)
        return model.record_step(logs, weights)

    def test_step(self, model, data):
        return steps.evaluation_step(model, data)

    def make_train_function(self, model, build, force=False):
        """`build(force)` is Keras' own `make_train_function`. With a generator phase every
        `n_critic` steps: with `steps_per_execution > 1`, Keras' function whose steps decide the
        phase in the graph; otherwise one function per phase and a dispatcher."""
        n_critic = getattr(model, "n_critic", 1)
        if not steps.has_generator_phase(model):
            self._phases[id(model)] = True
            return build(force)
        if model.steps_per_execution > 1:
            replicas = model.distribute_strategy.num_replicas_in_sync
            if replicas > 1:
                raise ValueError(
                    f"steps_per_execution={model.steps_per_execution} with n_critic={n_critic} needs a single "
                    f"replica, but the strategy has {replicas}. Compile with steps_per_execution=1."
                )
            self._phases[id(model)] = IN_GRAPH
            return build(force)
        if model.train_function is not None and not force:
            return model.train_function
        phases = {}
        for phase in (False, True):
            build(True)
            phases[phase] = model.train_function

        def train_function(iterator):
            # Set before every call: a retrace (e.g. for a smaller last batch) sees the right phase.
            phase = steps.is_generator_step(int(model.step_counter.numpy()) + 1, n_critic)
            self._phases[id(model)] = phase
            return phases[phase](iterator)

        model.train_function = train_function
        return train_function

    def attach_optimizers(self, model, optimizers):
        """Nothing to do: the step reads each optimizer from its attribute."""

    # ------------------------------------------------------------------ primitives
    def input_gradients(self, fn, x):
        with tf.GradientTape() as tape:
            tape.watch(x)
            out = fn(x)
        return tape.gradient(out, x)

    def random(self, kind, shape, seed_generator):
        """Noise from `seed_generator`, with the draw's seed offset by the replica id: under
        `MirroredStrategy` a `SeedGenerator` has the same state on every replica, so without the
        offset every replica would draw the same noise. Reproducible for a fixed seed and
        replica count."""
        seed = seed_generator.next()
        seed = seed + tf.cast(tf.stack([replica_id() * 1_000_003, 0]), seed.dtype)
        if kind == "normal":
            return tf.random.stateless_normal(shape, seed=seed)
        return tf.random.stateless_uniform(shape, seed=seed)

    def check_data(self, x, low, high, message):
        checks = [
            tf.debugging.assert_all_finite(x, message=message),
            tf.debugging.assert_greater_equal(x, tf.cast(low, x.dtype), message=message),
            tf.debugging.assert_less_equal(x, tf.cast(high, x.dtype), message=message),
        ]
        with tf.control_dependencies(checks):
            return tf.identity(x)

    def log_values(self, logs):
        """Workaround for keras-team/keras#20585 (Keras 3 `fit` under
        `MultiWorkerMirroredStrategy`): Keras reduces multi-worker logs with
        `strategy.reduce("MEAN", v, axis=0)`, which fails on scalars ("Invalid reduction
        dimension 0"). Under multi-worker training each log value is returned with shape (1,);
        the reduction then yields the same scalar (every replica holds the globally aggregated
        metric). Elsewhere the logs are returned unchanged."""
        if not in_multi_worker_mode():
            return logs
        return {name: tf.reshape(value, (1,)) for name, value in logs.items()}
