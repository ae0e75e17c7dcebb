"""The zoo's machinery on tiny entries written into the test's tmp directory: preset files,
registry, hash verification, safe-mode loading, remote (file://) origins, training state,
from_preset, SavedModel export, scripts/zoo_add.py and the `genzoo zoo` commands."""

import json
import sys
from pathlib import Path

import keras
import numpy as np
import pytest

import keras_genzoo as gz
from keras_genzoo.zoo import hub

SHAPE = (8, 8, 1)


def _data(n=32, seed=0):
    return np.random.default_rng(seed).random((n,) + SHAPE).astype("float32")


def _vae(steps=2):
    model = gz.models.VAE(image_shape=SHAPE, latent_dim=3, base_filters=4, seed=0)
    model.compile()
    model.fit(_data(), batch_size=16, epochs=steps // 2, shuffle=False, verbose=0)
    return model


def _dcgan(steps=2):
    model = gz.models.DCGAN(image_shape=SHAPE, latent_dim=4, base_filters=4, seed=0)
    model.compile()
    model.fit(_data(), batch_size=16, epochs=steps // 2, shuffle=False, verbose=0)
    return model


def _add(model, root, name, with_training_state=False, origin="local", card=None):
    """Writes `model` as entry `name` of the registry `root/registry.json`; returns the registry path."""
    registry = Path(root) / "registry.json"
    card = card or {"family": name.split("_")[0], "dataset": "tiny"}
    gz.zoo.save_preset(model, Path(root) / "presets" / name, card, with_training_state=with_training_state)
    gz.zoo.register(name, Path(root) / "presets" / name, registry=registry, origin=origin)
    return registry


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    """A registry holding a VAE (with training state) and a DCGAN (without)."""
    root = tmp_path_factory.mktemp("zoo")
    vae, dcgan = _vae(), _dcgan()
    _add(vae, root, "vae_tiny", with_training_state=True)
    registry = _add(dcgan, root, "dcgan_tiny")
    return root, registry, vae, dcgan


def _copy_registry(tiny, tmp_path):
    """A private copy of the tiny registry (for tests that damage files)."""
    import shutil

    root = tmp_path / "zoo"
    shutil.copytree(tiny[0], root)
    return root, root / "registry.json"


# ------------------------------------------------------------------ format and round trip
def test_preset_folder_holds_config_weights_metadata_and_the_registry_their_hashes(tiny):
    root, registry, vae, _ = tiny
    folder = root / "presets" / "vae_tiny"
    assert sorted(p.name for p in folder.iterdir()) == ["config.json", "metadata.json", "model.weights.h5",
                                                        "training.weights.h5"]
    config = json.loads((folder / "config.json").read_text())
    assert config["registered_name"] == "keras_genzoo>VAE" and config["config"]["latent_dim"] == 3
    assert "compile_config" in config
    record = json.loads(registry.read_text())["entries"]["vae_tiny"]
    for name in ("config.json", "metadata.json", "model.weights.h5"):
        assert record["files"][name]["sha256"] == hub.sha256_file(folder / name)
        assert record["files"][name]["bytes"] == (folder / name).stat().st_size
    assert record["training_state"]["training.weights.h5"]["sha256"] == hub.sha256_file(folder / "training.weights.h5")
    card = gz.zoo.card("vae_tiny", registry=registry)
    assert card["parameters"]["total"] == vae.count_params()
    assert card["parameters"]["encoder"] + card["parameters"]["decoder"] == vae.count_params()
    assert card["file_bytes"]["model.weights.h5"] == (folder / "model.weights.h5").stat().st_size
    assert gz.zoo.available(registry=registry) == ["dcgan_tiny", "vae_tiny"]


def test_inference_weights_carry_no_optimizer_slots(tiny):
    import h5py

    root = tiny[0]
    with h5py.File(root / "presets" / "vae_tiny" / "model.weights.h5") as f:
        assert "optimizer" not in f and "encoder" in f and "decoder" in f
    with h5py.File(root / "presets" / "vae_tiny" / "training.weights.h5") as f:
        assert "optimizer" in f


@pytest.mark.parametrize("name", ["vae_tiny", "dcgan_tiny"])
def test_load_reproduces_the_model(tiny, name):
    _, registry, vae, dcgan = tiny
    original = vae if name == "vae_tiny" else dcgan
    loaded = gz.zoo.load(name, registry=registry)
    assert type(loaded) is type(original) and not loaded.compiled
    z = original.sample_latent(6, seed=1)
    np.testing.assert_array_equal(loaded.generate(6, z=z), original.generate(6, z=z))
    for a, b in zip(loaded.weights, original.weights):
        np.testing.assert_array_equal(keras.ops.convert_to_numpy(a), keras.ops.convert_to_numpy(b))


def test_from_preset_checks_the_class(tiny):
    registry = tiny[1]
    assert isinstance(gz.zoo.from_preset(gz.models.VAE, "vae_tiny", registry=registry), gz.models.VAE)
    # A VAE is an Autoencoder, and every entry is a GenerativeModel.
    assert isinstance(gz.zoo.from_preset(gz.models.Autoencoder, "vae_tiny", registry=registry), gz.models.VAE)
    assert isinstance(gz.zoo.from_preset(gz.models.GenerativeModel, "dcgan_tiny", registry=registry), gz.models.DCGAN)
    with pytest.raises(gz.zoo.ZooError, match=r"DCGAN.from_preset\('vae_tiny'\): that entry is a VAE"):
        gz.zoo.from_preset(gz.models.DCGAN, "vae_tiny", registry=registry)


def test_unknown_name_lists_the_choices(tiny):
    with pytest.raises(gz.zoo.UnknownEntryError, match=r"unknown zoo entry 'nope'; available: dcgan_tiny, vae_tiny"):
        gz.zoo.load("nope", registry=tiny[1])
    with pytest.raises(KeyError):  # also a KeyError, like a missing dict key
        gz.zoo.card("nope", registry=tiny[1])


# ------------------------------------------------------------------ training state
def test_with_optimizers_resumes_training_exactly(tiny):
    """Loading with the training state and fitting on equals fitting the original on."""
    _, registry, vae, _ = tiny
    resumed = gz.zoo.load("vae_tiny", with_optimizers=True, registry=registry)
    assert resumed.compiled
    assert int(resumed.optimizer.iterations) == int(vae.optimizer.iterations) == 2
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(resumed.seed_generator.state),
                                  keras.ops.convert_to_numpy(vae.seed_generator.state))
    slots = [keras.ops.convert_to_numpy(v) for v in vae.optimizer.variables]
    for a, b in zip(resumed.optimizer.variables, slots):
        np.testing.assert_array_equal(keras.ops.convert_to_numpy(a), b)
    reference = keras.models.clone_model(vae)  # an independent copy of the original to train on
    reference.set_weights(vae.get_weights())
    reference.compile(optimizer=keras.optimizers.Adam(1e-3))
    reference.optimizer.build(reference.trainable_variables)
    for v, s in zip(reference.optimizer.variables, slots):
        v.assign(s)
    reference.seed_generator.state.assign(vae.seed_generator.state)
    x = _data(seed=1)
    reference.fit(x, batch_size=16, epochs=1, shuffle=False, verbose=0)
    resumed.fit(x, batch_size=16, epochs=1, shuffle=False, verbose=0)
    assert int(resumed.optimizer.iterations) == 4
    for a, b in zip(resumed.weights, reference.weights):
        np.testing.assert_allclose(keras.ops.convert_to_numpy(a), keras.ops.convert_to_numpy(b), atol=1e-6)


def test_seed_generator_state_lives_in_the_weights_not_in_the_card(tiny, tmp_path):
    """The training-state file carries the seed generator (the model saves it with its own
    variables); the card records only the optimizers' iteration counts. An older card that also
    holds `seed_generator_state` still loads, and the state comes from the weights."""
    root, registry = _copy_registry(tiny, tmp_path)
    # (on JAX another test's fit may have donated the fixture model's state buffer: read the file's)
    expected = gz.zoo.load("vae_tiny", with_optimizers=True, registry=tiny[1]).seed_generator.state
    card = gz.zoo.card("vae_tiny", registry=registry)
    assert "seed_generator_state" not in card["training"]
    assert card["training"]["optimizer_iterations"] == {"optimizer": 2}
    folder = root / "presets" / "vae_tiny"
    card["training"]["seed_generator_state"] = [12345, 0]
    (folder / "metadata.json").write_text(json.dumps(card))
    gz.zoo.register("vae_tiny", folder, registry=registry)
    resumed = gz.zoo.load("vae_tiny", with_optimizers=True, registry=registry)
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(resumed.seed_generator.state),
                                  keras.ops.convert_to_numpy(expected))
    assert keras.ops.convert_to_numpy(expected).tolist() != [12345, 0]


