"""gz.callbacks.BackupAndRestore: training straight through and training that crashes in the
middle of an epoch, then resumes in a fresh model and a fresh `fit`, end with identical state
for every family; backups are atomic and never hold a non-finite state.

scripts/test.sh runs this file on TensorFlow, JAX and PyTorch: the resume is exact on each."""

import json
import os
import warnings

import keras
import numpy as np
import pytest

import keras_genzoo as gz
from keras_genzoo.callbacks.backup import PREVIOUS, RECORD
from keras_genzoo.trainers.optimizer_group import OptimizerGroup

IMAGE = (8, 8, 1)
K = 3
N, BATCH = 20, 4  # 5 steps per epoch
EPOCHS = 2

# Tiny networks for every family of the registry (the keyword arguments of registry.create).
TINY = {
    "autoencoder": dict(data_shape=IMAGE, latent_dim=2, base_filters=4),
    "vae": dict(data_shape=IMAGE, latent_dim=2, base_filters=4),
    "gan": dict(data_shape=(6,), latent_dim=3, hidden_units=(16, 16)),
    "dcgan": dict(data_shape=IMAGE, latent_dim=4, base_filters=4, ema_decay=0.9),
    "wgan": dict(data_shape=(6,), latent_dim=3, n_critic=2),
    "wgangp": dict(data_shape=IMAGE, latent_dim=4, base_filters=4, n_critic=3),
    "cvae": dict(data_shape=IMAGE, latent_dim=2, base_filters=4, num_classes=K),
    "cgan": dict(data_shape=IMAGE, latent_dim=4, base_filters=4, num_classes=K, embedding_dim=3, ema_decay=0.9),
    "acgan": dict(data_shape=IMAGE, latent_dim=4, base_filters=4, num_classes=K, embedding_dim=3),
    "diffusion": dict(data_shape=IMAGE, base_filters=4, ema_decay=0.9),
    "flow": dict(data_shape=IMAGE, base_filters=4, num_classes=K, ema_decay=0.9),
}


# The step functions of these are compiled (tf.function / jax.jit) as in real use; the others
# run eagerly, which costs a third of the CPU time for these tiny networks and runs the same step.
COMPILED = {"dcgan", "wgangp", "cgan"}
# On JAX (scripts/test.sh runs this file there too) eager steps are slow; every step is compiled
# and the family test runs these, the TensorFlow run covering every family.
JAX_FAMILIES = COMPILED


def test_every_registered_family_is_covered():
    assert set(TINY) == set(gz.models.registry.names())


def make(name):
    kwargs = dict(TINY[name], seed=0)
    model = gz.models.registry.create(name, compile=False, **kwargs)
    model.compile(run_eagerly=name not in COMPILED and keras.backend.backend() == "tensorflow")
    return model


def dataset(name, repeat=False):
    rng = np.random.default_rng(0)
    shape = TINY[name]["data_shape"]
    x = rng.uniform(0.0, 1.0, (N, *shape)).astype("float32") if len(shape) == 3 else rng.normal(size=(N, *shape)).astype("float32")
    y = np.arange(N) % K if gz.models.registry.get(name).conditional else None
    ds = gz.data.from_array(x, y, batch_size=BATCH, seed=1)
    return ds.repeat() if repeat else ds


class Crash(keras.callbacks.Callback):
    """Raises before global step `at` (0-based) runs: the state after step `at - 1` is the last."""

    def __init__(self, at):
        super().__init__()
        self.at, self.seen = at, 0

    def on_train_batch_begin(self, batch, logs=None):
        if self.seen == self.at:
            raise KeyboardInterrupt(f"simulated crash before step {self.at}")
        self.seen += 1


def state(model):
    """Every variable a resume must restore, by path: weights (incl. generator_ema, step counter,
    batch-norm statistics), every optimizer's slots and iterations, the seed generator."""
    variables = list(model.weights)
    for name in ("d_optimizer", "g_optimizer", "optimizer"):
        optimizer = getattr(model, name, None)
        if optimizer is not None and not isinstance(optimizer, OptimizerGroup):
            variables += optimizer.variables
    out = {f"{i}:{v.path.split('/', 1)[-1]}": np.asarray(keras.ops.convert_to_numpy(v.value)) for i, v in enumerate(variables)}
    out["seed_generator"] = np.asarray(keras.ops.convert_to_numpy(model.seed_generator.state.value))
    return out


def train(name, callbacks=(), repeat=False, **fit_kwargs):
    keras.utils.set_random_seed(0)
    model = make(name)
    history = model.fit(dataset(name, repeat), epochs=EPOCHS, verbose=0, callbacks=list(callbacks), **fit_kwargs)
    return model, history.history


