() => Array.from(document.querySelectorAll('#pst-primary-sidebar-modal nav.bd-docs-nav a.reference.internal'))
  .map((a, index) => ({a, index, url: a.href, text: a.textContent.trim()}))
  .filter(({a}) => { const r = a.getBoundingClientRect(); return r.width > 0 && r.height > 0 && r.left >= 0 && r.right <= window.innerWidth; })
  .map(({index, url, text}) => ({index, url, text}))
