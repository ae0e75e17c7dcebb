"""The private Keras APIs wrapped in `keras_genzoo.trainers.keras_private`, checked against the
installed Keras on the backend the tests run on (scripts/test.sh runs this file on TensorFlow,
JAX and PyTorch). A failure here means Keras changed what a wrapper relies on: update the
wrapper and the Keras versions it names."""

import keras
import numpy as np
import pytest

from keras_genzoo.trainers import keras_private


# --------------------------------------------------------------------------- skip_train_call
# Two steps per train_function call where the backend allows it (PyTorch runs one).
SPE = 1 if keras.backend.backend() == "torch" else 2


def _tiny_model():
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse", steps_per_execution=SPE)
    return model


class _SkipCalls(keras.callbacks.Callback):
    """Replaces the train_function calls of the steps in `skip` (0-based) by `skip_train_call`."""

    def __init__(self, skip):
        super().__init__()
        self.skip, self.calls, self.args = set(skip), 0, []

    def on_train_begin(self, logs=None):
        function = self.model.train_function

        def train_function(*args):
            call, self.calls = self.calls, self.calls + 1
            self.args.append(args)
            if call in self.skip:
                return keras_private.skip_train_call(args, {"loss": -1.0}, self.model.steps_per_execution)
            return function(*args)

        self.model.train_function = train_function


def test_skip_train_call_reads_the_steps_batches_and_trains_nothing():
    x = np.arange(24, dtype="float32").reshape(8, 3) / 24.0
    y = np.ones((8, 1), "float32")
    # 8 examples, batches of 2: 4 steps. Skipping the calls of the first two steps must leave
    # the next calls training on batches 3 and 4, as an unskipped run's do.
    skipping = _tiny_model()
    initial = [w.copy() for w in skipping.get_weights()]
    skip = _SkipCalls(range(2 // SPE))
    history = skipping.fit(x, y, batch_size=2, epochs=1, shuffle=False, callbacks=[skip], verbose=0)
    assert skip.calls == 4 // SPE
    assert np.isfinite(history.history["loss"][0])
    # The same state as training on the last two batches alone.
    reference = _tiny_model()
    reference.set_weights(initial)
    reference.fit(x[4:], y[4:], batch_size=2, epochs=1, shuffle=False, verbose=0)
    for a, b in zip(skipping.get_weights(), reference.get_weights()):
        np.testing.assert_array_equal(a, b)
    # A skipped call changes no variable and returns the logs it was given, as the backend's call does.
    untouched = _tiny_model()
    untouched.set_weights(initial)
    skip = _SkipCalls(range(4 // SPE))
    untouched.fit(x, y, batch_size=2, epochs=1, shuffle=False, callbacks=[skip], verbose=0)
    for a, b in zip(untouched.get_weights(), initial):
        np.testing.assert_array_equal(a, b)
    assert int(keras.ops.convert_to_numpy(untouched.optimizer.iterations)) == 0


def test_skip_train_call_rejects_an_unknown_calling_convention():
    with pytest.raises(TypeError, match="neither a data iterator nor a list of batches"):
        keras_private.skip_train_call((object(),), {}, 1)


# --------------------------------------------------------------------------- current_stateless_scope
def test_current_stateless_scope_sees_the_scope_in_force():
    assert keras_private.current_stateless_scope() is None
    v = keras.Variable(1.0)
    with keras.StatelessScope(state_mapping=[(v, keras.ops.convert_to_tensor(2.0))]) as scope:
        found = keras_private.current_stateless_scope()
        assert found is scope
        assert float(keras.ops.convert_to_numpy(found.get_current_value(v))) == 2.0
    assert keras_private.current_stateless_scope() is None


# --------------------------------------------------------------------------- in_multi_worker_mode
@pytest.mark.skipif(keras.backend.backend() != "tensorflow", reason="tf.distribute strategies")
def test_in_multi_worker_mode_is_false_on_one_worker():
    import tensorflow as tf

    assert keras_private.in_multi_worker_mode(tf.distribute.get_strategy()) is False
    assert keras_private.in_multi_worker_mode(tf.distribute.OneDeviceStrategy("/cpu:0")) is False
    # The multi-worker strategy still has the private method the wrapper reads (single worker here:
    # the two-process run in tests/test_distribute.py checks the True case).
    strategy = tf.distribute.MultiWorkerMirroredStrategy()
    assert callable(getattr(strategy.extended, "_in_multi_worker_mode", None))
    assert keras_private.in_multi_worker_mode(strategy) is False
