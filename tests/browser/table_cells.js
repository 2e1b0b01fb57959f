// Table cells a reader cannot see without scrolling sideways: a cell outside the
// article column, or in a box that has to be scrolled to show it, and a cell
// whose column header is shown neither above it nor beside it (data-label), or
// is shown as raw TeX.
() => {
  const article = document.querySelector("article.bd-article") || document.querySelector("[role=main]");
  const vw = document.documentElement.clientWidth;
  const col = article.getBoundingClientRect();
  const left = Math.max(col.left, 0), right = Math.min(col.right, vw);
  const problems = [];
  for (const table of article.querySelectorAll("table")) {
    if (table.closest("mjx-container") || !(table.getBoundingClientRect().width > 0)) continue;
    const heads = Array.from(table.querySelectorAll(":scope > thead > tr:last-child > th"));
    const headShown = heads.some((th) => th.getBoundingClientRect().height > 0);
    const name = `table "${heads.slice(0, 3).map((h) => h.textContent.trim()).join(" | ").slice(0, 50)}"`;
    const cut = new Set(), unlabelled = new Set(), rawLabels = new Set();
    for (const row of table.querySelectorAll(":scope > tbody > tr")) {
      Array.from(row.children).forEach((cell, i) => {
        const r = cell.getBoundingClientRect();
        const column = heads[i] ? heads[i].textContent.trim() : `column ${i + 1}`;
        let scrolled = false;
        for (let e = cell.parentElement; e && e !== article; e = e.parentElement) {
          if (getComputedStyle(e).overflowX !== "visible" && e.scrollWidth > e.clientWidth + 1) scrolled = true;
        }
        if (!(r.width > 0) || r.left < left - 1 || r.right > right + 1 || scrolled) cut.add(column);
        const label = getComputedStyle(cell, "::before").content;
        if (heads[i] && heads[i].textContent.trim() && !headShown && !(label && label !== "none" && label !== "normal")) unlabelled.add(column);
        if (/\\[A-Za-z]+|\\[()]/.test(label)) rawLabels.add(label);
      });
    }
    if (cut.size) problems.push(`${name}: column(s) ${[...cut].join(", ")} not in view without scrolling sideways`);
    if (rawLabels.size) problems.push(`${name}: raw TeX in the column labels ${[...rawLabels].join(", ")}`);
    if (unlabelled.size) problems.push(`${name}: column(s) ${[...unlabelled].join(", ")} shown without their header`);
  }
  return problems;
}
