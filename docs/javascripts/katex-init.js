// Renders the formulas that pymdownx.arithmatex (generic mode) leaves in the page:
// <span class="arithmatex">\(...\)</span> inline and <div class="arithmatex">\[...\]</div> display.
// KaTeX and its fonts are served from docs/javascripts/vendor/katex, so no request leaves the site.
// A formula KaTeX cannot parse is reported on the console (the browser test fails on it).
(function () {
  function strip(tex) {
    tex = tex.trim();
    var pairs = [["\\(", "\\)"], ["\\[", "\\]"], ["$$", "$$"], ["$", "$"]];
    for (var i = 0; i < pairs.length; i++) {
      var open = pairs[i][0], close = pairs[i][1];
      if (tex.startsWith(open) && tex.endsWith(close) && tex.length >= open.length + close.length) {
        return tex.slice(open.length, tex.length - close.length);
      }
    }
    return tex;
  }

  function render(root) {
    var nodes = root.querySelectorAll(".arithmatex");
    for (var i = 0; i < nodes.length; i++) {
      var el = nodes[i];
      if (el.dataset.katexRendered) continue;
      var source = el.textContent;
      try {
        katex.render(strip(source), el, {
          displayMode: el.tagName === "DIV",
          throwOnError: true,
          strict: "error",
        });
        el.dataset.katexRendered = "1";
      } catch (err) {
        console.error("KaTeX could not render " + JSON.stringify(source) + ": " + err.message);
      }
    }
  }

  // Search results are built from the page text, where formulas are plain TeX again:
  // render them with KaTeX's auto-render whenever the result list changes.
  function watchSearch() {
    var list = document.querySelector(".md-search-result__list");
    if (!list || list.dataset.katexWatched || typeof renderMathInElement === "undefined") return;
    list.dataset.katexWatched = "1";
    var options = {
      delimiters: [
        { left: "\\[", right: "\\]", display: true },
        { left: "\\(", right: "\\)", display: false },
      ],
      ignoredClasses: ["katex"],
      throwOnError: false,  // a preview may cut a formula in half
    };
    var observer = new MutationObserver(function () {
      observer.disconnect();  // rendering changes the list too
      renderMathInElement(list, options);
      observer.observe(list, { childList: true, subtree: true });
    });
    observer.observe(list, { childList: true, subtree: true });
  }

  if (typeof document$ !== "undefined") {
    document$.subscribe(watchSearch);
    document$.subscribe(function () { render(document.body); });  // Material: every page load
  } else {
    document.addEventListener("DOMContentLoaded", function () { render(document.body); });
  }
})();
