/*
 * The book's reader-facing behaviour (loaded with `defer` by
 * book/_ext/reader_site.py).  Generic: it holds for equations and tables that
 * chapters add later.  tests/test_browser.py checks the result.  What
 * pydata-sphinx-theme 0.17 already does is not repeated here: it wraps every
 * table in a scroll container, lets a display equation scroll in its own
 * box, and gives code blocks, outputs and tables a tab stop when they scroll.
 *
 * 1. Scroll cues.  A display equation or a table wider than the column gets
 *    the class `kl-overflows` (the fade cue at the edge that has more, and
 *    the height cap that keeps a wide table's scrollbar on screen) and the
 *    classes `kl-scrolled` / `kl-at-end` as the reader scrolls.  A wide
 *    equation also gets a tab stop, which the theme gives only to code,
 *    outputs and tables.
 * 2. Inline math that wraps: the top-level pieces of an inline formula are
 *    grouped into runs that end after a relation or binary operator, with a
 *    zero-width space between runs where kl-reader.css lets the line break.
 * 3. Phone tables: each cell gets its column's header as `data-label`, which
 *    kl-reader.css shows when a table becomes one card per row.
 * 4. The phone "Contents" drawer closes when a link in it is tapped (the
 *    theme closes it only on Escape or a tap outside it).
 * 5. Math typeset: when MathJax never loads, the raw TeX that kl-reader.css
 *    hides is shown again.
 * 6. Search snippets.  Sphinx builds a result's snippet from the text of the
 *    page's HTML, where math is still raw TeX ("\(\sigma_1^2\)") and the
 *    launch buttons' labels come first.  The snippet is taken from the
 *    article alone, with math as plain text (σ₁²) and without code cells'
 *    source.
 */
(() => {
  "use strict";

  /* ---- 1. Scroll cues ------------------------------------------------------ */

  const SCROLL_BOXES = 'mjx-container[display="true"], .pst-scrollable-table-container';

  function updateEdges(box) {
    box.classList.toggle("kl-scrolled", box.scrollLeft > 1);
    box.classList.toggle("kl-at-end", box.scrollLeft + box.clientWidth >= box.scrollWidth - 1);
  }

  const watched = new WeakSet();
  let resizeObserver = null;

  function markBox(box) {
    const overflows = box.scrollWidth > box.clientWidth + 1;
    box.classList.toggle("kl-overflows", overflows);
    if (box.matches("mjx-container")) {
      box.tabIndex = overflows ? 0 : -1;
    }
    if (overflows) {
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

  /* ---- 2. Inline math that wraps ------------------------------------------- */

  // MathJax's CHTML output puts the space around a relation (space="4") or a
  // binary operator (space="3") on the operator and on the piece after it.
  const spaced = (el) => Number(el.getAttribute("space") || 0) >= 3;

  function wrapInlineFormula(math) {
    if (math.querySelector(":scope > mjx-kl-run")) {
      return;
    }
    let run = null;
    let previous = null;
    for (const piece of Array.from(math.children)) {
      const breakHere = previous && previous.tagName === "MJX-MO" && spaced(previous) && spaced(piece);
      if (run && breakHere) {
        const mark = document.createElement("mjx-kl-break");
        mark.textContent = "\u200b"; // a zero-width space: the one place the line may break
        math.insertBefore(mark, piece);
      }
      if (!run || breakHere) {
        run = document.createElement("mjx-kl-run");
        math.insertBefore(run, piece);
      }
      run.appendChild(piece);
      previous = piece;
    }
  }

  // Punctuation right after a formula stays on its line: the formula and the
  // punctuation share a nowrap span (the formula itself still breaks inside).
  function keepPunctuation(span) {
    const next = span.nextSibling;
    const m = next && next.nodeType === Node.TEXT_NODE && /^[.,;:!?)\]]+/.exec(next.data);
    if (!m || span.parentElement.classList.contains("kl-nobreak")) {
      return;
    }
    const glue = document.createElement("span");
    glue.className = "kl-nobreak";
    span.parentElement.insertBefore(glue, span);
    glue.appendChild(span);
    glue.appendChild(document.createTextNode(m[0]));
    next.data = next.data.slice(m[0].length);
  }

  function wrapInlineMath() {
    document.querySelectorAll("span.math > mjx-container:not([display]) > mjx-math")
      .forEach((math) => {
        wrapInlineFormula(math);
        keepPunctuation(math.parentElement.parentElement);
      });
  }

  /* ---- 3. Phone tables ------------------------------------------------------ */

  // a header's text with its math as plain text (the label is set before MathJax runs)
  function headerText(th) {
    const copy = th.cloneNode(true);
    copy.querySelectorAll(".math").forEach((el) => {
      el.textContent = texToText(el.textContent);
    });
    return copy.textContent.replace(/\s+/g, " ").trim();
  }

  function labelTableCells() {
    document.querySelectorAll("article table").forEach((table) => {
      const heads = Array.from(table.querySelectorAll(":scope > thead > tr:last-child > th"))
        .map(headerText);
      table.querySelectorAll(":scope > tbody > tr").forEach((row) => {
        Array.from(row.children).forEach((cell, i) => {
          if (heads[i]) {
            cell.setAttribute("data-label", heads[i]);
          }
        });
      });
    });
  }

  /* ---- 4. The phone "Contents" drawer --------------------------------------- */

  function closeDrawerOnLinkTap() {
    document.querySelectorAll("dialog#pst-primary-sidebar-modal, dialog#pst-secondary-sidebar-modal")
      .forEach((dialog) => {
        dialog.addEventListener("click", (event) => {
          if (dialog.open && event.target.closest("a[href]")) {
            dialog.close();
          }
        });
      });
  }

  /* ---- 5. Math typeset -------------------------------------------------------- */

  function whenTypeset() {
    const startup = window.MathJax && window.MathJax.startup;
    if (!(startup && startup.promise)) {
      if (document.querySelector(".math")) {
        document.documentElement.classList.add("kl-math-failed");
      }
      return;
    }
    startup.promise.then(() => {
      wrapInlineMath();
      markScrollBoxes();
    }, () => document.documentElement.classList.add("kl-math-failed"));
  }

  /* ---- 6. Search snippets ---------------------------------------------- */

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
      // the article only: not the header's launch and download buttons
      const main = doc.querySelector('[role="main"]');
      const article = doc.querySelector("article.bd-article");
      if (main && article) {
        main.replaceChildren(article);
      }
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

  function start() {
    labelTableCells();
    closeDrawerOnLinkTap();
    if (window.ResizeObserver) {
      // a box changes size with the window, a font load, an opened toggle
      resizeObserver = new ResizeObserver((entries) => entries.forEach((e) => markBox(e.target)));
    }
    markScrollBoxes();
    // equations exist only once MathJax has typeset them
    if (document.readyState === "complete") {
      whenTypeset();
    } else {
      window.addEventListener("load", whenTypeset);
    }
  }

  patchSearchSnippets(); // before Sphinx fetches the first result page
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
