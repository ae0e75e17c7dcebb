"""Executed docs: the code shown on the documentation pages runs.

Pages show code by including sections of the scripts in ``docs/snippets/`` with
pymdownx.snippets (``--8<-- "evaluation.py:scores"`` inside a fenced block), so a page shows
exactly the code in the script. This module runs every script with ``GENZOO_DOCS_FAST=1``
(each script shrinks its own budget: fewer images, epochs or steps) in a scratch directory, and
checks that the include markers and the pages agree: every section a page includes exists,
every section of a script is shown on some page, and every script is used by a page.

The scripts check their own results with ``assert`` (so a page's claims are tested too).

To add a page: write ``docs/snippets/<page>.py`` with ``# --8<-- [start:NAME]`` /
``# --8<-- [end:NAME]`` around each block the page shows, read ``GENZOO_DOCS_FAST`` for a
small budget, include the blocks in the page, and keep the fast run under ~30 CPU-seconds.
"""

from __future__ import annotations

import os
import pathlib
import re
import resource
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
SNIPPETS = DOCS / "snippets"
SCRIPTS = sorted(p for p in SNIPPETS.glob("*.py") if not p.name.startswith("_"))
# CPU seconds (user + system, all threads) one fast run may take; wall time is not used
# because the machines running CI may be shared.
CPU_BUDGET = float(os.environ.get("GENZOO_DOCS_CPU_BUDGET", "45"))

INCLUDE = re.compile(r'^\s*--8<--\s+"(?P<file>[^":]+)(?::(?P<section>[\w-]+))?"\s*$', re.M)
MARKER = re.compile(r"^\s*# --8<-- \[(?P<kind>start|end):(?P<name>[\w-]+)\]\s*$", re.M)


def _includes():
    """{(file, section or None): [pages]} for every snippet include in docs/**/*.md."""
    found = {}
    for page in sorted(DOCS.rglob("*.md")):
        for match in INCLUDE.finditer(page.read_text(encoding="utf-8")):
            key = (match["file"], match["section"])
            found.setdefault(key, []).append(page.relative_to(DOCS).as_posix())
    return found


def _sections(script):
    text = script.read_text(encoding="utf-8")
    starts = [m["name"] for m in MARKER.finditer(text) if m["kind"] == "start"]
    ends = [m["name"] for m in MARKER.finditer(text) if m["kind"] == "end"]
    return starts, ends


def test_there_are_executed_pages():
    assert SCRIPTS, f"no scripts in {SNIPPETS}"
    assert _includes(), "no page includes a snippet"


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.stem)
def test_markers_and_pages_agree(script):
    starts, ends = _sections(script)
    assert starts, f"{script.name} has no `# --8<-- [start:NAME]` sections"
    assert sorted(starts) == sorted(ends) and len(set(starts)) == len(starts), (
        f"{script.name}: every section needs exactly one start and one end marker; "
        f"starts {starts}, ends {ends}")
    includes = _includes()
    shown = {section for (file, section) in includes if file == script.name}
    assert shown, f"{script.name} is not included by any page"
    assert None not in shown, f"a page includes all of {script.name}; include its sections"
    assert not shown - set(starts), f"pages include sections missing from {script.name}: {shown - set(starts)}"
    assert not set(starts) - shown, f"sections of {script.name} no page shows: {set(starts) - shown}"


def test_every_include_names_an_existing_script():
    missing = {f"{file} (in {', '.join(pages)})" for (file, _), pages in _includes().items()
               if not (SNIPPETS / file).is_file()}
    assert not missing, f"pages include scripts that do not exist: {sorted(missing)}"


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.stem)
def test_snippet_script_runs(script, tmp_path):
    env = dict(os.environ, GENZOO_DOCS_FAST="1", MPLBACKEND="Agg", TF_CPP_MIN_LOG_LEVEL="2",
               PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    result = subprocess.run([sys.executable, str(script)], cwd=tmp_path, env=env,
                            capture_output=True, text=True, timeout=600)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    assert result.returncode == 0, (
        f"{script.name} failed (exit {result.returncode}):\n{result.stdout[-3000:]}\n{result.stderr[-5000:]}")
    assert cpu < CPU_BUDGET, (f"{script.name} took {cpu:.1f} CPU-s in fast mode, over the "
                              f"{CPU_BUDGET:.0f} s budget; shrink its GENZOO_DOCS_FAST budget")
