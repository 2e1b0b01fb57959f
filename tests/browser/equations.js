() => {
  /* column.js */

  const problems = [];
  const name = (c) => {
    const d = c.closest('div.math'); const n = d && d.querySelector('.eqno');
    if (n) return 'equation ' + n.textContent.replace('#', '').trim();
    const t = (d || c).getAttribute('id') || (c.querySelector('mjx-assistive-mml') || c).textContent;
    return 'display equation "' + t.replace(/\s+/g, ' ').slice(0, 40) + '"';
  };
  for (const c of document.querySelectorAll('article mjx-container[display="true"]')) {
    if (!shown(c)) continue;
    const m = c.querySelector('mjx-math') || c;
    const full = m.getBoundingClientRect();  // the whole formula, also where it overflows
    const width = full.width;
    const box = clipBox(c);
    const visible = box ? box.getBoundingClientRect() : col;
    const fits = full.left >= Math.max(colLeft, visible.left) - 1 && full.right <= Math.min(colRight, visible.right) + 1;
    if (fits) continue;
    if (!box) {
      problems.push(`${name(c)} is ${px(width)} px wide in a ${px(colRight - colLeft)} px column and overflows it, with no scroll box`);
    } else if (!scrolls(box)) {
      problems.push(`${name(c)} is clipped: ${px(width)} px of formula in a ${px(visible.width)} px box that does not scroll (overflow-x: ${getComputedStyle(box).overflowX})`);
    } else if (!inColumn(visible)) {
      problems.push(`${name(c)}: its scroll box (${px(visible.left)}..${px(visible.right)} px) is wider than the column (${px(colLeft)}..${px(colRight)} px)`);
    }
  }
  for (const n of document.querySelectorAll('article div.math span.eqno')) {
    const d = n.closest('div.math');
    if (!shown(d)) continue;
    const label = 'number ' + n.textContent.replace('#', '').trim();
    const r = n.getBoundingClientRect();
    if (!(r.width > 0 && r.height > 0) || getComputedStyle(n).visibility === 'hidden') {
      problems.push(`equation ${label} is not shown`); continue;
    }
    if (!inColumn(r)) {
      problems.push(`equation ${label} is outside the column (${px(r.left)}..${px(r.right)} px, column ${px(colLeft)}..${px(colRight)} px)`); continue;
    }
    const clip = clipBox(n.parentElement);
    if (clip) {
      const b = clip.getBoundingClientRect();
      if (r.left < b.left - 1 || r.right > b.right + 1) { problems.push(`equation ${label} is clipped by its box`); continue; }
    }
    const c = d.querySelector('mjx-container');
    if (c) {
      const cm = (c.querySelector('mjx-math') || c).getBoundingClientRect(), cb = c.getBoundingClientRect();
      const left = Math.max(cm.left, cb.left), right = Math.min(cm.right, cb.right);  // the formula as seen
      const overlap = Math.min(right, r.right) - Math.max(left, r.left);
      if (overlap > 1 && Math.min(cm.bottom, r.bottom) - Math.max(cm.top, r.top) > 1) {
        problems.push(`equation ${label} is drawn over its formula (${px(overlap)} px overlap)`); continue;
      }
    }
    n.scrollIntoView({block: 'center', inline: 'nearest'});
    const q = n.getBoundingClientRect();
    const hit = document.elementFromPoint(Math.min(Math.max(q.left + q.width / 2, 0), vw - 1), q.top + q.height / 2);
    if (!(hit && (hit === n || n.contains(hit)))) {
      problems.push(`equation ${label} is covered by ${hit ? hit.tagName.toLowerCase() + (hit.className ? '.' + String(hit.className).split(' ')[0] : '') : 'nothing'}`);
    }
  }
  window.scrollTo(0, 0);
  return problems;
}
