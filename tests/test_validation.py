"""keras_genzoo.utils.validation: the one home of argument and network-shape checks."""

import doctest
import math

import keras
import numpy as np
import pytest

from keras_genzoo.utils import validation
from keras_genzoo.utils.validation import (
    check_choice,
    check_network,
    check_number,
    check_positive_int,
    resolve_data_shape,
)


# ---------------------------------------------------------------------------- check_positive_int
@pytest.mark.parametrize("value", [1, 7, 10**12, np.int64(3), np.int32(1), np.uint8(5)])
def test_positive_int_accepts_integers(value):
    out = check_positive_int(value, "n")
    assert out == int(value) and type(out) is int


@pytest.mark.parametrize("value", [0, -2, True, False, 2.0, 1.5, "3", None, np.float32(2), np.bool_(True), [1]])
def test_positive_int_refuses(value):
    with pytest.raises(ValueError, match=rf"^n must be a positive integer, got {__import__('re').escape(repr(value))}\.$"):
        check_positive_int(value, "n")


# ---------------------------------------------------------------------------- check_number
@pytest.mark.parametrize("value", [0, 0.0, 2, 1e-8, 3.5, np.float32(0.25), np.float64(4.0), np.int64(2)])
def test_number_accepts(value):
    out = check_number(value, "beta")
    assert out == float(value) and type(out) is float


def test_number_bounds():
    assert check_number(-1.0, "x", minimum=-1.0) == -1.0
    assert check_number(0.5, "x", minimum=0.0, strict=True) == 0.5
    with pytest.raises(ValueError, match=r"^clip_value must be a number > 0, got 0\.$"):
        check_number(0, "clip_value", strict=True)
    with pytest.raises(ValueError, match=r"^gp_weight must be a number >= 0, got -1\.$"):
        check_number(-1, "gp_weight")
    with pytest.raises(ValueError, match=r"^w must be a number >= 0\.5, got 0\.25\.$"):
        check_number(0.25, "w", minimum=0.5)


@pytest.mark.parametrize("value", [True, False, math.nan, math.inf, -math.inf, np.float32("nan"), "1.0", None, [1.0]])
def test_number_refuses_non_numbers(value):
    with pytest.raises(ValueError, match=r"^beta must be a number >= -1e\+06, got "):
        check_number(value, "beta", minimum=-1e6)


def test_number_with_a_maximum():
    assert check_number(0.0, "decay", maximum=1.0, strict_maximum=True) == 0.0
    assert check_number(1, "share", strict=True, maximum=1.0) == 1.0
    with pytest.raises(ValueError, match=r"^decay must be a number in \[0, 1\), got 1\.0\.$"):
        check_number(1.0, "decay", maximum=1.0, strict_maximum=True)
    with pytest.raises(ValueError, match=r"^share must be a number in \(0, 1\], got 0\.$"):
        check_number(0, "share", strict=True, maximum=1.0)
    with pytest.raises(ValueError, match=r"^p must be a number in \(0, 0\.5\), got nan\.$"):
        check_number(math.nan, "p", strict=True, maximum=0.5, strict_maximum=True)


def test_positive_int_with_a_minimum():
    assert check_positive_int(np.int64(2), "steps", minimum=2) == 2
    with pytest.raises(ValueError, match=r"^steps must be an integer >= 2, got 1\.$"):
        check_positive_int(1, "steps", minimum=2)
    with pytest.raises(ValueError, match=r"^steps must be an integer >= 2, got True\.$"):
        check_positive_int(True, "steps", minimum=2)


# ---------------------------------------------------------------------------- check_choice
def test_choice():
    assert check_choice("batch", "normalization", ("batch", "layer")) == "batch"
    with pytest.raises(ValueError, match=r"^normalization must be one of \('batch', 'layer'\), got 'group'\.$"):
        check_choice("group", "normalization", ("batch", "layer"))
    with pytest.raises(ValueError, match=r"must be one of .*got \['batch'\]"):
        check_choice(["batch"], "normalization", {"batch", "layer"})  # unhashable value


# ---------------------------------------------------------------------------- resolve_data_shape
def test_resolve_data_shape():
    assert resolve_data_shape((28, 28, 1), None) == (28, 28, 1)
    assert resolve_data_shape(None, [8, 8, 3]) == (8, 8, 3)
    assert resolve_data_shape((np.int64(2),), (2,)) == (2,)
    assert all(type(d) is int for d in resolve_data_shape((np.int64(4),), None))
    with pytest.raises(ValueError, match="Got both data_shape"):
        resolve_data_shape((2,), (3,))
    with pytest.raises(ValueError, match="Pass the shape of one example"):
        resolve_data_shape(None, None)
    with pytest.raises(ValueError, match="each dimension must be a positive integer, got 0"):
        resolve_data_shape((0, 4, 1), None)
    with pytest.raises(ValueError, match=r"data_shape must be a tuple of positive integers, got 5"):
        resolve_data_shape(5, None)
    with pytest.raises(ValueError, match=r"data_shape must be \(d,\) for vectors or \(H, W, C\) for images, got \(4, 4\)"):
        resolve_data_shape((4, 4), None)


# ---------------------------------------------------------------------------- check_network
def _dense(n_in, n_out):
    return keras.Sequential([keras.Input((n_in,)), keras.layers.Dense(n_out)])


