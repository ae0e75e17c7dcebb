"""The package's shape: layers without upward imports or cycles (import-linter and grimp), a
config that is the constructor's arguments for every family, and models that answer for
themselves what the zoo, export and the CLI ask."""

import subprocess
import sys
from pathlib import Path

import keras
import numpy as np
import pytest

import keras_genzoo as gz

ROOT = Path(__file__).resolve().parents[1]
SHAPE, K = (8, 8, 1), 3

# Tiny networks for every family of the registry (keyword arguments of registry.create).
TINY = {
    "autoencoder": dict(data_shape=SHAPE, latent_dim=2, base_filters=4),
    "vae": dict(data_shape=SHAPE, latent_dim=2, base_filters=4, beta=0.5),
    "gan": dict(data_shape=(6,), latent_dim=3, hidden_units=(8, 8), packing=2),
    "dcgan": dict(data_shape=SHAPE, latent_dim=4, base_filters=4, ema_decay=0.9),
    "wgan": dict(data_shape=(6,), latent_dim=3, n_critic=2, clip_value=0.05),
    "wgangp": dict(data_shape=SHAPE, latent_dim=4, base_filters=4, n_critic=3, gp_weight=2.0),
    "cvae": dict(data_shape=SHAPE, latent_dim=2, base_filters=4, num_classes=K, prior="learned", class_loss_weight=2.0),
    "cgan": dict(data_shape=SHAPE, latent_dim=4, base_filters=4, num_classes=K, embedding_dim=3, ema_decay=0.9,
                 objective="wgan-gp"),
    "acgan": dict(data_shape=SHAPE, latent_dim=4, base_filters=4, num_classes=K, label_combination="multiply"),
    "diffusion": dict(data_shape=SHAPE, base_filters=4, schedule="linear", prediction="epsilon", sampling_steps=2),
    "flow": dict(data_shape=SHAPE, base_filters=4, num_classes=K, time_sampling="logit_normal", ema_decay=0.9,
                 sampling_steps=2),
}


def test_every_registered_family_is_covered():
    assert set(TINY) == set(gz.models.registry.names())


def test_import_layers_hold():
    """`lint-imports` (the contract in pyproject.toml) passes: no module imports a layer above it."""
    out = subprocess.run(["lint-imports", "--no-cache"], cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-2000:]


def test_no_import_cycle_between_modules():
    """No strongly connected component of more than one module in the package's import graph
    (imports inside functions count)."""
    grimp = pytest.importorskip("grimp")
    graph = grimp.build_graph("keras_genzoo")
    edges = {m: graph.find_modules_directly_imported_by(m) for m in graph.modules}
    index, low, stack, on_stack, cycles, counter = {}, {}, [], set(), [], [0]

    def visit(v):  # Tarjan's algorithm
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in edges.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10_000))
    for module in sorted(edges):
        if module not in index:
            visit(module)
    assert cycles == []


def make(name):
    return gz.models.registry.create(name, compile=False, seed=0, **TINY[name])


@pytest.mark.parametrize("name", sorted(TINY))
def test_config_is_the_constructor_arguments(name):
    model = make(name)
    config = model.get_config()
    assert set(config) <= set(type(model).options()), set(config) - set(type(model).options())
    for option in TINY[name]:  # every option given is recorded with its value
        if option != "data_shape":
            assert option in config, option
    copy = type(model).from_config(config)
    assert copy.get_config() == config  # from_config leaves the config intact and rebuilds the same
    copy.set_weights(model.get_weights())
    labels = {"labels": [0, 1, 2]} if model.is_conditional else {}
    np.testing.assert_array_equal(copy.generate(3, seed=1, **labels), model.generate(3, seed=1, **labels))


@pytest.mark.parametrize("name", sorted(TINY))
def test_models_answer_for_themselves(name):
    """What the zoo, export and the CLI ask: the sampling network, the optimizers by role,
    whether the model is conditional, the options it accepts."""
    model = make(name)
    model.compile()
    family = gz.models.registry.get(name)
    assert model.is_conditional == family.conditional
    roles = model.optimizer_roles()
    optimizers = model.optimizers()
    assert list(optimizers) == list(dict.fromkeys(roles.values()))
    assert all(isinstance(o, keras.optimizers.Optimizer) for o in optimizers.values())
    assert "seed" in type(model).options() and "data_shape" in type(model).options()
    sampler = model.sampling_network()
    z = model.sample_latent(3, seed=2)
    if model.is_conditional:
        assert [t.name for t in sampler.inputs] == ["noise", "labels"]
        out = sampler([z, np.array([2, 0, 1], "int32")])
        expected = model.generate(3, z=z, labels=[2, 0, 1])
    else:
        out, expected = sampler(z), model.generate(3, z=z)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(out), expected, atol=1e-6)


@pytest.mark.parametrize("name", ["vae", "wgangp", "cgan"])
def test_fit_on_empty_data_raises_on_every_backend(name):
    """Keras trains nothing on empty data and returns an empty history; the models refuse it,
    before training when the emptiness is known, after the epoch otherwise."""
    import tensorflow as tf

    model = make(name)
    model.compile(run_eagerly=keras.backend.backend() == "tensorflow")
    shape = TINY[name]["data_shape"]
    x = np.zeros((0, *shape), "float32")
    y = np.zeros((0,), "int32")
    labelled = model.is_conditional
    with pytest.raises(ValueError, match=r"fit got empty data \(0 examples or batches\).*at least one batch"):
        model.fit(x, y if labelled else None, epochs=1, verbose=0)
    known = tf.data.Dataset.from_tensor_slices((x, y) if labelled else x).batch(4)
    with pytest.raises(ValueError, match="fit got empty data"):
        model.fit(known, epochs=1, verbose=0)
    full = np.random.default_rng(0).uniform(size=(8, *shape)).astype("float32")
    labels = np.arange(8, dtype="int32") % K
    unknown = tf.data.Dataset.from_tensor_slices((full, labels) if labelled else full)
    unknown = unknown.filter(tf.autograph.experimental.do_not_convert(lambda *t: tf.constant(False))).batch(4)
    assert int(unknown.cardinality()) == -2  # unknown length: looked at before training
    with pytest.raises(ValueError, match="fit got empty data"):
        model.fit(unknown, epochs=1, verbose=0)

    def nothing():  # an empty Python generator: Keras refuses it itself
        yield from ()

    with pytest.raises(ValueError, match="at least one batch"):
        model.fit(nothing(), epochs=1, verbose=0)
    # Data only found empty while training (an epoch that ran no step) is refused after it.
    from keras_genzoo.models.base import _EmptyData

    check = _EmptyData()
    check.on_epoch_begin(0)
    with pytest.raises(ValueError, match=f"{type(model).__name__}.fit got data that yielded no batch"):
        check.raise_if_nothing_ran(model)
    check.on_train_batch_end(0)
    check.raise_if_nothing_ran(model)
    assert int(keras.ops.convert_to_numpy(next(iter(model.optimizers().values())).iterations)) == 0
