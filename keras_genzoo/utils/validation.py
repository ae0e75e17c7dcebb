"""Argument and shape validation shared by the whole package: the one place where a bad
argument or a network of the wrong shape is turned into an error that says what was wrong
and what was expected.

Each function returns the checked value (converted to a plain Python type where that
helps), so a constructor can write `self.latent_dim = check_positive_int(latent_dim,
"latent_dim")`. Errors are `ValueError`s whose message starts with the argument's name.
"""

from __future__ import annotations

import math
import numbers

import keras

__all__ = [
    "check_choice",
    "check_network",
    "check_number",
    "check_positive_int",
    "resolve_data_shape",
]


def check_positive_int(value, name, minimum=1):
    """Returns `value` as an `int` if it is an integer >= `minimum` (default 1; numpy
    integers included).

    Raises:
        ValueError: `"{name} must be a positive integer, got {value!r}."` (`"{name} must be
            an integer >= {minimum}, ..."` for another `minimum`) for anything else,
            including `True`/`False` and floats such as `2.0`.
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum:
        expected = "a positive integer" if minimum == 1 else f"an integer >= {minimum}"
        raise ValueError(f"{name} must be {expected}, got {value!r}.")
    return int(value)


def check_number(value, name, minimum=0.0, strict=False, maximum=None, strict_maximum=False):
    """Returns `value` as a `float` if it is a finite real number `>= minimum`
    (`> minimum` when `strict`) and, when `maximum` is given, `<= maximum` (`< maximum`
    when `strict_maximum`). Integers and numpy scalars are accepted.

    Raises:
        ValueError: `"{name} must be a number >= {minimum:g}, got {value!r}."` (`>` when
            `strict`), or with a `maximum` `"{name} must be a number in [{minimum:g},
            {maximum:g}], got {value!r}."` (`(` / `)` for the strict bounds), for a value
            out of bounds, a bool, NaN, an infinity or a non-number.
    """
    ok = (
        not isinstance(value, bool)
        and isinstance(value, numbers.Real)
        and math.isfinite(value)
        and (value > minimum if strict else value >= minimum)
        and (maximum is None or (value < maximum if strict_maximum else value <= maximum))
    )
    if not ok:
        if maximum is None:
            expected = f"{'>' if strict else '>='} {minimum:g}"
        else:
            expected = f"in {'(' if strict else '['}{minimum:g}, {maximum:g}{')' if strict_maximum else ']'}"
        raise ValueError(f"{name} must be a number {expected}, got {value!r}.")
    return float(value)


def check_choice(value, name, choices):
    """Returns `value` if it is one of `choices` (a tuple, printed as given in the error).

    Raises:
        ValueError: `"{name} must be one of {choices}, got {value!r}."`.
    """
    try:
        ok = value in choices
    except TypeError:  # an unhashable value against a set or dict of choices
        ok = False
    if not ok:
        raise ValueError(f"{name} must be one of {choices}, got {value!r}.")
    return value


def resolve_data_shape(data_shape, image_shape):
    """Accepts `data_shape` or its alias `image_shape`; returns a tuple of positive ints,
    rank 1 (`(d,)`, vectors) or 3 (`(H, W, C)`, images)."""
    if data_shape is not None and image_shape is not None and tuple(data_shape) != tuple(image_shape):
        raise ValueError(f"Got both data_shape={data_shape} and image_shape={image_shape}; pass one of them.")
    shape = data_shape if data_shape is not None else image_shape
    if shape is None:
        raise ValueError("Pass the shape of one example: image_shape=(H, W, C) for images or data_shape=(d,) for vectors.")
    try:
        shape = tuple(check_positive_int(s, "each dimension") for s in shape)
    except TypeError:
        raise ValueError(f"data_shape must be a tuple of positive integers, got {shape!r}.") from None
    if len(shape) not in (1, 3):
        raise ValueError(f"data_shape must be (d,) for vectors or (H, W, C) for images, got {shape}.")
    return shape


# ---------------------------------------------------------------------------- networks
def _is_shape(value):
    return isinstance(value, tuple) and all(isinstance(d, numbers.Integral) or d is None for d in value)


def _symbolic(item, dtype):
    """One symbolic input: a `keras.KerasTensor` (with batch axis) as given, or one built
    from a shape without the batch axis."""
    if isinstance(item, keras.KerasTensor):
        return item
    if not _is_shape(tuple(item) if isinstance(item, list) else item):
        raise TypeError(f"an input is a shape without the batch axis or a keras.KerasTensor, got {item!r}")
    return keras.KerasTensor((None,) + tuple(item), dtype=dtype or "float32")


def _describe(shapes, names=None):
    """`(4,)`; `x (8, 8, 1)`; `[z (4,), label (1,)]`; `[z_mean, z_log_var], each (2,)`."""
    if not isinstance(shapes, list):
        if isinstance(names, (list, tuple)):
            names = names[0] if len(names) == 1 else None
        return f"{names} {shapes}" if names else str(shapes)
    if not names:
        return str(shapes)
    names = [names] if isinstance(names, str) else list(names)
    if len(shapes) > 1 and len(set(shapes)) == 1:
        return f"[{', '.join(names)}], each {shapes[0]}"
    return "[" + ", ".join(f"{n} {s}" for n, s in zip(names, shapes)) + "]"


def check_network(network, name, inputs, expected, *, dtypes=None, input_names=None, output_names=None):
    """Checks that `network` is a `keras.Model` mapping `inputs` to outputs of the
    `expected` shapes, with `network.compute_output_spec`: nothing is run (a subclassed
    model that is not built yet is built, as its first call would).

    Args:
        network: the object to check.
        name: what the caller calls it (`"generator"`, `"encoder"`, ...); errors start with it.
        inputs: the input of one example, without the batch axis: a shape such as `(128,)`
            or a `keras.KerasTensor` (with its batch axis). A list of them for a network
            called on a list of inputs (`[(128,), (1,)]`).
        expected: the output shapes without the batch axis: a list with one shape per output
            (`[(28, 28, 1)]`, `[(1,), (10,)]`); a single shape is taken as `[shape]`.
        dtypes: the dtype of the inputs built from shapes: one dtype, or a list with one per
            input (`["float32", "int32"]`). Default float32.
        input_names: words naming the inputs in the error (`"x"`, or `["z", "label"]`).
        output_names: words naming the outputs in the error (`["z_mean", "z_log_var"]`,
            `"class logits"`).

    Returns:
        `network`.

    Raises:
        ValueError: `network` is not a `keras.Model`; it cannot be called on `inputs`
            (`"{name} must take inputs ...; calling it failed: ..."`); or its outputs have
            other shapes (`"{name} must map <inputs> to <outputs>; got <shapes> ({name}
            produces outputs of shape <shapes>, expected <shapes>)."`).

    Example:

    >>> import keras
    >>> g = keras.Sequential([keras.Input((4,)), keras.layers.Dense(6)])
    >>> check_network(g, "generator", (4,), [(6,)]) is g
    True
    >>> check_network(g, "generator", (4,), [(8,)])
    Traceback (most recent call last):
    ...
    ValueError: generator must map (4,) to (8,); got (6,) (generator produces outputs of shape (6,), expected (8,)).
    """
    if not isinstance(network, keras.Model):
        raise ValueError(f"{name} must be a keras.Model, got {type(network).__name__}.")
    several = isinstance(inputs, list)
    items = inputs if several else [inputs]
    if dtypes is None or isinstance(dtypes, str):
        dtypes = [dtypes] * len(items)
    if len(dtypes) != len(items):
        raise ValueError(f"dtypes must have one entry per input ({len(items)}), got {dtypes!r}.")
    symbolic = [_symbolic(item, dtype) for item, dtype in zip(items, dtypes)]
    in_shapes = [tuple(t.shape[1:]) for t in symbolic]
    takes = _describe(in_shapes if several else in_shapes[0], input_names)
    expected = [tuple(expected)] if _is_shape(expected) else [tuple(s) for s in expected]
    if isinstance(output_names, str):
        output_names = [output_names]
    gives = _describe(expected if len(expected) > 1 else expected[0],
                      output_names if output_names is None or len(expected) > 1 else output_names[0])
    try:
        if network.built:
            spec = network.compute_output_spec(symbolic if several else symbolic[0])
        else:  # a subclassed model: a symbolic call builds it, then computes the output spec
            spec = network(symbolic if several else symbolic[0])
    except Exception as e:  # noqa: BLE001 - any failure means the network does not take these inputs
        raise ValueError(f"{name} must take inputs {takes}; calling it failed: {e}") from e
    got = [tuple(o.shape[1:]) for o in keras.tree.flatten(spec)]
    if got != expected:
        found = got[0] if len(got) == 1 else got
        want = expected[0] if len(expected) == 1 else expected
        raise ValueError(
            f"{name} must map {takes} to {gives}; got {found} "
            f"({name} produces outputs of shape {found}, expected {want})."
        )
    return network
