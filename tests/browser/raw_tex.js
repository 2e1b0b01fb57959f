// Raw TeX a reader sees: visible text in the article that still holds TeX
// commands or delimiters (math that MathJax has not typeset yet and that is not
// hidden).  Code is left out: it may quote TeX on purpose.
() => {
  const article = document.querySelector("article.bd-article") || document.body;
  const walker = document.createTreeWalker(article, NodeFilter.SHOW_TEXT);
  const tex = /\\[A-Za-z]+|\\[()[\]]|\$\$/;
  const seen = [];
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const el = node.parentElement;
    if (!tex.test(node.textContent) || el.closest("pre, code, script, style, mjx-container")) continue;
    if (!el.checkVisibility({ visibilityProperty: true, opacityProperty: true })) continue;
    const r = document.createRange();
    r.selectNodeContents(node);
    if (!Array.from(r.getClientRects()).some((b) => b.width > 0 && b.height > 0)) continue;
    seen.push(`raw TeX on screen: ${JSON.stringify(node.textContent.trim().slice(0, 60))}`);
  }
  return seen;
}
