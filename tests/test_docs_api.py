"""The API reference (docs/api/*.md, rendered by mkdocstrings) documents every public name.

Public names are those in the ``__all__`` of every module of ``keras_genzoo`` and, for the
modules the package exports that have no ``__all__`` (``losses``, ``distribute``), the functions
and classes defined in them. A name counts as documented when a ``::: identifier`` directive on
an API page resolves to the same object (so a re-export may be documented under any of its
paths), or documents the whole module that holds it. ``mkdocs build --strict`` separately makes
sure every directive resolves.
"""

from __future__ import annotations

import importlib
import inspect
import pathlib
import pkgutil
import re
import textwrap

import pytest
import yaml

import keras_genzoo

ROOT = pathlib.Path(__file__).resolve().parents[1]
API_DIR = ROOT / "docs" / "api"
DIRECTIVE = re.compile(r"^::: *(?P<target>[\w.]+) *$")


def _modules():
    names = [keras_genzoo.__name__]
    names += [m.name for m in pkgutil.walk_packages(keras_genzoo.__path__, keras_genzoo.__name__ + ".")]
    return {name: importlib.import_module(name) for name in names}


def _public_names(modules):
    """{"keras_genzoo.module.name": object} for every public name of the package."""
    public = {}
    exported = set(keras_genzoo.__all__)
    for mod_name, module in modules.items():
        names = getattr(module, "__all__", None)
        if names is None:
            if mod_name.rsplit(".", 1)[-1] not in exported or mod_name.count(".") != 1:
                continue
            names = [k for k, v in vars(module).items() if not k.startswith("_")
                     and (inspect.isfunction(v) or inspect.isclass(v)) and v.__module__ == mod_name]
        for name in names:
            obj = getattr(module, name)
            if inspect.ismodule(obj) or name.startswith("__"):
                continue  # subpackages have their own names; __version__ is not API
            public[f"{mod_name}.{name}"] = obj
    return public


def _resolve(target):
    parts = target.split(".")
    for i in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:i]))
        except ImportError:
            continue
        for attr in parts[i:]:
            obj = getattr(obj, attr)
        return obj
    raise ImportError(target)


def _directives(page):
    """(target, options) for every `::: target` block of an API page."""
    lines = page.read_text(encoding="utf-8").splitlines()
    out = []
    for i, line in enumerate(lines):
        match = DIRECTIVE.match(line)
        if not match:
            continue
        block = []
        for follow in lines[i + 1:]:
            if follow.strip() and not follow.startswith(" "):
                break
            block.append(follow)
        config = yaml.safe_load(textwrap.dedent("\n".join(block))) or {}
        out.append((match["target"], config.get("options", {}) or {}))
    return out


def _documented_ids(pages):
    """ids of every object some directive renders, and the directives that do not resolve."""
    ids, broken = set(), []
    for page in pages:
        for target, options in _directives(page):
            try:
                obj = _resolve(target)
            except (ImportError, AttributeError):
                broken.append(f"{page.name}: ::: {target}")
                continue
            ids.add(id(obj))
            if inspect.ismodule(obj):
                members = options.get("members", True)
                if members is True or members is None:
                    members = getattr(obj, "__all__", [k for k in vars(obj) if not k.startswith("_")])
                ids.update(id(getattr(obj, name)) for name in (members or []))
    return ids, broken


def test_api_pages_exist():
    pages = sorted(API_DIR.glob("*.md"))
    assert pages, f"no API pages in {API_DIR}"
    nav = yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8").replace("!!python", "#"))
    listed = re.findall(r"api/[\w-]+\.md", str(nav["nav"]))
    missing = [p.relative_to(ROOT / "docs").as_posix() for p in pages
               if p.relative_to(ROOT / "docs").as_posix() not in listed]
    assert not missing, f"API pages not in the mkdocs nav: {missing}"


def test_every_public_name_has_an_api_entry():
    public = _public_names(_modules())
    assert len(public) > 40, sorted(public)  # the walk found the package's API
    ids, broken = _documented_ids(sorted(API_DIR.glob("*.md")))
    assert not broken, f"directives that do not resolve: {broken}"
    undocumented = sorted(name for name, obj in public.items() if id(obj) not in ids)
    assert not undocumented, (
        "public names without an entry in docs/api/*.md (add a `::: name` directive): "
        + ", ".join(undocumented))


def test_the_check_notices_a_missing_entry(tmp_path):
    """The coverage check itself: dropping one directive makes the name undocumented."""
    page = tmp_path / "networks.md"
    text = (API_DIR / "networks.md").read_text(encoding="utf-8")
    assert "::: keras_genzoo.networks.mlp_encoder\n" in text
    page.write_text(text.replace("::: keras_genzoo.networks.mlp_encoder\n", ""), encoding="utf-8")
    ids, _ = _documented_ids([page])
    assert id(keras_genzoo.networks.mlp_encoder) not in ids
    assert id(keras_genzoo.networks.mlp_decoder) in ids


@pytest.mark.parametrize("page", sorted((ROOT / "docs" / "tutorials").glob("*.md")), ids=lambda p: p.stem)
def test_tutorials_link_to_the_api_reference(page):
    """Every tutorial that uses the package links to the API pages of what it uses."""
    text = page.read_text(encoding="utf-8")
    if "keras_genzoo" not in text and "gz." not in text:
        pytest.skip(f"{page.name} does not use the package")
    links = re.findall(r"\]\((?:\.\./)?api/([\w-]+)\.md(?:#[\w.-]+)?\)", text)
    assert links, f"{page.name} uses the package but links to no page of the API reference"
    for target in set(links):
        assert (API_DIR / f"{target}.md").exists(), f"{page.name} links to missing api/{target}.md"
