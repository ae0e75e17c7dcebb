"""Callbacks: grids on disk, interpolation geometry, FID in the logs, the health guard, bad input."""

import warnings

import keras
import numpy as np
import pytest
from PIL import Image

import keras_genzoo as gz
from keras_genzoo.callbacks import interpolation_latents, lerp, slerp


def digits_dcgan(seed=0):
    m = gz.models.DCGAN(image_shape=(16, 16, 1), latent_dim=8, base_filters=8, seed=seed)
    m.compile()
    return m


def digits_train(n=256):
    return gz.data.load("digits", split=f"train[:{n}]", batch_size=64, seed=0)


def test_sample_grid_files_pixel_size_and_reproducibility(tmp_path):
    runs = []
    for run in range(2):
        out = tmp_path / f"run{run}"
        cb = gz.callbacks.SampleGrid(out, num_samples=16, seed=3)
        digits_dcgan().fit(digits_train(), epochs=2, verbose=0, callbacks=[cb])
        files = sorted(out.glob("epoch_*.png"))
        assert [f.name for f in files] == ["epoch_001.png", "epoch_002.png"]
        image = Image.open(files[0])
        # 4x4 grid of 16x16 images upscaled x2 to 32 px, 1-pixel borders: 4 * 33 + 1.
        assert image.size == (133, 133) and image.mode == "L"
        runs.append([f.read_bytes() for f in files])
    assert runs[0] == runs[1]  # same seeds, byte-identical grids
    assert runs[0][0] != runs[0][1]  # training changed the samples between epochs


def test_sample_grid_rows_and_tensorboard(tmp_path):
    cb = gz.callbacks.SampleGrid(tmp_path / "g", num_samples=12, rows=3, tensorboard_dir=tmp_path / "tb")
    digits_dcgan().fit(digits_train(64), epochs=1, verbose=0, callbacks=[cb])
    assert Image.open(tmp_path / "g" / "epoch_001.png").size == (4 * 33 + 1, 3 * 33 + 1)
    assert list((tmp_path / "tb").glob("events.out.tfevents.*"))


def test_slerp_and_lerp_geometry():
    rng = np.random.default_rng(0)
    z = rng.normal(size=16)
    assert np.allclose(slerp(z, z, np.linspace(0, 1, 7)), z, atol=1e-6)
    a, b = rng.normal(size=16), rng.normal(size=16)
    path = slerp(a, b, np.linspace(0, 1, 9))
    assert path.shape == (9, 16) and np.allclose(path[0], a, atol=1e-5) and np.allclose(path[-1], b, atol=1e-5)
    # The norm moves linearly between the endpoints' norms (no dip through the origin as with lerp).
    norms = np.linalg.norm(path, axis=1)
    assert np.allclose(norms, np.linspace(np.linalg.norm(a), np.linalg.norm(b), 9), rtol=1e-5)
    assert np.linalg.norm(lerp(a, -a, [0.5])[0]) == pytest.approx(0.0, abs=1e-6)
    assert lerp(a, b, np.linspace(0, 1, 4)).shape == (4, 16)


def test_interpolation_rows_have_fixed_anchors(tmp_path):
    model = digits_dcgan()
    for method in ("slerp", "lerp"):
        latents = interpolation_latents(model, num_pairs=3, steps=5, method=method, seed=1)
        anchors = model.sample_latent(6, seed=1)
        assert latents.shape == (3, 5, 8)
        assert np.allclose(latents[:, 0], anchors[0::2], atol=1e-5) and np.allclose(latents[:, -1], anchors[1::2], atol=1e-5)
    cb = gz.callbacks.LatentInterpolation(tmp_path, num_pairs=3, steps=5)
    model.fit(digits_train(64), epochs=1, verbose=0, callbacks=[cb])
    assert Image.open(tmp_path / "interpolation_epoch_001.png").size == (5 * 33 + 1, 3 * 33 + 1)
    gif = Image.open(tmp_path / "interpolation.gif")
    assert gif.n_frames == 5 + 3  # there and back


def test_vae_interpolates_between_real_encodings():
    vae = gz.models.VAE(image_shape=(16, 16, 1), latent_dim=2, base_filters=8, seed=0)
    x = next(iter(gz.data.load("digits", split="test", batch_size=8, shuffle=False))).numpy()
    latents = interpolation_latents(vae, num_pairs=4, steps=3, method="lerp", real_images=(x[:4], x[4:]))
    assert np.allclose(latents[:, 0], vae.encode(x[:4])[0], atol=1e-6)
    grid, images = gz.callbacks.interpolation_grid(vae, latents=latents)
    assert images.shape == (4, 3, 16, 16, 1) and grid.dtype == np.uint8