def crash_and_resume(name, tmp_path, at, save_freq=1, repeat=False, **fit_kwargs):
    backup = tmp_path / "backup"
    with pytest.raises(KeyboardInterrupt):
        train(name, [Crash(at), gz.callbacks.BackupAndRestore(backup, save_freq=save_freq)], repeat, **fit_kwargs)
    callback = gz.callbacks.BackupAndRestore(backup)  # how often the resumed run saves does not matter
    model, history = train(name, [callback], repeat, **fit_kwargs)
    return model, history, callback


def assert_same_state(a, b):
    sa, sb = state(a), state(b)
    assert sa.keys() == sb.keys()
    differ = [k for k in sa if not np.array_equal(sa[k], sb[k])]
    assert not differ, f"resumed != straight for {differ[:5]}"


@pytest.fixture(autouse=True)
def deterministic_ops():
    import tensorflow as tf

    if keras.backend.backend() == "tensorflow":
        tf.config.experimental.enable_op_determinism()


# Crash in the second epoch (the dataset reshuffles: its order must be replayed), at global
# step 7 = epoch 2, step 3 of 5, which is not a multiple of n_critic = 2 or 3.
@pytest.mark.parametrize("name", list(TINY))
def test_resume_mid_epoch_equals_straight_training(name, tmp_path):
    if keras.backend.backend() != "tensorflow" and name not in JAX_FAMILIES:
        pytest.skip("on JAX the family test runs DCGAN (with EMA), WGAN-GP (n_critic=3) and cGAN; TensorFlow runs every family")
    straight, straight_history = train(name)
    resumed, history, callback = crash_and_resume(name, tmp_path, at=7)
    assert (callback.restored["epoch"], callback.restored["step"]) == (1, 2)
    assert_same_state(straight, resumed)
    # The epoch logs average every step of the epoch, the replayed ones included.
    assert history == {k: v[1:] for k, v in straight_history.items()}
    if name == "wgangp":
        assert int(resumed.critic_steps.numpy()) == EPOCHS * N // BATCH
        assert int(resumed.g_optimizer.iterations.numpy()) == EPOCHS * N // BATCH // 3
    assert not (tmp_path / "backup").exists()  # delete_checkpoint=True once fit completes


@pytest.mark.parametrize(
    "at, fit_kwargs",
    [
        (5, {}),  # a crash right after an epoch's end: resumes at the start of the next epoch
        (7, {"steps_per_epoch": 4}),  # one repeated stream read across epochs: the stream position is replayed
    ],
)
def test_resume_at_epoch_boundaries_and_on_a_repeated_stream(at, fit_kwargs, tmp_path):
    repeat = "steps_per_epoch" in fit_kwargs
    straight, straight_history = train("wgan", repeat=repeat, **fit_kwargs)
    resumed, history, callback = crash_and_resume("wgan", tmp_path, at=at, repeat=repeat, **fit_kwargs)
    assert_same_state(straight, resumed)
    epoch = callback.restored["epoch"]
    assert history == {k: v[epoch:] for k, v in straight_history.items()}


def test_stock_keras_backup_restarts_the_epoch_and_drifts(tmp_path):
    """Why the zoo ships its own: Keras' callback resumes at the start of the interrupted
    epoch, so the steps before the crash are trained twice."""
    straight, _ = train("gan")
    with pytest.raises(KeyboardInterrupt):
        train("gan", [Crash(7), keras.callbacks.BackupAndRestore(tmp_path / "k", save_freq=1)])
    resumed, _ = train("gan", [keras.callbacks.BackupAndRestore(tmp_path / "k", save_freq=1)])
    assert int(resumed.critic_steps.numpy()) == int(straight.critic_steps.numpy()) + 2


def test_save_every_n_steps_resumes_from_the_last_backup(tmp_path):
    straight, _ = train("gan")
    resumed, _, callback = crash_and_resume("gan", tmp_path, at=8, save_freq=3)
    # Backups after 3 and 6 steps (and at the end of epoch 1); 8 steps were done, 5 per epoch.
    assert (callback.restored["epoch"], callback.restored["step"]) == (1, 1)
    assert_same_state(straight, resumed)


