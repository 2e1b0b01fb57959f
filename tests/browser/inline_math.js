// Inline formulas that a reader cannot see whole: part of the typeset formula lies
// outside the article column, or outside an ancestor that clips it (overflow not
// visible).  Returns one problem string per such formula.
() => {
  const article = document.querySelector("article.bd-article") || document.querySelector("[role=main]");
  const vw = document.documentElement.clientWidth;
  const col = article.getBoundingClientRect();
  const left = Math.max(col.left, 0), right = Math.min(col.right, vw);
  const problems = [];
  for (const c of article.querySelectorAll('mjx-container[display="false"], span.math > mjx-container:not([display])')) {
    const math = c.querySelector("mjx-math") || c;
    const pieces = Array.from(math.getClientRects()).filter((r) => r.width > 0 && r.height > 0);
    if (!pieces.length) continue;  // folded away
    let lo = Math.min(...pieces.map((r) => r.left)), hi = Math.max(...pieces.map((r) => r.right));
    let boxLeft = left, boxRight = right;
    for (let e = c.parentElement; e && e !== article; e = e.parentElement) {
      if (getComputedStyle(e).overflowX !== "visible") {
        const b = e.getBoundingClientRect();
        boxLeft = Math.max(boxLeft, b.left); boxRight = Math.min(boxRight, b.right);
      }
    }
    const hidden = Math.max(0, boxLeft - lo) + Math.max(0, hi - boxRight);
    if (hidden > 1) {
      const tex = (c.parentElement.getAttribute("data-tex") || (c.querySelector("mjx-assistive-mml") || c).textContent)
        .replace(/\s+/g, " ").trim().slice(0, 50);
      problems.push(`inline formula ${JSON.stringify(tex)}: ${Math.round(hidden)} of ${Math.round(hi - lo)} px cut off`);
    }
  }
  return problems;
}