def test_models_reach_presets_without_the_zoo():
    """`GenerativeModel.from_preset` goes through `keras_genzoo.utils.presets`, which imports no
    model family and no zoo module."""
    import ast
    import inspect

    from keras_genzoo.utils import presets

    tree = ast.parse(inspect.getsource(presets))
    imported = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    imported |= {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
    assert not [m for m in imported if m.startswith("keras_genzoo")], imported
    source = inspect.getsource(gz.models.GenerativeModel.from_preset)
    body = source.split('"""')[-1]
    assert "keras_genzoo.utils import presets" in body and "keras_genzoo.zoo" not in body and "import zoo" not in body


def test_with_optimizers_on_an_entry_without_training_state_says_so(tiny):
    with pytest.raises(gz.zoo.ZooError, match="'dcgan_tiny' ships no training state"):
        gz.zoo.load("dcgan_tiny", with_optimizers=True, registry=tiny[1])


def test_adversarial_training_state_restores_both_optimizers(tmp_path):
    dcgan = _dcgan(steps=4)
    registry = _add(dcgan, tmp_path, "dcgan_tiny", with_training_state=True)
    loaded = gz.zoo.load("dcgan_tiny", with_optimizers=True, registry=registry)
    assert int(loaded.d_optimizer.iterations) == int(dcgan.d_optimizer.iterations) > 0
    assert int(loaded.g_optimizer.iterations) == int(dcgan.g_optimizer.iterations) > 0
    for a, b in zip(loaded.g_optimizer.variables, dcgan.g_optimizer.variables):
        np.testing.assert_array_equal(keras.ops.convert_to_numpy(a), keras.ops.convert_to_numpy(b))


def test_save_preset_needs_a_compiled_model_for_training_state(tmp_path):
    model = gz.models.VAE(image_shape=SHAPE, latent_dim=3, base_filters=4, seed=0)
    with pytest.raises(ValueError, match="needs a compiled model"):
        gz.zoo.save_preset(model, tmp_path / "p", {}, with_training_state=True)
    assert not (tmp_path / "p").exists() and list(tmp_path.iterdir()) == []  # nothing half written


# ------------------------------------------------------------------ integrity and safety
@pytest.mark.parametrize("filename", ["config.json", "metadata.json", "model.weights.h5"])
def test_a_tampered_file_is_refused_naming_it_and_both_hashes(tiny, tmp_path, filename):
    root, registry = _copy_registry(tiny, tmp_path)
    path = root / "presets" / "vae_tiny" / filename
    expected = hub.sha256_file(path)
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01  # one flipped bit
    path.write_bytes(bytes(data))
    found = hub.sha256_file(path)
    with pytest.raises(gz.zoo.IntegrityError) as info:
        gz.zoo.load("vae_tiny", registry=registry)
    message = str(info.value)
    assert filename in message and expected in message and found in message
    assert info.value.expected == expected and info.value.found == found


def test_a_truncated_file_is_refused_with_its_sizes(tiny, tmp_path):
    root, registry = _copy_registry(tiny, tmp_path)
    path = root / "presets" / "vae_tiny" / "training.weights.h5"
    size = path.stat().st_size
    path.write_bytes(path.read_bytes()[: size // 2])
    assert gz.zoo.load("vae_tiny", registry=registry) is not None  # the inference files are intact
    with pytest.raises(gz.zoo.IntegrityError, match=rf"expected {size} bytes, found {size // 2}: truncated"):
        gz.zoo.load("vae_tiny", with_optimizers=True, registry=registry)


def test_config_is_loaded_in_safe_mode(tiny, tmp_path):
    """A config carrying Python code (a lambda) is refused even when its hash is registered."""
    root, registry = _copy_registry(tiny, tmp_path)
    folder = root / "presets" / "vae_tiny"
    config = json.loads((folder / "config.json").read_text())
    inputs = keras.Input((3,))
    evil = keras.Model(inputs, keras.layers.Lambda(lambda z: z * 2.0)(keras.layers.Dense(64)(inputs)))
    config["config"]["decoder"] = keras.saving.serialize_keras_object(evil)
    (folder / "config.json").write_text(json.dumps(config))
    gz.zoo.register("vae_tiny", folder, registry=registry)  # the registry now vouches for the file
    with pytest.raises(gz.zoo.ZooError, match="could not be loaded.*(safe_mode|unsafe|lambda)"):
        gz.zoo.load("vae_tiny", registry=registry)


def test_weights_that_do_not_reproduce_the_fingerprint_are_refused(tiny, tmp_path):
    """Other weights of the same architecture, registered with their own hash, fail the card's fingerprint."""
    root, registry = _copy_registry(tiny, tmp_path)
    folder = root / "presets" / "vae_tiny"
    other = gz.models.VAE(image_shape=SHAPE, latent_dim=3, base_filters=4, seed=7)
    other.save_weights(folder / "model.weights.h5")
    gz.zoo.register("vae_tiny", folder, registry=registry)
    with pytest.raises(gz.zoo.ZooError, match="does not reproduce its card's fingerprint"):
        gz.zoo.load("vae_tiny", registry=registry)


def test_class_in_config_must_match_the_registry(tiny, tmp_path):
    root, registry = _copy_registry(tiny, tmp_path)
    data = json.loads(registry.read_text())
    data["entries"]["vae_tiny"]["class"] = "keras_genzoo>Autoencoder"
    registry.write_text(json.dumps(data))
    with pytest.raises(gz.zoo.ZooError, match="describes 'keras_genzoo>VAE', the registry says 'keras_genzoo>Autoencoder'"):
        gz.zoo.load("vae_tiny", registry=registry)


# ------------------------------------------------------------------ remote origins (offline, file://)
def test_file_origin_downloads_into_keras_home_and_verifies(tiny, tmp_path, monkeypatch):
    import shutil

    _, _, vae, _ = tiny
    remote = tmp_path / "remote" / "vae_tiny"
    shutil.copytree(tiny[0] / "presets" / "vae_tiny", remote)
    registry = tmp_path / "registry.json"
    gz.zoo.register("vae_tiny", remote, registry=registry, origin=remote.as_uri())
    home = tmp_path / "keras_home"
    monkeypatch.setenv("KERAS_HOME", str(home))
    loaded = gz.zoo.load("vae_tiny", registry=registry)
    cached = home / "genzoo" / "vae_tiny"
    assert sorted(p.name for p in cached.iterdir()) == ["config.json", "metadata.json", "model.weights.h5"]
    # The training state is fetched only when asked for.
    resumed = gz.zoo.load("vae_tiny", with_optimizers=True, registry=registry)
    assert (cached / "training.weights.h5").exists() and int(resumed.optimizer.iterations) == 2
    z = vae.sample_latent(4, seed=2)
    np.testing.assert_array_equal(loaded.generate(4, z=z), vae.generate(4, z=z))
    # A damaged cached copy is fetched again (get_file checks the hash) and loading still works.
    (cached / "model.weights.h5").write_bytes(b"garbage")
    np.testing.assert_array_equal(gz.zoo.load("vae_tiny", registry=registry).generate(4, z=z), vae.generate(4, z=z))
    # A damaged origin is refused with both hashes, and the bad download is not kept.
    expected = hub.sha256_file(remote / "model.weights.h5")
    (remote / "model.weights.h5").write_bytes(b"not the weights")
    (cached / "model.weights.h5").unlink()
    with pytest.raises(gz.zoo.IntegrityError) as info:
        gz.zoo.load("vae_tiny", registry=registry)
    assert expected in str(info.value) and info.value.found == __import__("hashlib").sha256(b"not the weights").hexdigest()
    assert not (cached / "model.weights.h5").exists()


def test_origin_urls():
    assert hub.file_url("hf://someone/genzoo", "model.weights.h5") == \
        "https://huggingface.co/someone/genzoo/resolve/main/model.weights.h5"
    assert hub.file_url("hf://someone/genzoo/vae_fashion_mnist", "config.json") == \
        "https://huggingface.co/someone/genzoo/resolve/main/vae_fashion_mnist/config.json"
    assert hub.file_url("https://example.org/zoo/vae/", "metadata.json") == "https://example.org/zoo/vae/metadata.json"
    assert hub.file_url("file:///srv/zoo/vae", "config.json") == "file:///srv/zoo/vae/config.json"
    for bad in ("ftp://host/x", "hf://only-owner", "presets/vae"):
        with pytest.raises(gz.zoo.ZooError, match="origin"):
            hub.file_url(bad, "config.json")


def test_unreachable_origin_names_the_url(tiny, tmp_path, monkeypatch):
    registry = tmp_path / "registry.json"
    gz.zoo.register("vae_tiny", tiny[0] / "presets" / "vae_tiny", registry=registry,
                    origin=(tmp_path / "missing").as_uri())
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "home"))
    with pytest.raises(gz.zoo.ZooError, match=r"could not fetch .* from file://.*missing/"):
        gz.zoo.load("vae_tiny", registry=registry)


# ------------------------------------------------------------------ export
@pytest.mark.skipif(keras.backend.backend() not in ("tensorflow", "jax"), reason="SavedModel export needs TF or JAX")
@pytest.mark.parametrize("which", ["vae", "dcgan"])
def test_export_savedmodel_matches_generate(tiny, tmp_path, which):
    import tensorflow as tf

    model = tiny[2] if which == "vae" else tiny[3]
    path = gz.zoo.export(model, tmp_path / "saved")
    served = tf.saved_model.load(str(path))
    z = np.random.default_rng(5).standard_normal((7, model.latent_dim)).astype("float32")
    images = served.serve(tf.constant(z)).numpy()
    assert images.shape == (7,) + SHAPE and images.min() >= 0.0 and images.max() <= 1.0
    np.testing.assert_allclose(images, model.generate(7, z=z), atol=1e-5)
    signature = served.signatures["serving_default"]
    out = list(signature(tf.constant(z)).values())[0].numpy()
    np.testing.assert_allclose(out, images, atol=1e-6)
    with pytest.raises(gz.zoo.ZooError, match="not empty"):
        gz.zoo.export(model, tmp_path / "saved")


@pytest.mark.skipif(keras.backend.backend() not in ("tensorflow", "jax"), reason="SavedModel export needs TF or JAX")
def test_export_of_a_learned_prior_cvae_maps_noise_through_the_class_prior(tmp_path):
    import tensorflow as tf

    model = gz.models.ConditionalVAE(data_shape=SHAPE, num_classes=3, latent_dim=3, base_filters=4, prior="learned",
                                     class_loss_weight=1.0, seed=0)
    rng = np.random.default_rng(2)
    model.prior.set_weights([rng.normal(size=(3, 3)).astype("float32"), rng.normal(size=(3, 3)).astype("float32")])
    served = tf.saved_model.load(str(gz.zoo.export(model, tmp_path / "saved")))
    z = rng.standard_normal((6, 3)).astype("float32")
    labels = np.array([0, 1, 2, 2, 1, 0], "int32")
    np.testing.assert_allclose(served.serve([tf.constant(z), tf.constant(labels)]).numpy(),
                               model.generate(6, labels=labels, z=z), atol=1e-5)


def test_export_by_name(tiny, tmp_path):
    if keras.backend.backend() not in ("tensorflow", "jax"):
        with pytest.raises(gz.zoo.ZooError, match="needs KERAS_BACKEND=tensorflow or jax"):
            gz.zoo.export("vae_tiny", tmp_path / "s", registry=tiny[1])
        return
    import tensorflow as tf

    path = gz.zoo.export("vae_tiny", tmp_path / "s", registry=tiny[1])
    z = np.zeros((2, 3), "float32")
    served = tf.saved_model.load(str(path))  # keep a reference: the endpoint needs the object's variables
    np.testing.assert_allclose(served.serve(z).numpy(), tiny[2].generate(2, z=z), atol=1e-5)


# ------------------------------------------------------------------ scripts/zoo_add.py
def test_zoo_add_measures_and_registers_a_model_file(tmp_path):
    """zoo_add on a .keras file: a card of measured numbers (digits, small n), a registry record, a loadable entry."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))
    import zoo_add

    model = gz.models.VAE(image_shape=(16, 16, 1), latent_dim=2, base_filters=4, seed=0)
    model.compile()
    x = np.concatenate([x for x in gz.data.load("digits", batch_size=64, image_range=(0, 1), shuffle=False)])
    model.fit(x[:128], batch_size=32, epochs=1, shuffle=False, verbose=0)
    model.save(tmp_path / "m.keras")
    registry = tmp_path / "zoo" / "registry.json"
    code = zoo_add.main(["vae_digits", str(tmp_path / "m.keras"), "--dataset", "digits", "--num-samples", "300",
                         "--command", "python make_it.py", "--registry", str(registry), "--budget-mb", "0.5"])
    assert code == 0
    card = gz.zoo.card("vae_digits", registry=registry)
    fd = card["metrics"]["fd"]
    assert fd["protocol"]["n_fake"] == 300 and fd["protocol"]["extractor"] == "digits"
    # The card's FD is what the metric gives for the same samples.
    loaded = gz.zoo.load("vae_digits", registry=registry)
    real, _ = gz.zoo.cards.test_images("digits", 300)
    again = gz.metrics.frechet_distance(real, loaded.generate(300, seed=0), extractor="digits", n=300)
    assert float(again) == pytest.approx(fd["value"], rel=1e-4)
    assert card["metrics"]["coverage"]["details"]["class_kl"] >= 0.0
    assert card["metrics"]["test_negative_elbo"]["protocol"]["units"] == "nats per image"
    assert card["training"]["command"] == "python make_it.py" and card["training"]["steps"] == 4
    assert card["remeasure"]["fd_at_1000"]["std"] >= 0.0
    # Over the (tiny) budget with its training state, so it was left out, with a note saying why.
    assert json.loads(registry.read_text())["entries"]["vae_digits"]["training_state"] is None
    assert any("training state not shipped" in note for note in card["notes"])
    summary = json.loads(registry.read_text())["entries"]["vae_digits"]["summary"]
    assert summary["fd"] == pytest.approx(fd["value"], rel=1e-6)


# ------------------------------------------------------------------ genzoo zoo
def test_cli_unknown_name_exits_2_listing_the_choices():
    from click.testing import CliRunner

    from keras_genzoo import cli

    result = CliRunner().invoke(cli.main, ["zoo", "show", "no_such_entry"])
    assert result.exit_code == 2
    assert "unknown zoo entry 'no_such_entry'; choose from:" in result.output
    for name in gz.zoo.available():
        assert name in result.output
    result = CliRunner().invoke(cli.main, ["zoo", "sample", "no_such_entry", "--out", "x.png"])
    assert result.exit_code == 2 and "choose from:" in result.output


def test_card_metrics_of_a_conditional_model_use_real_and_fake_labels():
    """`cards.sample_metrics` on a (tiny, untrained) conditional model of the 16x16 digits:
    conditional accuracy and intra-class FD are measured with the test split's labels for the
    real images and the cycling labels for the generated ones."""
    from keras_genzoo.zoo import cards

    model = gz.models.ConditionalGAN(image_shape=(16, 16, 1), num_classes=10, latent_dim=4, base_filters=4,
                                     conditioning="concat", seed=0)
    out, notes = cards.sample_metrics(model, "digits", n=200, seed=0, kid=False)
    assert {"fd", "is", "coverage", "conditional_accuracy", "intra_class_fd"} <= set(out), (out.keys(), notes)
    per_class = out["intra_class_fd"]["details"]["per_class"]
    assert len(per_class) == 10 and all(v >= 0 for v in per_class.values())
    assert 0.0 <= out["conditional_accuracy"]["value"] <= 1.0
    assert out["fd"]["protocol"]["samples"].endswith("labels cycling 0..K-1")