# --------------------------------------------------------------------------- files
def test_a_failed_save_leaves_the_previous_backup_and_double_checkpoint_falls_back(tmp_path, monkeypatch):
    backup = tmp_path / "backup"
    callback = gz.callbacks.BackupAndRestore(backup, save_freq=1, double_checkpoint=True, delete_checkpoint=False)
    with pytest.raises(KeyboardInterrupt):
        train("gan", [Crash(3), callback])
    record = json.loads((backup / RECORD).read_text())
    previous = json.loads((backup / PREVIOUS).read_text())
    assert (record["step"], previous["step"]) == (3, 2)
    assert sorted(p.name for p in backup.glob("*.weights.h5")) == sorted([record["weights"], previous["weights"]])

    # A save that dies half-way (here: the weights file is cut short, then the process "dies").
    model = make("gan")
    callback.set_model(model)

    def dying_save(path, overwrite=True):
        with open(path, "wb") as f:
            f.write(b"\x89HDF\r\n")
        raise KeyboardInterrupt("killed while saving")

    monkeypatch.setattr(model, "save_weights", dying_save)
    with pytest.raises(KeyboardInterrupt):
        callback._save(0, 4)
    assert json.loads((backup / RECORD).read_text()) == record  # the record still names the complete file
    assert gz.callbacks.BackupAndRestore.latest_record(backup)["step"] == 3
    monkeypatch.undo()

    # The latest weights file corrupt: the previous backup is restored.
    (backup / record["weights"]).write_bytes(b"garbage")
    restored = gz.callbacks.BackupAndRestore(backup, save_freq=1, double_checkpoint=True)
    _, history = train("gan", [restored])
    assert (restored.restored["epoch"], restored.restored["step"]) == (0, 2)
    assert len(history["d_loss"]) == EPOCHS


def test_rejects_bad_arguments(tmp_path):
    with pytest.raises(ValueError, match="save_freq must be 'epoch' or a positive integer.*got 0"):
        gz.callbacks.BackupAndRestore(tmp_path, save_freq=0)
    with pytest.raises(ValueError, match="save_freq must be 'epoch' or a positive integer.*got 'batch'"):
        gz.callbacks.BackupAndRestore(tmp_path, save_freq="batch")
    with pytest.raises(ValueError, match="Empty `backup_dir`"):
        gz.callbacks.BackupAndRestore("")
    (tmp_path / RECORD).write_text(json.dumps({"format": "something else"}))
    with pytest.raises(OSError, match="not a backup written by keras_genzoo"):
        train("gan", [gz.callbacks.BackupAndRestore(tmp_path)])


# --------------------------------------------------------------------------- non-finite training
class PlantNaN(keras.callbacks.Callback):
    """Sets one generator weight to NaN after global step `at` (0-based)."""

    def __init__(self, at, network="generator"):
        super().__init__()
        self.at, self.network, self.seen = at, network, 0

    def on_train_batch_end(self, batch, logs=None):
        if self.seen == self.at:
            variable = getattr(self.model, self.network).trainable_variables[0]
            variable.assign(np.full(variable.shape, np.nan, "float32"))
        self.seen += 1


def test_a_non_finite_state_is_never_backed_up(tmp_path):
    backup = tmp_path / "backup"
    callback = gz.callbacks.BackupAndRestore(backup, save_freq=1)
    with pytest.warns(RuntimeWarning, match=r"the generator diverged: weights generator/\S+ hold NaN/Inf at epoch 1, step 4"):
        _, history = train("dcgan", [PlantNaN(3), callback])
    assert len(history["d_loss"]) == 1  # training stopped in the first epoch
    assert "backup of epoch 1, step 3" in callback.diverged
    # The backup is kept (not deleted at the end) and holds the last finite state.
    record = gz.callbacks.BackupAndRestore.latest_record(backup)
    assert (record["epoch"], record["step"]) == (0, 3)
    model = make("dcgan")
    model.load_weights(backup / record["weights"])
    assert all(np.all(np.isfinite(v)) for v in state(model).values() if np.issubdtype(v.dtype, np.floating))


def test_training_health_names_the_diverged_network_from_the_loss():
    model = make("gan")
    health = gz.callbacks.TrainingHealth(raise_error=True)
    health.set_model(model)
    with pytest.raises(FloatingPointError, match=r"the discriminator diverged: d_loss=nan at step 1"):
        health.on_train_batch_end(0, {"d_loss": float("nan"), "g_loss": 0.7})
    autoencoder = make("vae")
    health = gz.callbacks.TrainingHealth(check_weights_every=1, raise_error=True)
    health.set_model(autoencoder)
    variable = autoencoder.decoder.trainable_variables[0]
    variable.assign(np.full(variable.shape, np.inf, "float32"))
    with pytest.raises(FloatingPointError, match=r"the decoder diverged: weights decoder/\S+ hold NaN/Inf at step 1"):
        health.on_train_batch_end(0, {"loss": 1.0})


