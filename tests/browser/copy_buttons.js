// Visible code cells whose copy button (sphinx-copybutton) a reader cannot see:
// missing, not displayed, or nearly transparent without a hover.
() => Array.from(document.querySelectorAll("article div.cell_input div.highlight, article div.highlight"))
  .filter((h) => h.checkVisibility({ visibilityProperty: true }))  // not in a folded cell
  .filter((h) => {
    const b = h.querySelector("button.copybtn");
    if (!b) return true;
    const s = getComputedStyle(b);
    return s.display === "none" || s.visibility === "hidden" || Number(s.opacity) < 0.3;
  })
  .map((h) => `code cell without a visible copy button: ${JSON.stringify(h.textContent.trim().split("\n")[0].slice(0, 60))}`)
