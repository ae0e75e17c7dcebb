"""Opens every page of the built documentation in headless Chromium and checks it works offline.

The site is built with ``mkdocs build --strict`` into a temporary directory and served on
127.0.0.1. Every request the pages make is intercepted: requests to 127.0.0.1 go through,
anything else is aborted and recorded as a failure. For each page the test checks that there
are no console errors or uncaught exceptions, no failed requests, no request to another host,
that every ``<img>`` loaded, that every formula was rendered by KaTeX (and no raw TeX is left
in the visible text), and that every code block has its copy button. A last test checks that
the built-in search answers a query offline, with its previews' formulas rendered. A static
scan of the built HTML and CSS for resources on other hosts runs even without a browser.

Needs Playwright for Python (``pip install playwright``; its bundled browsers are NOT used)
and a Chromium binary: Debian's ``chromium`` (``apt-get install chromium``) at
``/usr/bin/chromium``, or the path in ``$GENZOO_CHROMIUM``. Skipped with the reason when
either is missing.
"""

from __future__ import annotations

import functools
import html.parser
import http.server
import os
import pathlib
import re
import shutil
import subprocess
import sys
import threading
import urllib.parse

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def _chromium_path():
    """$GENZOO_CHROMIUM when set (and only it), else Debian's /usr/bin/chromium or one on PATH."""
    if os.environ.get("GENZOO_CHROMIUM"):
        candidates = [os.environ["GENZOO_CHROMIUM"]]
    else:
        candidates = ["/usr/bin/chromium", shutil.which("chromium"), shutil.which("chromium-browser")]
    for path in candidates:
        if path and os.path.isfile(path) and os.access(path, os.X_OK):
            return path
    return None


