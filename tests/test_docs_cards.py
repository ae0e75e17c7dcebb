"""Docs pages quote the zoo's measured numbers from the model cards (docs/hooks/card_numbers.py).

The pages carry `{{ card("ENTRY", "METRIC"[, "FORMAT"]) }}` markers; the MkDocs hook fills them in
from keras_genzoo/zoo/presets/ENTRY/metadata.json when the site is built. These tests render the
pages' Markdown through the hook, without building the site.
"""

from __future__ import annotations

import importlib.util
import json
import pathlib
import re

import pytest
import yaml

ROOT = pathlib.Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
HOOK = DOCS / "hooks" / "card_numbers.py"
PRESETS = ROOT / "keras_genzoo" / "zoo" / "presets"


def _hook():
    spec = importlib.util.spec_from_file_location("card_numbers", HOOK)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


hook = _hook()


def _card(entry):
    return json.loads((PRESETS / entry / "metadata.json").read_text(encoding="utf-8"))["metrics"]


def _rendered(page):
    text = (DOCS / page).read_text(encoding="utf-8")
    return " ".join(hook.render(text, where=page).split())


def test_mkdocs_runs_the_hook():
    config = yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))
    assert "docs/hooks/card_numbers.py" in config.get("hooks", [])


@pytest.mark.parametrize("page", sorted(p.relative_to(DOCS).as_posix() for p in DOCS.rglob("*.md")))
def test_every_marker_resolves(page):
    out = hook.render((DOCS / page).read_text(encoding="utf-8"), where=page)
    assert "{{ card" not in out and "{{card" not in out


def test_pages_quote_the_cards():
    dcgan, wgan, wgangp = _card("dcgan_fashion_mnist"), _card("wgan_fashion_mnist"), _card("wgangp_fashion_mnist")
    cgan, acgan, cvae = _card("cgan_fashion_mnist"), _card("acgan_fashion_mnist"), _card("cvae_fashion_mnist")
    expected = {
        "tutorials/dcgan.md": [f"FD {dcgan['fd']['value']:.1f} at 10,000 samples, all 10 classes"],
        "tutorials/wgan.md": [
            f"FD {wgangp['fd']['value']:.1f} at 10,000 samples",
            f"it scores FD {wgan['fd']['value']:.1f} at 10,000 samples, all 10 classes, "
            f"against WGAN-GP's {wgangp['fd']['value']:.1f}",
        ],
        "tutorials/conditional.md": [
            f"| **{100 * cgan['conditional_accuracy']['value']:.1f}%** | 10 | **{cgan['fd']['value']:.1f}** | "
            f"{cgan['intra_class_fd']['value']:.1f} |",
            f"| **{100 * acgan['conditional_accuracy']['value']:.2f}%** | 10 | **{acgan['fd']['value']:.1f}** | "
            f"{acgan['intra_class_fd']['value']:.1f} |",
            f"| **{100 * cvae['conditional_accuracy']['value']:.1f}%** | 10 | **{cvae['fd']['value']:.1f}** | "
            f"{cvae['intra_class_fd']['value']:.1f} |",
            f"Its pooled FD of {cgan['fd']['value']:.1f} is far below the unconditional DCGAN entry's "
            f"{dcgan['fd']['value']:.1f}",
            "per class " + ", ".join(f"{a:.2f}" for a in cvae["conditional_accuracy"]["details"]["per_class_accuracy"]),
            f"intra-class FD ({cvae['intra_class_fd']['details']['per_class']['6']:.1f})",
        ],
        "tutorials/vae.md": [f"| `vae_fashion_mnist` | {_card('vae_fashion_mnist')['test_negative_elbo']['value']:.1f} |"],
        "benchmarks.md": [
            f"FD {wgangp['fd']['value']:.1f}, KID {wgangp['kid']['value']:.1f}, IS {wgangp['is']['value']:.2f}, "
            f"10/10 classes, class KL {wgangp['coverage']['details']['class_kl']:.4f}",
        ],
    }
    for page, quotes in expected.items():
        text = _rendered(page)
        missing = [q for q in quotes if q not in text]
        assert not missing, f"{page} does not quote the cards: {missing}"


def test_pages_do_not_hard_code_the_entries_numbers():
    """The zoo-entry figures the pages quote come through markers, not typed digits."""
    raw = (DOCS / "tutorials" / "conditional.md").read_text(encoding="utf-8")
    for line in raw.splitlines():
        if "(zoo entry `" in line:
            assert re.search(r"\| \*\*\{\{ card\(", line), line


def test_formats():
    assert hook.render('{{ card("cgan_fashion_mnist", "conditional_accuracy", ".1%") }}') == (
        f"{_card('cgan_fashion_mnist')['conditional_accuracy']['value']:.1%}")
    assert hook.render('x{{card("dcgan_fashion_mnist","coverage",".0f")}}y') == "x10y"
    # Markdown and KaTeX braces that are not markers are left alone.
    text = r"\(\frac{1}{2}\) {{ other }} `{{x}}` {: .class }"
    assert hook.render(text) == text


@pytest.mark.parametrize("marker, message", [
    ('{{ card("nope_fashion_mnist", "fd") }}', r"unknown zoo entry 'nope_fashion_mnist'.*dcgan_fashion_mnist"),
    ('{{ card("dcgan_fashion_mnist", "fid") }}', r"'dcgan_fashion_mnist' has no metric 'fid'.*fd"),
    ('{{ card("cvae_fashion_mnist", "intra_class_fd.details.per_class.10") }}', r"has no '10'"),
    ('{{ card("dcgan_fashion_mnist", "fd.protocol") }}', r"not a number"),
    ('{{ card("dcgan_fashion_mnist") }}', r"expected card\(ENTRY, METRIC\)"),
    ('{{ card(dcgan_fashion_mnist, "fd") }}', r"string literals"),
    ('{{ card("dcgan_fashion_mnist", "fd", "q") }}', r"bad format 'q'"),
    ('line\n{{ card("dcgan_fashion_mnist", "fd") }', r"malformed marker at line 2"),
])
def test_bad_markers_fail(marker, message):
    with pytest.raises(hook.CardNumberError, match=message):
        hook.render(marker, where="page.md")
    with pytest.raises(hook.CardNumberError, match=r"^page\.md: "):
        hook.render(marker, where="page.md")


def test_bad_marker_fails_the_build():
    from mkdocs.exceptions import PluginError

    with pytest.raises(PluginError, match="card_numbers hook: .*unknown zoo entry 'nope'"):
        hook.on_page_markdown('{{ card("nope", "fd") }}', page=None, config=None, files=None)
