"""MkDocs hook: pages quote the zoo's measured numbers from the model cards, never by hand.

A page writes

    FD {{ card("dcgan_fashion_mnist", "fd") }} at 10,000 samples

and the built page reads "FD 48.2 at 10,000 samples", the value of `metrics.fd.value` in
`keras_genzoo/zoo/presets/dcgan_fashion_mnist/metadata.json`. The marker is
`{{ card(ENTRY, METRIC) }}` or `{{ card(ENTRY, METRIC, FORMAT) }}`, with Python string
literals as arguments:

- `METRIC` names an entry of the card's `metrics` (`"fd"`, `"conditional_accuracy"`, ...),
  whose `value` is quoted; a dotted path reaches into the metric record instead
  (`"intra_class_fd.details.per_class.6"`, `"conditional_accuracy.details.per_class_accuracy"`;
  list items by their index).
- `FORMAT` is a Python format spec, `".1f"` by default: `".1%"` writes 0.9326 as `93.3%`,
  `".0f"` writes 10.0 as `10`. A list is written item by item, joined by ", ".

An unknown entry or metric, or a `{{ card` that is not a well-formed marker, stops the build
with an error that names the page. The cards are read from the JSON files, not through
`keras_genzoo`, so building the docs imports nothing of the package.

Registered in mkdocs.yml (`hooks:`); tests/test_docs_cards.py renders the pages through it.
"""

from __future__ import annotations

import ast
import functools
import json
import re
from pathlib import Path

PRESETS = Path(__file__).resolve().parents[2] / "keras_genzoo" / "zoo" / "presets"
DEFAULT_FORMAT = ".1f"

MARKER = re.compile(r"\{\{\s*card\((?P<args>[^(){}]*)\)\s*\}\}")
OPENING = re.compile(r"\{\{\s*card\b")


class CardNumberError(ValueError):
    """A `{{ card(...) }}` marker that cannot be resolved."""


@functools.lru_cache(maxsize=None)
def load_card(entry, presets=PRESETS):
    """The card (`metadata.json`) of zoo entry `entry`, as a dict."""
    path = Path(presets) / entry / "metadata.json"
    if not path.is_file():
        known = sorted(p.name for p in Path(presets).iterdir() if (p / "metadata.json").is_file())
        raise CardNumberError(f"unknown zoo entry {entry!r}: no {path}; entries with a card: {', '.join(known)}")
    return json.loads(path.read_text(encoding="utf-8"))


def card_value(entry, metric, presets=PRESETS):
    """The number (or list of numbers) `metric` of `entry`'s card: `metrics[metric]["value"]`,
    or the dotted path `metric` under `metrics`."""
    metrics = load_card(entry, presets).get("metrics", {})
    first, *rest = metric.split(".")
    if first not in metrics:
        raise CardNumberError(
            f"zoo entry {entry!r} has no metric {first!r} on its card; it has: {', '.join(sorted(metrics))}"
        )
    value = metrics[first]
    if not rest:
        value = value["value"] if isinstance(value, dict) else value
    for i, key in enumerate(rest):
        try:
            value = value[int(key)] if isinstance(value, list) else value[key]
        except (KeyError, IndexError, ValueError, TypeError):
            where = ".".join([first, *rest[:i]])
            raise CardNumberError(f"zoo entry {entry!r}: card metric {where!r} has no {key!r} (in {metric!r})") from None
    numbers = value if isinstance(value, list) else [value]
    if not numbers or not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in numbers):
        raise CardNumberError(f"zoo entry {entry!r}: card metric {metric!r} is not a number or a list of numbers: {value!r}")
    return value


def format_value(value, spec=DEFAULT_FORMAT):
    try:
        if isinstance(value, list):
            return ", ".join(format(v, spec) for v in value)
        return format(value, spec)
    except ValueError as e:
        raise CardNumberError(f"bad format {spec!r}: {e}") from None


def _replace(match, presets):
    try:
        args = ast.literal_eval(f"({match['args']},)")
    except (SyntaxError, ValueError):
        raise CardNumberError(f"{match[0]}: arguments must be string literals") from None
    if not 2 <= len(args) <= 3 or not all(isinstance(a, str) for a in args):
        raise CardNumberError(f"{match[0]}: expected card(ENTRY, METRIC) or card(ENTRY, METRIC, FORMAT), strings")
    entry, metric, *spec = args
    return format_value(card_value(entry, metric, presets), *spec)


def render(markdown, presets=PRESETS, where="the page"):
    """`markdown` with every `{{ card(...) }}` marker replaced by the card's number."""
    try:
        out = MARKER.sub(lambda m: _replace(m, presets), markdown)
        stray = OPENING.search(out)
        if stray:
            line = out[: stray.start()].count("\n") + 1
            raise CardNumberError(f"malformed marker at line {line}: {out[stray.start():stray.start() + 60]!r}")
    except CardNumberError as e:
        raise CardNumberError(f"{where}: {e}") from None
    return out


def on_page_markdown(markdown, page=None, config=None, files=None, **kwargs):
    """MkDocs event: replaces the markers before the Markdown is converted. A bad marker
    aborts the build (`PluginError`, which MkDocs reports as "Error: ..." and exits 1)."""
    where = page.file.src_uri if page is not None and getattr(page, "file", None) else "the page"
    try:
        return render(markdown, where=where)
    except CardNumberError as e:
        from mkdocs.exceptions import PluginError

        raise PluginError(f"card_numbers hook: {e}") from e
