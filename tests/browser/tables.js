() => {
  /* column.js */

  const problems = [], wide = [];
  const vh = window.innerHeight;
  for (const t of document.querySelectorAll('article table')) {
    if (!shown(t) || t.closest('mjx-container')) continue;
    const heads = Array.from(t.querySelectorAll('th')).slice(0, 3).map(h => h.textContent.trim()).join(' | ');
    const label = `table "${(heads || t.textContent.trim()).slice(0, 60)}"`;
    const r = t.getBoundingClientRect();
    const box = clipBox(t.parentElement);
    const visible = box ? box.getBoundingClientRect() : col;
    if (r.left >= Math.max(colLeft, visible.left) - 1 && r.right <= Math.min(colRight, visible.right) + 1) continue;
    wide.push(`${label} is ${px(r.width)} px wide in a ${px(Math.min(colRight, visible.right) - Math.max(colLeft, visible.left))} px column: a reader scrolls it sideways`);
    if (!box || !scrolls(box)) {
      problems.push(`${label} is ${px(r.width)} px wide in a ${px(colRight - colLeft)} px column, outside a scroll container: columns are cut off`);
    } else if (!inColumn(visible)) {
      problems.push(`${label}: its scroll container is wider than the column`);
    } else if (visible.height > vh + 1) {
      problems.push(`${label} scrolls sideways, but its scroll container is ${px(visible.height)} px tall on a ${vh} px screen: the scrollbar is out of view`);
    }
  }
  return {problems, wide};
}