@pytest.mark.covered_across_backends
def test_the_backup_is_transparent_to_other_callbacks(tmp_path):
    """In the resumed epoch the replayed steps are passed to the other callbacks with the
    batch indices of the uninterrupted run, and the epoch ends after the same number of steps."""

    class Batches(keras.callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.seen = []

        def on_epoch_begin(self, epoch, logs=None):
            self.seen.append([])

        def on_train_batch_end(self, batch, logs=None):
            self.seen[-1].append(batch)

    with pytest.raises(KeyboardInterrupt):
        train("gan", [Crash(7), gz.callbacks.BackupAndRestore(tmp_path, save_freq=1)])
    batches = Batches()
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        train("gan", [batches, gz.callbacks.BackupAndRestore(tmp_path, save_freq=1)])
    assert batches.seen == [[0, 1, 2, 3, 4]]  # epoch 2 only, its first two steps replayed
    assert not os.path.exists(tmp_path)


# --------------------------------------------------------------------------- where the data stream starts
@pytest.mark.skipif(keras.backend.backend() != "tensorflow", reason="tf.distribute strategies are TensorFlow's")
def test_resume_under_a_strategy_whose_fit_looks_at_a_batch_first(tmp_path):
    """Under a tf.distribute strategy Keras opens an iterator and draws one batch before
    training (to build the model): the stream is positioned only for the training iterator."""
    import tensorflow as tf

    def run(callbacks):
        keras.utils.set_random_seed(0)
        with tf.distribute.OneDeviceStrategy("/cpu:0").scope():
            model = make("wgan")
            history = model.fit(dataset("wgan"), epochs=3, verbose=0, callbacks=callbacks)
        return model, history.history

    straight, straight_history = run([])
    with pytest.raises(KeyboardInterrupt):
        run([Crash(12), gz.callbacks.BackupAndRestore(tmp_path, save_freq=1)])
    callback = gz.callbacks.BackupAndRestore(tmp_path)
    resumed, history = run([callback])
    assert (callback.restored["epoch"], callback.restored["step"]) == (2, 2)
    assert_same_state(straight, resumed)
    assert history == {k: v[2:] for k, v in straight_history.items()}


def test_data_fit_cannot_position_resumes_with_a_warning(tmp_path):
    keras.utils.set_random_seed(0)
    x = dataset("gan")
    arrays = np.concatenate([batch.numpy() for batch in x])
    with pytest.raises(KeyboardInterrupt):
        make("gan").fit(arrays, batch_size=BATCH, epochs=EPOCHS, verbose=0,
                        callbacks=[Crash(7), gz.callbacks.BackupAndRestore(tmp_path, save_freq=1)])
    callback = gz.callbacks.BackupAndRestore(tmp_path)
    with pytest.warns(RuntimeWarning, match="not a tf.data pipeline of known length"):
        history = make("gan").fit(arrays, batch_size=BATCH, epochs=EPOCHS, verbose=0, callbacks=[callback])
    assert (callback.restored["epoch"], callback.restored["step"]) == (1, 2)
    assert len(history.history["d_loss"]) == 1


def test_a_model_whose_fit_does_not_ask_cannot_resume(tmp_path):
    """Only a zoo model's fit positions its data: another model finding a backup is an error."""
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    x, y = np.zeros((8, 2), "float32"), np.zeros((8, 1), "float32")
    callback = gz.callbacks.BackupAndRestore(tmp_path, delete_checkpoint=False)
    model.fit(x, y, epochs=1, verbose=0, callbacks=[callback])  # backing up works
    assert callback.saves == 1 and callback.latest_record(tmp_path)["epoch"] == 1
    with pytest.raises(TypeError, match="did not ask where to resume.*keras.callbacks.BackupAndRestore"):
        model.fit(x, y, epochs=2, verbose=0, callbacks=[gz.callbacks.BackupAndRestore(tmp_path)])


def test_fit_reads_a_finite_pipeline_as_one_stream_positioned_by_epoch():
    import tensorflow as tf

    from keras_genzoo.models.data_stream import DataStream

    def batches():  # 4 batches, the last partial, reshuffled on every pass
        return tf.data.Dataset.range(10).shuffle(10, seed=3).batch(3)

    def first_batch_then(data, begins, n):
        peek = next(iter(data)).numpy().tolist()  # as Keras does before training, under a strategy
        if begins is not None:
            begins.on_train_begin()
        return peek, [b.numpy().tolist() for b in data.take(n)]

    stream = DataStream(batches())
    assert stream.replayable and stream.steps_per_epoch == 4
    peek, straight = first_batch_then(stream.data, None, 12)
    stream = DataStream(batches())
    begins = stream.start_at(2)
    assert first_batch_then(stream.data, begins, 4) == (peek, straight[8:12])  # epoch 2 = the third pass
    assert stream.start_at(0) is None
    # Data fit cannot position is passed as given.
    for data, steps in [(np.zeros((4, 2)), None), (batches(), 3), (batches().filter(lambda b: True), None)]:
        stream = DataStream(data, steps)
        assert not stream.replayable and stream.data is data and stream.steps_per_epoch == steps
