"""Executed docstrings: every public class and function shows a Keras-style example that runs.

For each package in ``PACKAGES``, the public names are those in its ``__all__`` (or, without
one, the classes and functions defined inside the package whose names do not start with an
underscore); constants such as ``gz.data.CATALOG`` and modules such as ``gz.models.registry``
are not classes or functions and are left out. Their docstrings, and those of their methods,
are collected with the standard library's ``doctest.DocTestFinder``, and each docstring runs
as its own test case, named by its
qualified name (``keras_genzoo.metrics.FrechetDistance``), with ``ELLIPSIS`` and
``NORMALIZE_WHITESPACE``. A failure shows doctest's report.

The examples run with ``np`` (numpy), ``keras`` and ``gz`` (``keras_genzoo``) already
imported, as in Keras' own docstrings, inside a scratch working directory; anything else they
import themselves. An example writes files only under ``tempfile.mkdtemp()`` and removes them.

Write an example as Keras does: an ``Example:`` heading, a blank line, then an indented
doctest block (``>>>`` lines, with the expected output where it is deterministic: shapes,
dtypes, rounded values, ``...`` for the rest). Keep them fast (tiny arrays and models, the
offline ``digits`` data) and free of measured numbers.

``test_every_public_name_has_an_example`` lists the public classes and functions that have no
``Example:`` block yet.
"""

from __future__ import annotations

import doctest
import importlib
import inspect
import re

import pytest

#: The packages whose public classes and functions must show a runnable example.
PACKAGES = (
    "keras_genzoo.metrics",
    "keras_genzoo.callbacks",
    "keras_genzoo.data",
    "keras_genzoo.models",
    "keras_genzoo.zoo",
)

#: Public names whose example is still to be written, with the reason (kept honest by the test:
#: a name that has gained its example must leave this list).
PENDING: dict[str, str] = {}

OPTIONFLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE

# An "Example:" (or "Examples:") heading, a blank line, then a ">>>" line indented below it.
EXAMPLE_BLOCK = re.compile(r"^(?P<indent>[ \t]*)Examples?:[ \t]*\n[ \t]*\n(?P=indent)[ \t]+>>> ", re.M)


def _public_objects():
    """`{qualified name: object}` for the public classes and functions of `PACKAGES`."""
    objects = {}
    for package_name in PACKAGES:
        package = importlib.import_module(package_name)
        names = getattr(package, "__all__", None)
        if names is None:
            names = [
                name for name, value in vars(package).items()
                if not name.startswith("_") and (inspect.isclass(value) or inspect.isfunction(value))
                and getattr(value, "__module__", "").startswith(package_name)
            ]
        for name in names:
            obj = getattr(package, name)
            if inspect.isclass(obj) or inspect.isroutine(obj):
                objects[f"{package_name}.{name}"] = obj
    return objects


def _globs():
    import keras
    import numpy as np

    import keras_genzoo as gz

    return {"np": np, "keras": keras, "gz": gz}


def _doctests():
    finder = doctest.DocTestFinder(exclude_empty=True)
    tests = {}
    for qualified, obj in _public_objects().items():
        if qualified in PENDING:
            continue
        for test in finder.find(obj, qualified, module=inspect.getmodule(obj), globs={}):
            if test.examples and test.name not in tests:
                tests[test.name] = test
    return [tests[name] for name in sorted(tests)]


DOCTESTS = _doctests()


@pytest.mark.parametrize("test", DOCTESTS, ids=[t.name for t in DOCTESTS])
def test_docstring_example(test, tmp_path, monkeypatch):
    import keras

    monkeypatch.chdir(tmp_path)  # a stray relative path lands in the scratch folder
    keras.utils.set_random_seed(0)
    test.globs = _globs()
    report = []
    runner = doctest.DocTestRunner(optionflags=OPTIONFLAGS, verbose=False)
    result = runner.run(test, out=report.append, clear_globs=True)
    if result.failed:
        pytest.fail(f"{result.failed} of {result.attempted} examples failed in {test.name}:\n" + "".join(report),
                    pytrace=False)


def test_every_public_name_has_an_example():
    objects = _public_objects()
    missing = sorted(
        name for name, obj in objects.items()
        if name not in PENDING and not EXAMPLE_BLOCK.search(inspect.cleandoc(obj.__doc__ or ""))
    )
    assert not missing, "public names without an `Example:` block (heading, blank line, indented >>> lines):\n  " + \
        "\n  ".join(missing)
    stale = sorted(
        name for name in PENDING
        if name not in objects or EXAMPLE_BLOCK.search(inspect.cleandoc(objects[name].__doc__ or ""))
    )
    assert not stale, f"remove from PENDING (now has an example, or is no longer public): {stale}"


def test_examples_are_collected():
    """Every public name outside `PENDING` contributes at least one executed docstring."""
    covered = {name for name in _public_objects() if name not in PENDING}
    collected = {t.name for t in DOCTESTS}
    assert covered <= collected, f"no doctest collected for {sorted(covered - collected)}"
