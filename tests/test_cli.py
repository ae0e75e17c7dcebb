"""The genzoo command with tiny settings: run as a subprocess where the process matters
(training, signals, a pipe), in-process through click's CliRunner for listings and usage errors
(each subprocess pays the imports again)."""

import csv
import json
import subprocess
import sys

import keras
import pytest
from click.testing import CliRunner

from keras_genzoo import cli, data, runs

TINY = ["--dataset", "digits", "--epochs", "1", "--steps-per-epoch", "3", "--batch-size", "16",
        "--base-filters", "4", "--latent-dim", "4", "--eval-samples", "40"]


def genzoo(*args, check_code=None):
    out = subprocess.run([sys.executable, "-m", "keras_genzoo.cli", *map(str, args)], capture_output=True, text=True,
                         timeout=600)
    if check_code is not None:
        assert out.returncode == check_code, f"exit {out.returncode}\nstdout: {out.stdout}\nstderr: {out.stderr[-3000:]}"
    return out


def invoke(*args):
    """The command in this process (click's CliRunner: output is not a tty)."""
    return CliRunner().invoke(cli.main, [str(a) for a in args])


def genzoo_here(*args, check_code=None):
    """`invoke`, checked: an exception other than the command's own exit is a failure (it would
    have been a traceback)."""
    result = invoke(*args)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    if check_code is not None:
        assert result.exit_code == check_code, f"exit {result.exit_code}\nstdout: {result.stdout}\nstderr: {result.stderr}"
    return result


def test_static_lists_match_the_package():
    assert set(cli.DATASETS) == set(data.names())
    assert set(cli.MODEL_NAMES) == set(runs.MODELS)
    from keras_genzoo import distribute

    assert set(cli.STRATEGIES) == set(distribute.STRATEGIES)


def test_help_datasets_models():
    assert "train" in genzoo_here("--help", check_code=0).stdout
    listing = genzoo_here("datasets", check_code=0).stdout
    assert "digits" in listing and "scikit-learn bundled data" in listing
    models = genzoo_here("models", check_code=0).stdout
    assert "RMSprop(lr=5e-05" in models and "Gulrajani" in models and "gp_weight=10.0" in models


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("runs") / "dcgan"
    genzoo("train", "dcgan", *TINY, "--out", out, check_code=0)
    return out


def test_train_writes_a_complete_run_directory(run_dir):
    for name in ("config.json", "model.keras", "history.csv", "loss_curves.png", "samples/epoch_001.png",
                 "interpolation.png", "interpolation.gif", "metrics.json", "report.html"):
        assert (run_dir / name).exists(), name
    assert not (run_dir / "backup").exists()  # BackupAndRestore cleans up after a finished run
    config = json.loads((run_dir / "config.json").read_text())
    assert config["config"]["model"] == "dcgan" and config["command"].startswith("genzoo train dcgan")
    metrics = json.loads((run_dir / "metrics.json").read_text())["metrics"]
    assert set(metrics) == {"fid", "is", "coverage"}
    assert metrics["fid"]["protocol"]["extractor"] == "digits" and metrics["fid"]["protocol"]["n_fake"] == 40
    report = (run_dir / "report.html").read_text()
    assert report.count("data:image/png;base64,") >= 3  # curves, last grid, interpolation embedded
    assert f"{metrics['fid']['value']:.4g}" in report and "FD (digits features)" in report
    with open(run_dir / "history.csv") as f:
        assert "fid" in next(csv.reader(f))


def test_sample_interpolate_and_eval_from_the_run(run_dir, tmp_path):
    genzoo_here("sample", run_dir, "-n", 9, "--seed", 1, "--out", tmp_path / "grid.png", check_code=0)
    assert (tmp_path / "grid.png").exists()
    genzoo_here("sample", run_dir / "model.keras", "-n", 4, "--out", tmp_path / "g2.png", check_code=0)
    genzoo_here("interpolate", run_dir, "--pairs", 2, "--steps", 4, "--out", tmp_path / "i.png", check_code=0)
    assert (tmp_path / "i.png").exists()
    result = genzoo_here("eval", run_dir, "--dataset", "digits", "--metrics", "fid,kid,precision_recall,coverage",
                    "--num-samples", 40, "--out", tmp_path / "m.json", check_code=0)
    assert "KID (digits)" in result.stdout and "precision (digits)" in result.stdout
    assert set(json.loads((tmp_path / "m.json").read_text())["metrics"]) == {"fid", "kid", "precision_recall", "coverage"}


