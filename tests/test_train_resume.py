"""`genzoo train` killed with SIGKILL in the middle of an epoch and run again finishes as if it
had never stopped; a kill while saving leaves no half-written file; a diverging run stops with
a message naming the network and keeps its last good model."""

import csv
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import keras
import numpy as np
import pytest
from click.testing import CliRunner

from keras_genzoo import cli, runs
from keras_genzoo.callbacks.backup import BackupAndRestore

ROOT = Path(__file__).resolve().parents[1]
STEPS = 30
ARGS = ["train", "wgangp", "--dataset", "digits", "--epochs", "2", "--steps-per-epoch", str(STEPS), "--batch-size", "8",
        "--base-filters", "4", "--latent-dim", "4", "--fid-every", "0", "--eval-samples", "20", "--backup-every", "1"]
# Op determinism on: the two runs are compared bit for bit.
ENV = dict(os.environ, TF_DETERMINISTIC_OPS="1", TF_CPP_MIN_LOG_LEVEL="2", KERAS_BACKEND="tensorflow")


def genzoo(*args):
    return subprocess.Popen([sys.executable, "-m", "keras_genzoo.cli", *map(str, args)], cwd=ROOT, env=ENV,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def finish(process, timeout=900):
    stdout, stderr = process.communicate(timeout=timeout)
    assert process.returncode == 0, f"exit {process.returncode}\n{stderr[-3000:]}"
    return stdout


def history(run):
    with open(run / "history.csv") as f:
        return list(csv.DictReader(f))


def variables(model):
    found = list(model.weights) + list(model.d_optimizer.variables) + list(model.g_optimizer.variables)
    return [np.asarray(v.numpy()) for v in found] + [model.seed_generator.state.numpy()]


def test_cli_default_backup_frequency_is_the_runs_default():
    option = next(p for p in cli.train.params if p.name == "backup_every")
    assert option.default == runs.BACKUP_EVERY


def test_sigkill_mid_epoch_then_rerun_equals_an_uninterrupted_run(tmp_path):
    straight_run, killed_run = tmp_path / "straight", tmp_path / "killed"
    straight = genzoo(*ARGS, "--out", straight_run)  # runs alongside the one that gets killed
    killed = genzoo(*ARGS, "--out", killed_run)
    record, deadline = None, time.monotonic() + 600
    while time.monotonic() < deadline and killed.poll() is None:
        record = BackupAndRestore.latest_record(killed_run / "backup")
        if record and record["epoch"] == 1 and 2 <= record["step"] < STEPS - 5:
            break
        time.sleep(0.01)
    assert killed.poll() is None, "the run ended before it could be killed in its second epoch"
    os.kill(killed.pid, signal.SIGKILL)
    killed.wait()
    assert killed.returncode == -signal.SIGKILL
    record = BackupAndRestore.latest_record(killed_run / "backup")
    assert record["epoch"] == 1 and 0 < record["step"] < STEPS, record  # killed in the middle of the second epoch
    assert not (killed_run / "model.keras").exists()

    finish(genzoo(*ARGS, "--out", killed_run))  # the same command again
    finish(straight)
    assert not (killed_run / "backup").exists()
    assert history(killed_run) == history(straight_run)  # the same epochs (0, 1), the same logged means
    assert [row["epoch"] for row in history(killed_run)] == ["0", "1"]
    resumed_metrics = json.loads((killed_run / "metrics.json").read_text())
    straight_metrics = json.loads((straight_run / "metrics.json").read_text())
    resumed_metrics.pop("train_seconds"), straight_metrics.pop("train_seconds")
    assert resumed_metrics == straight_metrics
    a = keras.models.load_model(straight_run / "model.keras")
    b = keras.models.load_model(killed_run / "model.keras")
    assert int(b.critic_steps.numpy()) == 2 * STEPS
    differ = [i for i, (x, y) in enumerate(zip(variables(a), variables(b))) if not np.array_equal(x, y)]
    assert not differ


KILL_WHILE_SAVING = r"""
import os, signal, sys
import numpy as np, keras
import keras_genzoo as gz
from keras_genzoo.utils import save_model

out = sys.argv[1]
model = gz.models.GAN(data_shape=(2,), latent_dim=2, hidden_units=(4,), seed=0)
model.compile()
save_model(model, os.path.join(out, "model.keras"))  # a complete model
model.generator.trainable_variables[0].assign(np.ones(model.generator.trainable_variables[0].shape, "float32"))

def dying_save(path, overwrite=True, **kwargs):
    with open(path, "wb") as f:  # Keras writes its zip archive ...
        f.write(b"PK\x03\x04 half an archive")
        f.flush()
    os.kill(os.getpid(), signal.SIGKILL)  # ... and the process is killed in the middle

model.save = dying_save
save_model(model, os.path.join(out, "model.keras"))
"""


def test_sigkill_while_saving_leaves_the_previous_model_and_no_half_written_file(tmp_path):
    process = subprocess.run([sys.executable, "-c", KILL_WHILE_SAVING, str(tmp_path)], cwd=ROOT, env=ENV,
                             capture_output=True, text=True, timeout=600)
    assert process.returncode == -signal.SIGKILL, process.stderr[-2000:]
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names[0].startswith(".model.keras.") and names[0].endswith(".tmp.keras") and names[1:] == ["model.keras"]
    model = runs.load_source(tmp_path / "model.keras")  # the complete model of before, not the half-written one
    assert not np.all(model.generator.trainable_variables[0].numpy() == 1.0)
    from keras_genzoo.utils import remove_stale_temporaries

    assert [p.name for p in remove_stale_temporaries(tmp_path)] == [names[0]]  # what `genzoo train` clears on start


class PlantNaN(keras.callbacks.Callback):
    def __init__(self, at):
        super().__init__()
        self.at, self.seen = at, 0

    def on_train_batch_end(self, batch, logs=None):
        if self.seen == self.at:
            variable = self.model.generator.trainable_variables[0]
            variable.assign(np.full(variable.shape, np.nan, "float32"))
        self.seen += 1


def config():
    return runs.RunConfig(model="dcgan", dataset="digits", epochs=2, steps_per_epoch=6, batch_size=8, base_filters=4,
                          latent_dim=4, fid_every=0, eval_samples=20)


def test_a_diverging_run_stops_naming_the_network_and_keeps_the_last_good_model(tmp_path):
    out = tmp_path / "run"
    with pytest.raises(runs.TrainingDiverged, match=r"the generator diverged: weights generator/\S+ hold NaN/Inf") as e:
        runs.train(config(), out, verbose=0, extra_callbacks=[PlantNaN(at=8)], backup_every=1)
    # Planted after step 9 (epoch 2, step 3): the last good state is the one after epoch 2, step 2.
    assert "last good state (epoch 2, step 2)" in str(e.value)
    model = runs.load_source(out)
    assert all(np.all(np.isfinite(v)) for v in variables(model) if np.issubdtype(v.dtype, np.floating))
    assert int(model.critic_steps.numpy()) == 8
    assert BackupAndRestore.latest_record(out / "backup")["step"] == 2  # the backup is kept
    assert [row["epoch"] for row in history(out)] == ["0"]


def test_genzoo_train_exits_non_zero_on_divergence_with_one_clear_line(tmp_path, monkeypatch):
    """A learning rate of 1e30 makes the autoencoder's weights overflow within a few steps."""
    build = runs.training.build_model

    def huge_learning_rate(config):
        model = build(config)
        model.compile(optimizer=keras.optimizers.SGD(1e30))
        return model

    monkeypatch.setattr(runs.training, "build_model", huge_learning_rate)
    result = CliRunner().invoke(cli.main, ["train", "autoencoder", "--dataset", "digits", "--epochs", "1",
                                           "--steps-per-epoch", "5", "--batch-size", "8", "--base-filters", "4",
                                           "--fid-every", "0", "--backup-every", "1", "--out", str(tmp_path / "run")])
    assert result.exit_code == 1, result.output
    last = result.output.strip().splitlines()[-1]
    # Step 1 overflows the weights to huge values, step 2's loss is NaN: the state after step 1 is the last finite one.
    assert last.startswith("Error: TrainingDiverged: TrainingHealth: the autoencoder diverged: loss=nan"), last
    assert "The last good state (epoch 1, step 1) is saved in" in last
    assert "Traceback" not in result.output
    model = runs.load_source(tmp_path / "run")
    assert all(np.all(np.isfinite(v.numpy())) for v in model.weights if "float" in str(v.dtype))