def _two_inputs(n_z, n_out):
    z = keras.Input((n_z,), name="z")
    label = keras.Input((1,), dtype="int32", name="label")
    e = keras.layers.Flatten()(keras.layers.Embedding(3, 2)(label))
    return keras.Model([z, label], keras.layers.Dense(n_out)(keras.layers.Concatenate()([z, e])))


def _two_outputs(n_in, a, b):
    x = keras.Input((n_in,))
    return keras.Model(x, [keras.layers.Dense(a)(x), keras.layers.Dense(b)(x)])


class _Subclassed(keras.Model):
    def __init__(self):
        super().__init__()
        self.dense = keras.layers.Dense(3)

    def call(self, x):
        return self.dense(x)


def test_network_accepts():
    g = _dense(4, 6)
    assert check_network(g, "generator", (4,), [(6,)]) is g
    assert check_network(g, "generator", (4,), (6,)) is g  # one shape for one output
    assert check_network(g, "generator", keras.KerasTensor((None, 4)), [(6,)]) is g
    c = _two_inputs(4, 5)
    assert check_network(c, "generator", [(4,), (1,)], [(5,)], dtypes=["float32", "int32"]) is c
    assert check_network(c, "generator", [keras.KerasTensor((None, 4)), keras.KerasTensor((None, 1), "int32")], [(5,)])
    e = _two_outputs(4, 2, 2)
    assert check_network(e, "encoder", (4,), [(2,), (2,)]) is e


def test_network_builds_a_subclassed_model():
    m = _Subclassed()
    assert not m.built
    check_network(m, "generator", (5,), [(3,)])
    assert m.built and len(m.weights) == 2


@pytest.mark.parametrize("network", [None, "generator", keras.layers.Dense(3), lambda x: x])
def test_network_must_be_a_model(network):
    with pytest.raises(ValueError, match=r"^generator must be a keras\.Model, got \w+\.$"):
        check_network(network, "generator", (4,), [(3,)])


def test_network_wrong_output_shape():
    wrong_g = keras.Sequential([keras.Input((4,)), keras.layers.Dense(9), keras.layers.Reshape((3, 3, 1))])
    with pytest.raises(ValueError, match=r"generator produces outputs of shape \(3, 3, 1\), expected \(8, 8, 1\)") as e:
        check_network(wrong_g, "generator", (4,), [(8, 8, 1)])
    assert str(e.value) == (
        "generator must map (4,) to (8, 8, 1); got (3, 3, 1) "
        "(generator produces outputs of shape (3, 3, 1), expected (8, 8, 1))."
    )
    with pytest.raises(ValueError, match=r"discriminator produces outputs of shape \(2,\), expected \(1,\)"):
        check_network(_dense(4, 2), "discriminator", (4,), [(1,)])


def test_network_wrong_number_of_outputs_with_names():
    with pytest.raises(ValueError, match=r"encoder must map \(4,\) to \[z_mean, z_log_var\], each \(2,\); got \(2,\)"):
        check_network(_dense(4, 2), "encoder", (4,), [(2,), (2,)], output_names=["z_mean", "z_log_var"])
    with pytest.raises(ValueError, match=r"discriminator must map \(4,\) to \[\(1,\), \(3,\)\]; got \[\(1,\), \(4,\)\]"):
        check_network(_two_outputs(4, 1, 4), "discriminator", (4,), [(1,), (3,)])
    with pytest.raises(ValueError, match=r"to \[score \(1,\), logits \(3,\)\]; got"):
        check_network(_dense(4, 1), "discriminator", (4,), [(1,), (3,)], output_names=["score", "logits"])


def test_network_names_inputs_and_outputs():
    with pytest.raises(ValueError, match=r"^classifier must map x \(4,\) to class logits \(3,\); got \(4,\)"):
        check_network(_dense(4, 4), "classifier", (4,), [(3,)], input_names="x", output_names="class logits")
    with pytest.raises(ValueError, match=r"^decoder must map \[z \(4,\), label \(1,\)\] to \(6,\); got \(5,\)"):
        check_network(_two_inputs(4, 5), "decoder", [(4,), (1,)], [(6,)], dtypes=["float32", "int32"],
                      input_names=["z", "label"])


def test_network_that_cannot_take_the_inputs():
    with pytest.raises(ValueError, match=r"^generator must take inputs \(7,\); calling it failed: .*expected shape=\(None, 4\)"):
        check_network(_dense(4, 2), "generator", (7,), [(2,)])
    with pytest.raises(ValueError, match=r"^generator must take inputs \(4,\); calling it failed"):
        check_network(_two_inputs(4, 5), "generator", (4,), [(5,)])
    with pytest.raises(ValueError, match=r"^encoder must take inputs \[x \(4,\), label \(1,\)\]; calling it failed"):
        check_network(_dense(4, 2), "encoder", [(4,), (1,)], [(2,)], input_names=["x", "label"])
    with pytest.raises(ValueError, match=r"dtypes must have one entry per input \(2\)"):
        check_network(_two_inputs(4, 5), "generator", [(4,), (1,)], [(5,)], dtypes=["float32"])


def test_doctest_examples():
    assert doctest.testmod(validation, optionflags=doctest.ELLIPSIS).failed == 0