def test_sample_takes_the_sampling_options_of_diffusion_and_flow(tmp_path):
    import numpy as np
    from PIL import Image

    import keras_genzoo as gz

    flow = gz.models.FlowMatching(image_shape=(8, 8, 1), num_classes=3, base_filters=4, seed=0)
    flow.save(tmp_path / "flow.keras")
    result = genzoo_here("sample", tmp_path / "flow.keras", "-n", 4, "--labels", "2", "--steps", 3, "--guidance", 2,
                         "--sampler", "heun", "--out", tmp_path / "grid.png", "--json", check_code=0)
    summary = json.loads(result.stdout)
    assert (summary["steps"], summary["guidance"], summary["sampler"]) == (3, 2.0, "heun")
    # the grid holds exactly what generate gives with the same options
    expected = gz.utils.image_grid(flow.generate(4, seed=0, labels=2, steps=3, guidance=2.0, sampler="heun"), cols=2)
    grid = np.asarray(Image.open(tmp_path / "grid.png"))
    np.testing.assert_array_equal(grid.reshape(expected.shape[:2]), expected.squeeze())


@pytest.mark.parametrize(
    "args,needle",
    [
        (["train", "stylegan", "--out", "x"], "'stylegan' is not one of"),
        (["train", "dcgan", "--dataset", "imagenet", "--out", "x"], "'imagenet' is not one of"),
        (["train", "dcgan", "--epochs", "0", "--out", "x"], "--epochs"),
        (["train", "dcgan", "--batch-size", "-4", "--out", "x"], "--batch-size"),
        (["sample", "does-not-exist"], "does-not-exist"),
        (["eval", ".", "--dataset", "digits", "--metrics", "fid,sharpness"], "--metrics"),
    ],
)
def test_bad_arguments_exit_2_naming_the_argument(args, needle):
    result = genzoo_here(*args, check_code=2)
    assert needle in result.stderr
    assert "Traceback" not in result.stderr


