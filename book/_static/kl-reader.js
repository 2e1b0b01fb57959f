/*
 * The book's reader-facing behaviour (loaded with `defer` by
 * book/_ext/reader_site.py).  Generic: it holds for equations and tables that
 * chapters add later.  tests/test_browser.py checks the result.
 *
 * 1. Scroll boxes.  A display equation or a table wider than the column
 *    scrolls inside its own box (kl-reader.css).  Here each such box gets the
 *    class `kl-overflows` (the fade cue at the edge that has more, and the
 *    height cap that keeps a wide table's scrollbar on screen), the classes
 *    `kl-scrolled` / `kl-at-end` as the reader scrolls, and a tab stop so a
 *    keyboard can scroll it.  A bare <table> that is in no scroll box is
 *    wrapped in one.
 * 2. Search snippets.  Sphinx builds a result's snippet from the text of the
 *    page's HTML, where math is still raw TeX ("\(\sigma_1^2\)").  The math
 *    is turned into plain text (σ₁²), and code cells' source is left out,
 *    before Sphinx takes the snippet.
 */
(() => {
  "use strict";

  /* ---- 1. Scroll boxes ---------------------------------------------------- */

  const SCROLL_BOXES = [
    'mjx-container[display="true"]',
    ".pst-scrollable-table-container",
    ".kl-table-scroll",
  ].join(", ");

  function wrapBareTables() {
    document.querySelectorAll(".bd-article table").forEach((table) => {
      const parent = table.parentElement;
      if (!parent || parent.matches(".pst-scrollable-table-container, .kl-table-scroll")) {
        return;
      }
      const box = document.createElement("div");
      box.className = "kl-table-scroll";
      parent.insertBefore(box, table);
      box.appendChild(table);
    });
  }

  function updateEdges(box) {
    box.classList.toggle("kl-scrolled", box.scrollLeft > 1);
    box.classList.toggle("kl-at-end", box.scrollLeft + box.clientWidth >= box.scrollWidth - 1);
  }

  const watched = new WeakSet();
  let resizeObserver = null;

  function markBox(box) {
    const overflows = box.scrollWidth > box.clientWidth + 1;
    box.classList.toggle("kl-overflows", overflows);
    if (overflows) {
      box.tabIndex = 0;
      updateEdges(box);
    }
    if (!watched.has(box)) {
      watched.add(box);
      box.addEventListener("scroll", () => updateEdges(box), { passive: true });
      if (resizeObserver) {
        resizeObserver.observe(box);
      }
    }
  }

  function markScrollBoxes() {
    document.querySelectorAll(SCROLL_BOXES).forEach(markBox);
  }

  function setUpScrollBoxes() {
    wrapBareTables();
    if (window.ResizeObserver) {
      // a box changes size with the window, a font load, an opened toggle
      resizeObserver = new ResizeObserver((entries) => entries.forEach((e) => markBox(e.target)));
    }
    markScrollBoxes();
    // equations exist only once MathJax has typeset them
    const whenTypeset = () => {
      const startup = window.MathJax && window.MathJax.startup;
      if (startup && startup.promise) {
        startup.promise.then(markScrollBoxes);
      }
    };
    if (document.readyState === "complete") {
      whenTypeset();
    } else {
      window.addEventListener("load", whenTypeset);
    }
  }

  /* ---- 2. Search snippets without raw TeX --------------------------------- */

  const SYMBOLS = {
    alpha: "α", beta: "β", gamma: "γ", delta: "δ", epsilon: "ε", varepsilon: "ε",
    zeta: "ζ", eta: "η", theta: "θ", kappa: "κ", lambda: "λ", mu: "μ", nu: "ν",
    xi: "ξ", pi: "π", rho: "ρ", sigma: "σ", tau: "τ", phi: "φ", varphi: "φ",
    chi: "χ", psi: "ψ", omega: "ω", Gamma: "Γ", Delta: "Δ", Theta: "Θ",
    Lambda: "Λ", Sigma: "Σ", Phi: "Φ", Psi: "Ψ", Omega: "Ω",
    infty: "∞", partial: "∂", nabla: "∇", sum: "∑", prod: "∏", int: "∫",
    cdot: "·", times: "×", pm: "±", le: "≤", leq: "≤", ge: "≥", geq: "≥",
    ne: "≠", neq: "≠", approx: "≈", sim: "∼", to: "→", rightarrow: "→",
    mapsto: "↦", in: "∈", mid: "|", ldots: "…", dots: "…", cdots: "⋯",
    lvert: "|", rvert: "|", vert: "|", Vert: "‖", langle: "⟨", rangle: "⟩",
    ell: "ℓ", top: "⊤", quad: " ", qquad: " ",
  };
  const SUPERSCRIPT = { 0: "⁰", 1: "¹", 2: "²", 3: "³", 4: "⁴", 5: "⁵", 6: "⁶", 7: "⁷", 8: "⁸", 9: "⁹", "-": "⁻", "+": "⁺", n: "ⁿ", i: "ⁱ" };
  const SUBSCRIPT = { 0: "₀", 1: "₁", 2: "₂", 3: "₃", 4: "₄", 5: "₅", 6: "₆", 7: "₇", 8: "₈", 9: "₉", "-": "₋", "+": "₊", i: "ᵢ", j: "ⱼ", k: "ₖ" };

  const script = (text, table, mark) => {
    const chars = Array.from(text.trim());
    if (chars.length && chars.every((c) => c in table)) {
      return chars.map((c) => table[c]).join("");
    }
    return chars.length === 1 ? mark + chars[0] : `${mark}(${text.trim()})`;
  };
  // a single token (letters, digits, sub- and superscripts) needs no parentheses
  const group = (text) => (/^[\p{L}\p{N}.\u00b2\u00b3\u00b9\u2070-\u209f]+$/u.test(text.trim()) ? text.trim() : `(${text.trim()})`);
  // \log x -> "log x", \sigma -> "σ"; other commands lose their backslash
  const command = (name, next) => {
    if (name in SYMBOLS) return SYMBOLS[name];
    return /[\p{L}\\]/u.test(next || "") ? ` ${name} ` : ` ${name}`;
  };

  /** Plain text for a TeX formula, good enough for a search snippet. */
  function texToText(tex) {
    let s = tex.trim()
      .replace(/^\\[([]/, "").replace(/\\[)\]]$/, "")
      .replace(/\\(?:begin|end)\{[^{}]*\}/g, " ")
      .replace(/\\\\/g, "; ")
      .replace(/&/g, " ")
      .replace(/\\(?:displaystyle|textstyle|left|right|[bB]igg?[lr]?|nonumber|notag|limits)(?![A-Za-z])/g, "")
      .replace(/\\[,;:! ]/g, " ")
      .replace(/\\\|/g, "‖")
      .replace(/\\mathcal\s*\{?\s*N\s*\}?/g, "𝒩")
      .replace(/\\mathbb\s*\{?\s*E\s*\}?/g, "𝔼")
      .replace(/\\(?:mathrm|mathbf|mathit|mathsf|mathbb|mathcal|boldsymbol)\s+(?=[A-Za-z])/g, "")
      .replace(/\\([A-Za-z]+)/g, (m, name) => (name in SYMBOLS ? SYMBOLS[name] : m));
    const FONT = /\\(?:mathrm|mathbf|mathit|mathsf|mathbb|mathcal|text|textrm|operatorname\*?|boldsymbol)\s*\{([^{}]*)\}/g;
    for (let i = 0; i < 30; i++) {
      const before = s;
      s = s.replace(FONT, "$1")
        .replace(/\\[dt]?frac\s*\{([^{}]*)\}\s*\{([^{}]*)\}/g, (m, a, b) => `${group(a)}/${group(b)}`)
        .replace(/\\sqrt\s*\{([^{}]*)\}/g, (m, a) => `√${group(a)}`)
        .replace(/\^\{([^{}]*)\}/g, (m, a) => script(a, SUPERSCRIPT, "^"))
        .replace(/_\{([^{}]*)\}/g, (m, a) => script(a, SUBSCRIPT, "_"));
      if (s === before) {
        // a bare group: drop one level of braces, but not a \frac or \sqrt argument
        // (a group right after "}" is a second argument)
        s = s.replace(/(?<!\\(?:[dt]?frac|sqrt)\s*)(?<![}^_])\{([^{}]*)\}/g, "$1");
        if (s === before) break;
      }
    }
    s = s.replace(/\^([0-9A-Za-z+-])/g, (m, a) => script(a, SUPERSCRIPT, "^"))
      .replace(/_([0-9A-Za-z])/g, (m, a) => script(a, SUBSCRIPT, "_"))
      .replace(/\\([A-Za-z]+)(.?)/gu, (m, name, next) => command(name, next) + next)
      .replace(/\\(.)/g, "$1")
      .replace(/[{}]/g, "")
      .replace(/\s+/g, " ")
      .replace(/([([])\s+/g, "$1")
      .replace(/\s+([)\],])/g, "$1");
    return s.trim();
  }
  window.klTexToText = texToText; // for the browser test

  function patchSearchSnippets() {
    // `Search` is searchtools.js's global (Sphinx 7), only on pages that search
    if (typeof Search === "undefined" || !Search.htmlToText || Search.klMathAsText) {
      return;
    }
    const htmlToText = Search.htmlToText;
    Search.htmlToText = (htmlString, anchor) => {
      const doc = new DOMParser().parseFromString(htmlString, "text/html");
      // a snippet quotes the prose around a match, not the code cells' source
      doc.querySelectorAll("div.cell_input").forEach((el) => el.remove());
      doc.querySelectorAll(".math").forEach((el) => {
        el.querySelectorAll(".eqno").forEach((n) => n.remove());
        el.textContent = ` ${texToText(el.textContent)} `;
      });
      return htmlToText(doc.documentElement.outerHTML, anchor);
    };
    Search.klMathAsText = true;
  }

  /* ---- start -------------------------------------------------------------- */

  patchSearchSnippets(); // before Sphinx fetches the first result page
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setUpScrollBoxes);
  } else {
    setUpScrollBoxes();
  }
})();