def _require_browser():
    """Returns (sync_playwright, chromium path) or skips the test with the reason."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as err:
        pytest.skip(f"Playwright for Python is not importable ({err}); install it with "
                    "`pip install playwright` (the test uses the system Chromium, "
                    "not `playwright install`)")
    path = _chromium_path()
    if path is None:
        where = (f"$GENZOO_CHROMIUM={os.environ['GENZOO_CHROMIUM']!r}" if os.environ.get("GENZOO_CHROMIUM")
                 else "/usr/bin/chromium or on PATH")
        pytest.skip(f"no executable Chromium at {where}; install Debian's `chromium` package "
                    "(`apt-get install chromium`) or set $GENZOO_CHROMIUM")
    return sync_playwright, path


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - signature of the base class
        pass


@pytest.fixture(scope="module")
def built_site(tmp_path_factory):
    """The docs built with `mkdocs build --strict` into a temporary directory."""
    pytest.importorskip("mkdocs", reason="mkdocs is not installed (pip install -e '.[docs]')")
    site_dir = tmp_path_factory.mktemp("site")
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1")
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site_dir)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, f"mkdocs build --strict failed:\n{result.stdout}\n{result.stderr}"
    return site_dir


@pytest.fixture(scope="module")
def site(built_site):
    """The built docs served on 127.0.0.1; yields (base_url, site_dir)."""
    _require_browser()
    site_dir = built_site
    handler = functools.partial(_QuietHandler, directory=str(site_dir))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/", site_dir
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture(scope="module")
def browser(site):
    sync_playwright, path = _require_browser()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=path, args=CHROMIUM_ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


class _Recorder:
    """Collects what went wrong while one page was open.

    Routing is set on the browser context (it also sees requests of the page's workers, such as
    the search index) and reports to whichever recorder is current.
    """

    current = None

    @classmethod
    def install(cls, context):
        context.route("**/*", lambda route: cls.current._route(route) if cls.current else route.abort())

    def __init__(self, page):
        self.reset()
        _Recorder.current = self
        page.on("console", lambda msg: msg.type == "error" and self.console_errors.append(
            f"{msg.text} ({msg.location.get('url')})"))
        page.on("pageerror", lambda err: self.page_errors.append(str(err)))
        page.on("requestfailed", lambda req: self.failed.append(f"{req.url}: {req.failure}"))
        page.on("response", lambda resp: resp.status >= 400 and self.bad_status.append(
            f"{resp.url}: HTTP {resp.status}"))

    def reset(self):
        self.console_errors, self.page_errors, self.failed, self.foreign, self.bad_status = [], [], [], [], []

    def _route(self, route):
        url = route.request.url
        host = urllib.parse.urlsplit(url).hostname
        if url.startswith(("data:", "blob:")) or host == "127.0.0.1":
            route.continue_()
        else:
            self.foreign.append(url)
            route.abort()

    def problems(self):
        out = []
        for name in ("foreign", "failed", "bad_status", "console_errors", "page_errors"):
            out += [f"{name}: {item}" for item in getattr(self, name)]
        return out


def _pages(site_dir):
    """Every HTML page of the built site, as URL paths relative to the site root."""
    pages = []
    for path in sorted(site_dir.rglob("*.html")):
        rel = path.relative_to(site_dir).as_posix()
        pages.append(rel[: -len("index.html")] if rel.endswith("index.html") else rel)
    return pages


# Runs in the page after it loaded: images, formulas, raw TeX left in the text, code blocks.
_INSPECT = """
async () => {
  await document.fonts.ready;
  const content = document.querySelector("article.md-content__inner") || document.body;
  const images = [...document.querySelectorAll("img")].map(img => ({
    src: img.currentSrc || img.src, complete: img.complete, width: img.naturalWidth}));
  const math = [...content.querySelectorAll(".arithmatex")];
  const unrendered = math.filter(el => !el.querySelector(".katex")).map(el => el.textContent);
  // Visible text outside code and outside KaTeX's own output (its MathML copy keeps the TeX).
  const walker = document.createTreeWalker(content, NodeFilter.SHOW_TEXT, {
    acceptNode: node => node.parentElement.closest("pre, code, .katex, script, style")
      ? NodeFilter.FILTER_REJECT : NodeFilter.FILTER_ACCEPT});
  let text = "";
  while (walker.nextNode()) text += walker.currentNode.textContent;
  const blocks = [...content.querySelectorAll("pre > code")];
  const withButton = blocks.filter(code => code.parentElement.querySelector("button[data-clipboard-target]"));
  return {
    images, mathCount: math.length, unrendered, text,
    katexFont: document.fonts.check("16px KaTeX_Main"),
    codeBlocks: blocks.length, codeButtons: withButton.length,
  };
}
"""

RAW_TEX = ["\\(", "\\)", "\\[", "\\]", "$$", "\\frac", "\\mathbb", "\\operatorname"]


def test_every_page_works_offline(site, browser):
    base_url, site_dir = site
    pages = _pages(site_dir)
    assert len(pages) >= 10, f"expected the full site, found only {pages}"
    failures = {}
    pages_with_math = 0
    context = browser.new_context(service_workers="block")
    _Recorder.install(context)
    try:
        for rel in pages:
            # A fresh tab per page: requests a page still has in flight when it is left (say, the
            # search index on a slow machine) are aborted with it and not blamed on the next page.
            page = context.new_page()
            recorder = _Recorder(page)
            problems = []
            response = page.goto(base_url + rel, wait_until="load", timeout=30_000)
            if response is None or not response.ok:
                problems.append(f"page itself: HTTP {response and response.status}")
            page.wait_for_load_state("networkidle", timeout=15_000)
            info = page.evaluate(_INSPECT)
            problems += recorder.problems()
            page.close()
            for img in info["images"]:
                if not (img["complete"] and img["width"] > 0):
                    problems.append(f"image not loaded: {img['src']}")
            problems += [f"formula not rendered: {tex!r}" for tex in info["unrendered"]]
            for token in RAW_TEX:
                if token in info["text"]:
                    at = info["text"].index(token)
                    problems.append(f"raw TeX {token!r} in visible text: "
                                    f"...{info['text'][max(0, at - 60):at + 60]!r}...")
            if info["mathCount"]:
                pages_with_math += 1
                if not info["katexFont"]:
                    problems.append("KaTeX_Main font did not load")
            if info["codeButtons"] != info["codeBlocks"]:
                problems.append(f"{info['codeBlocks']} code blocks but {info['codeButtons']} copy buttons")
            if problems:
                failures[rel or "index"] = problems
    finally:
        context.close()
    assert not failures, "pages with problems:\n" + "\n".join(
        f"  {page}:\n    " + "\n    ".join(items) for page, items in failures.items())
    # The tutorials are full of formulas: the math checks above must have had something to check.
    assert pages_with_math >= 3, f"only {pages_with_math} pages had formulas; is arithmatex enabled?"


def test_search_works_offline(site, browser):
    base_url, _ = site
    context = browser.new_context(service_workers="block")
    _Recorder.install(context)
    page = context.new_page()
    recorder = _Recorder(page)
    try:
        page.goto(base_url, wait_until="load")
        page.wait_for_load_state("networkidle")     # the search worker has read search_index.json
        box = page.locator("input.md-search__input")
        box.click()
        box.press_sequentially("reparameterization")  # Material searches on key events, not on fill()
        first = page.locator(".md-search-result__item").first
        first.wait_for(state="visible", timeout=15_000)
        hits = page.locator(".md-search-result__item a").evaluate_all("els => els.map(a => a.href)")
        page.wait_for_timeout(300)  # let the formula renderer catch up with the result list
        previews = page.evaluate("""() => {
          const list = document.querySelector(".md-search-result__list");
          const walker = document.createTreeWalker(list, NodeFilter.SHOW_TEXT, {acceptNode: node =>
            node.parentElement.closest(".katex, code, pre") ? NodeFilter.FILTER_REJECT : NodeFilter.FILTER_ACCEPT});
          let text = "";
          while (walker.nextNode()) text += walker.currentNode.textContent;
          return {text, formulas: list.querySelectorAll(".katex").length};
        }""")
    finally:
        context.close()
    assert not recorder.problems(), recorder.problems()
    assert any("tutorials/vae" in href for href in hits), hits
    # The VAE section on the trick is full of formulas; the previews show them rendered.
    assert previews["formulas"] > 0, previews["text"][:500]
    raw = [token for token in ("\\(", "\\[") if token in previews["text"]]
    assert not raw, f"raw TeX {raw} in the search previews: {previews['text'][:500]!r}"


class _ResourceLinks(html.parser.HTMLParser):
    """URLs a browser fetches by itself when it opens the page (not the links a reader follows)."""

    def __init__(self):
        super().__init__()
        self.urls = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in ("script", "img", "iframe", "source", "audio", "video", "embed"):
            self.urls.append(attrs.get("src"))
        elif tag == "link" and not {"canonical", "alternate"} & set((attrs.get("rel") or "").split()):
            self.urls.append(attrs.get("href"))
        elif tag == "object":
            self.urls.append(attrs.get("data"))


def test_built_site_loads_nothing_from_another_host(built_site):
    """A static check that also runs where no browser is available."""
    remote = re.compile(r"^(https?:)?//", re.I)
    offenders = []
    for path in sorted(built_site.rglob("*.html")):
        parser = _ResourceLinks()
        parser.feed(path.read_text(encoding="utf-8"))
        offenders += [f"{path.relative_to(built_site)}: {url}" for url in parser.urls if url and remote.match(url)]
    for path in sorted(built_site.rglob("*.css")):
        for url in re.findall(r"(?:url\(\s*['\"]?|@import\s+['\"])((?:https?:)?//[^'\")\s]+)", path.read_text(encoding="utf-8")):
            offenders.append(f"{path.relative_to(built_site)}: {url}")
    assert not offenders, "the site would fetch from other hosts:\n" + "\n".join(offenders)
    assert (built_site / "javascripts/vendor/katex/katex.min.js").is_file()
    assert list((built_site / "javascripts/vendor/katex/fonts").glob("*.woff2"))