def test_unwritable_or_foreign_out_and_labels(run_dir, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    result = genzoo_here("train", "dcgan", *TINY, "--out", blocker / "sub", check_code=2)
    assert "is not writable" in result.stderr
    different = genzoo_here("train", "vae", *TINY, "--out", run_dir, check_code=2)
    assert "holds a different run" in different.stderr and "model: 'dcgan' -> 'vae'" in different.stderr
    history = (run_dir / "history.csv").read_text()
    again = genzoo_here("train", "dcgan", *TINY, "--out", run_dir, check_code=2)  # a finished run is not retrained
    assert "holds a finished run" in again.stderr and (run_dir / "history.csv").read_text() == history
    (tmp_path / "foreign").mkdir()
    (tmp_path / "foreign" / "notes.txt").write_text("mine")
    assert "holds no genzoo run" in genzoo_here("train", "dcgan", *TINY, "--out", tmp_path / "foreign",
                                                check_code=2).stderr
    labels = genzoo_here("sample", run_dir, "--labels", "1,2", check_code=2)
    assert "--labels" in labels.stderr and "not a conditional model" in labels.stderr


def test_interrupted_train_resumes_where_it_stopped(tmp_path):
    config = runs.RunConfig(model="wgan", dataset="digits", epochs=3, steps_per_epoch=5, batch_size=16, base_filters=4,
                            latent_dim=4, fid_every=0, eval_samples=40)

    class Interrupt(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            if epoch == 1:
                raise KeyboardInterrupt("simulated interruption")

    with pytest.raises(KeyboardInterrupt):
        runs.train(config, tmp_path / "run", verbose=0, extra_callbacks=[Interrupt()])
    assert (tmp_path / "run" / "backup").exists() and not (tmp_path / "run" / "model.keras").exists()
    runs.train(config, tmp_path / "run", verbose=0)
    with open(tmp_path / "run" / "history.csv") as f:
        epochs = [row["epoch"] for row in csv.DictReader(f)]
    assert epochs == ["0", "1", "2"]  # epoch 0 once, then the resumed epochs 1 and 2
    model = keras.models.load_model(tmp_path / "run" / "model.keras")
    assert int(model.critic_steps.numpy()) == 15 and int(model.g_optimizer.iterations.numpy()) == 3


def test_unloadable_source_is_a_usage_error(tmp_path):
    bad = tmp_path / "bad.keras"
    bad.write_bytes(b"not a zip")
    result = genzoo_here("sample", bad, check_code=2)
    assert "could not load a model" in result.stderr and "Traceback" not in result.stderr


def test_failure_exits_1_without_traceback_unless_debug(run_dir, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    result = genzoo("sample", run_dir, "-n", 4, "--out", blocker / "grid.png", check_code=1)
    assert result.stderr.strip().splitlines()[-1].startswith("Error: FileExistsError")
    assert "Traceback" not in result.stderr
    assert "Traceback" in genzoo("--debug", "sample", run_dir, "-n", 4, "--out", blocker / "grid.png").stderr


# --------------------------------------------------------------------------- output for machines (CliRunner: not a tty)
def assert_plain(text):
    assert "\x1b" not in text, "ANSI escape code in piped output"
    assert "\r" not in text and "\b" not in text, "carriage return / backspace redraw in piped output"


def test_piped_training_prints_plain_lines(tmp_path):
    result = invoke("train", "dcgan", *TINY, "--out", tmp_path / "run")
    assert result.exit_code == 0, result.output
    assert_plain(result.output)
    lines = result.stdout.splitlines()
    # One line for the epoch (3 steps), then the summary; no per-step redraws.
    assert any(line.startswith("epoch 1/1 - 3 steps - ") and "d_loss: " in line and "g_loss: " in line
               for line in lines), lines
    assert lines[-1].startswith("Run written to ")
    assert len(lines) < 20


def test_quiet_and_json_outputs(run_dir, tmp_path):
    quiet = invoke("sample", run_dir, "-n", 4, "--quiet", "--out", tmp_path / "q.png")
    assert quiet.exit_code == 0 and quiet.stdout == "" and (tmp_path / "q.png").exists()
    as_json = invoke("sample", run_dir, "-n", 4, "--seed", 3, "--json", "--out", tmp_path / "j.png")
    assert as_json.exit_code == 0
    assert json.loads(as_json.stdout) == {"path": str(tmp_path / "j.png"), "n": 4, "seed": 3, "model": "DCGAN"}
    interp = invoke("interpolate", run_dir, "--pairs", 2, "--steps", 3, "--json", "--out", tmp_path / "i.png")
    assert json.loads(interp.stdout)["path"] == str(tmp_path / "i.png")

    listing = json.loads(invoke("datasets", "--json").stdout)
    assert [d["name"] for d in listing["datasets"]] == data.names()
    digits = next(d for d in listing["datasets"] if d["name"] == "digits")
    assert digits["image_shape"] == [16, 16, 1] and digits["num_examples"] == {"train": 1437, "test": 360}
    families = {m["model"]: m for m in json.loads(invoke("models", "--json").stdout)["models"]}
    assert set(families) == set(runs.MODELS)
    assert families["wgan"]["n_critic"] == 5 and families["wgan"]["clip_value"] == pytest.approx(0.01)
    assert families["vae"]["n_critic"] is None

    evaluated = invoke("eval", run_dir, "--dataset", "digits", "--metrics", "fid,coverage", "--num-samples", 40,
                       "--json")
    assert evaluated.exit_code == 0, evaluated.output
    assert_plain(evaluated.stdout + evaluated.stderr)
    result = json.loads(evaluated.stdout)  # stdout is exactly one JSON document ...
    assert set(result["metrics"]) == {"fid", "coverage"} and result["metrics"]["fid"]["protocol"]["n_fake"] == 40
    assert "images: 40/40 (100%)" in evaluated.stderr  # ... and the progress went to stderr, as plain lines
    quiet_eval = invoke("eval", run_dir, "--dataset", "digits", "--metrics", "coverage", "--num-samples", 40, "-q")
    assert "images:" not in quiet_eval.output and quiet_eval.stdout.splitlines()[0].startswith("metric")


@pytest.mark.parametrize(
    "args,bad,choices",
    [
        (["train", "stylegan", "--out", "x"], "'stylegan'", cli.MODEL_NAMES),
        (["train", "dcgan", "--dataset", "imagenet", "--out", "x"], "'imagenet'", cli.DATASETS),
        (["eval", ".", "--dataset", "svhn"], "'svhn'", cli.DATASETS),
    ],
)
def test_unknown_names_exit_2_listing_the_choices(args, bad, choices):
    result = invoke(*args)
    assert result.exit_code == 2
    assert bad in result.stderr and "is not one of" in result.stderr
    for choice in choices:
        assert repr(choice) in result.stderr


def test_run_config_rejects_unknown_names_listing_the_choices():
    with pytest.raises(runs.RunError, match=r"unknown model 'stylegan'; choose one of: autoencoder, vae, gan"):
        runs.RunConfig(model="stylegan")
    with pytest.raises(runs.RunError, match=r"unknown dataset 'svhn'; choose one of: celeb_a, cifar10, digits"):
        runs.RunConfig(dataset="svhn")


def test_run_config_rejects_an_unknown_precision_listing_the_choices():
    with pytest.raises(runs.RunError, match=r"unknown mixed precision 'fp8'; choose one of: none, float16, bfloat16"):
        runs.RunConfig(mixed_precision="fp8")


def test_both_sample_commands_parse_labels_with_one_rule(tmp_path):
    """`genzoo sample` and `genzoo zoo sample` read --labels with one parser: one label for all
    samples or one per sample, checked by the model, with the same error messages."""
    import click
    import numpy as np

    import keras_genzoo as gz

    model = gz.zoo.load("cgan_fashion_mnist")
    assert cli.parse_labels(None, model, 4) is None
    np.testing.assert_array_equal(cli.parse_labels("7", model, 4), [7, 7, 7, 7])
    np.testing.assert_array_equal(cli.parse_labels("1, 2,3,4", model, 4), [1, 2, 3, 4])
    for text, message in (("1,2", "one label per sample: expected 4, got 2"), ("a,b", "comma-separated integers"),
                          ("", "comma-separated integers"), ("10", r"\[0, 10\)"), ("-1", r"\[0, 10\)")):
        with pytest.raises(click.BadParameter, match=message):
            cli.parse_labels(text, model, 4)
    unconditional = gz.models.GAN(data_shape=(2,), latent_dim=2)
    with pytest.raises(click.BadParameter, match="GAN is not a conditional model"):
        cli.parse_labels("1", unconditional, 4)
    model.save(tmp_path / "cgan.keras")
    errors = []
    for command in (["sample", tmp_path / "cgan.keras"], ["zoo", "sample", "cgan_fashion_mnist"]):
        result = genzoo_here(*command, "-n", "4", "--labels", "1,2", "--out", tmp_path / "x.png", check_code=2)
        errors.append(result.stderr.strip().splitlines()[-1])
    assert errors[0] == errors[1] and "one label per sample: expected 4, got 2" in errors[0], errors
    # Without --labels a conditional entry cycles through the classes, as generate() does.
    genzoo_here("zoo", "sample", "cgan_fashion_mnist", "-n", "12", "--out", tmp_path / "zoo.png", check_code=0)
    runs.sample_grid(model, 12, 0, tmp_path / "cycling.png", labels=np.arange(12) % 10)
    assert (tmp_path / "zoo.png").read_bytes() == (tmp_path / "cycling.png").read_bytes()


def test_demo_json_summary_on_the_fallback_dataset(tmp_path, monkeypatch):
    """`genzoo demo --json` (here on the digits fallback, 1 epoch): stdout is one JSON summary."""
    import dataclasses

    real_info = data.info

    def no_fashion_mnist(name, data_dir=None):
        found = real_info(name, data_dir=data_dir)
        return dataclasses.replace(found, source=None) if name == "fashion_mnist" else found

    monkeypatch.setattr(data, "info", no_fashion_mnist)
    result = invoke("demo", "--epochs", 1, "--json", "--out", tmp_path / "demo")
    assert result.exit_code == 0, result.output
    assert_plain(result.stdout + result.stderr)
    summary = json.loads(result.stdout)
    assert summary["dataset"] == "digits" and summary["epochs"] == 1
    assert summary["run"] == str(tmp_path / "demo") and (tmp_path / "demo" / "model.keras").exists()
    assert set(summary["metrics"]) == {"fid", "is", "coverage"}
    stored = json.loads((tmp_path / "demo" / "metrics.json").read_text())["metrics"]
    assert summary["metrics"]["fid"]["value"] == stored["fid"]["value"]
    assert "epoch 1/1 - 22 steps - " in result.stderr  # progress went to stderr, as plain lines


def test_train_on_data_with_no_batch_fails_saying_so(tmp_path):
    """A batch larger than the split (batches drop their remainder) leaves no batch to train on:
    `genzoo train` fails with the model's error instead of training nothing."""
    result = invoke("train", "vae", "--dataset", "digits", "--batch-size", 5000, "--epochs", 1, "--out", tmp_path / "run")
    assert result.exit_code == 1, result.output
    assert "VAE.fit got empty data (0 examples or batches)" in result.stderr
    assert "Traceback" not in result.stderr
