  // Shared helpers (pasted into equations.js and tables.js where they say
  // "column.js"): the column is the article; a "scroll box" is an element between
  // the checked element and the article whose overflow-x lets the reader scroll.
  // (The theme's article container itself scrolls sideways: a table or equation
  // that only scrolls with the whole article is not in a box of its own.)
  const article = document.querySelector('article.bd-article') || document.querySelector('[role=main]');
  const vw = document.documentElement.clientWidth;
  const col = article.getBoundingClientRect();
  const colLeft = Math.max(col.left, 0), colRight = Math.min(col.right, vw);
  const px = v => Math.round(v);
  const shown = el => { const r = el.getBoundingClientRect(); return r.width > 0 && r.height > 0; };
  const clipBox = (el) => {  // nearest ancestor-or-self inside the article that clips sideways
    for (let e = el; e && e !== article; e = e.parentElement) {
      const o = getComputedStyle(e).overflowX;
      if (o !== 'visible') return e;
    }
    return null;
  };
  const scrolls = e => ['auto', 'scroll'].includes(getComputedStyle(e).overflowX) && e.scrollWidth > e.clientWidth + 1;
  const inColumn = r => r.left >= colLeft - 1 && r.right <= colRight + 1;