def test_fid_in_history_and_model_checkpoint_monitors_it(tmp_path):
    real = gz.data.load("digits", split="test", batch_size=120, shuffle=False)
    fid = gz.callbacks.FIDCallback(real, num_samples=120, extractor="digits")
    ckpt = keras.callbacks.ModelCheckpoint(tmp_path / "best.keras", monitor="fid", mode="min", save_best_only=True)
    cover = gz.callbacks.ModeCoverage(classifier="digits", num_samples=100)
    history = digits_dcgan().fit(digits_train(), epochs=2, verbose=0, callbacks=[fid, cover, ckpt])
    assert len(history.history["fid"]) == 2 and all(v > 0 for v in history.history["fid"])
    assert set(history.history) >= {"classes_covered", "class_kl"}
    assert (tmp_path / "best.keras").exists()
    record = fid.protocols[-1]
    assert record["extractor"] == "digits" and record["n_real"] == 120 and record["n_fake"] == 120
    assert keras.models.load_model(tmp_path / "best.keras").generate(2, seed=0).shape == (2, 16, 16, 1)


def test_training_health_stops_on_planted_nan():
    model = gz.models.GAN(data_shape=(2,), latent_dim=2, hidden_units=(8,), seed=0)
    model.compile()

    class PlantNaN(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            if batch == 2:
                var = model.discriminator.trainable_variables[0]
                var.assign(np.full(var.shape, np.nan, np.float32))

    health = gz.callbacks.TrainingHealth(check_weights_every=100)
    data = gz.data.from_array(np.random.default_rng(0).normal(size=(640, 2)).astype("float32"), batch_size=32)
    with pytest.warns(RuntimeWarning, match=r"d_loss=nan.* at step 4: not finite"):
        history = model.fit(data, epochs=3, verbose=0, callbacks=[PlantNaN(), health])
    assert len(history.history["d_loss"]) == 1  # stopped in the first epoch
    assert "d_loss=nan" in health.message and "d_fake=nan" in health.message


def test_training_health_names_the_bad_weight():
    model = gz.models.GAN(data_shape=(2,), latent_dim=2, hidden_units=(4,), seed=0)
    model.compile()
    health = gz.callbacks.TrainingHealth(check_weights_every=1)
    health.set_model(model)
    var = model.generator.trainable_variables[0]
    var.assign(np.full(var.shape, np.inf, np.float32))
    with pytest.warns(RuntimeWarning, match=r"weights generator/dense_0/kernel hold NaN/Inf at step 1"):
        health.on_train_batch_end(0, {"d_loss": 0.5})


def test_training_health_warns_when_the_discriminator_wins():
    health = gz.callbacks.TrainingHealth(patience=3)
    health.set_model(gz.models.GAN(data_shape=(2,), latent_dim=2, hidden_units=(4,)))
    with pytest.warns(RuntimeWarning, match="discriminator is winning outright"):
        for i, g in enumerate([1.0, 1.5, 2.0, 2.5]):
            health.on_train_batch_end(i, {"d_fake": -6.0, "g_loss": g, "d_loss": 0.1})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        calm = gz.callbacks.TrainingHealth(patience=3)
        calm.set_model(gz.models.GAN(data_shape=(2,), latent_dim=2, hidden_units=(4,)))
        for i in range(10):
            calm.on_train_batch_end(i, {"d_fake": -0.5, "g_loss": 1.0 + i, "d_loss": 0.7})


def test_bad_input_is_rejected_before_training(tmp_path):
    blocker = tmp_path / "a_file"
    blocker.write_text("x")
    with pytest.raises(ValueError, match="Cannot write to the output directory"):
        gz.callbacks.SampleGrid(blocker / "sub")
    with pytest.raises(ValueError, match="every_n_epochs must be a positive integer, got 0"):
        gz.callbacks.SampleGrid(tmp_path, every_n_epochs=0)
    with pytest.raises(ValueError, match="num_samples=10 is not a square"):
        gz.callbacks.SampleGrid(tmp_path, num_samples=10)
    with pytest.raises(ValueError, match="does not fill 3 rows evenly"):
        gz.callbacks.SampleGrid(tmp_path, num_samples=10, rows=3)
    with pytest.raises(ValueError, match="method must be one of"):
        gz.callbacks.LatentInterpolation(tmp_path, method="cubic")
    with pytest.raises(ValueError, match="num_samples must be an integer >= 2"):
        gz.callbacks.FIDCallback(real_data=None, num_samples=1)
    plain = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    plain.compile(optimizer="sgd", loss="mse")
    with pytest.raises(TypeError, match=r"SampleGrid needs a model with generate\(\)"):
        plain.fit(np.zeros((4, 2)), np.zeros((4, 1)), verbose=0, callbacks=[gz.callbacks.SampleGrid(tmp_path)])


def test_grid_callbacks_work_with_a_vae(tmp_path):
    vae = gz.models.VAE(image_shape=(16, 16, 1), latent_dim=2, base_filters=8, seed=0)
    vae.compile()
    x = next(iter(gz.data.load("digits", split="test", batch_size=8, shuffle=False))).numpy()
    cbs = [
        gz.callbacks.SampleGrid(tmp_path / "s", num_samples=4),
        gz.callbacks.LatentInterpolation(tmp_path / "i", num_pairs=2, steps=3, real_images=(x[:2], x[2:4]), gif=False),
    ]
    vae.fit(gz.data.load("digits", split="train[:64]", batch_size=32), epochs=1, verbose=0,
            callbacks=cbs)
    assert (tmp_path / "s" / "epoch_001.png").exists() and (tmp_path / "i" / "interpolation_epoch_001.png").exists()


def test_fid_every_n_epochs_with_fill_value_keeps_a_csv_column(tmp_path):
    real = gz.data.load("digits", split="test", batch_size=120, shuffle=False)
    fid = gz.callbacks.FIDCallback(real, every_n_epochs=2, num_samples=60, extractor="digits", fill_value=float("nan"))
    csv_logger = keras.callbacks.CSVLogger(str(tmp_path / "h.csv"))
    history = digits_dcgan().fit(digits_train(64), epochs=2, verbose=0, callbacks=[fid, csv_logger])
    assert np.isnan(history.history["fid"][0]) and history.history["fid"][1] > 0
    header = (tmp_path / "h.csv").read_text().splitlines()[0].split(",")
    assert "fid" in header and len(fid.protocols) == 1 and fid.protocols[0]["epoch"] == 2


def test_plain_progress_prints_plain_lines_at_the_chosen_rate():
    import io

    def fit(interval):
        model = gz.models.GAN(data_shape=(2,), latent_dim=2, hidden_units=(4,), seed=0)
        model.compile()
        stream = io.StringIO()
        x = np.random.default_rng(0).normal(size=(64, 2)).astype("float32")
        model.fit(gz.data.from_array(x, batch_size=16, shuffle=False), epochs=2, verbose=0,
                  callbacks=[gz.callbacks.PlainProgress(interval=interval, stream=stream)])
        return stream.getvalue()

    every_step = fit(1e-9)
    assert "\r" not in every_step and "\x1b" not in every_step and "\b" not in every_step
    lines = every_step.splitlines()
    assert len(lines) == 2 * (4 + 1)  # 4 step lines and 1 epoch line per epoch
    assert lines[0].startswith("epoch 1/2 - step 1/4 - ") and "d_loss: " in lines[0]
    assert lines[4].startswith("epoch 1/2 - 4 steps - ") and "g_loss: " in lines[4]
    assert lines[9].startswith("epoch 2/2 - 4 steps - ")
    epochs_only = fit(None).splitlines()
    assert [line.split(" - ")[:2] for line in epochs_only] == [["epoch 1/2", "4 steps"], ["epoch 2/2", "4 steps"]]
    with pytest.raises(ValueError, match="interval must be a positive number of seconds or None, got 0"):
        gz.callbacks.PlainProgress(interval=0)


def test_fid_callback_checks_real_data_before_training(tmp_path):
    with pytest.raises(ValueError, match=r"real_data: images must lie in \[0, 1\], found \[-1, 1\]"):
        gz.callbacks.FIDCallback(np.linspace(-1, 1, 16 * 16 * 4, dtype="float32").reshape(4, 16, 16, 1))
    with pytest.raises(TypeError, match="real_data must be images in \\[0, 1\\].*got str"):
        gz.callbacks.FIDCallback("digits")
    tanh = gz.data.load("digits", split="test", batch_size=120, image_range=(-1, 1), shuffle=False)
    fid = gz.callbacks.FIDCallback(tanh, num_samples=60, extractor="digits")
    steps = []

    class Count(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            steps.append(batch)

    with pytest.raises(ValueError, match=r"real_data: images must lie in \[0, 1\], found \[-1, 1\]"):
        digits_dcgan().fit(digits_train(64), epochs=1, verbose=0, callbacks=[fid, Count()])
    assert steps == []  # refused before the first step, not after an epoch of training
