() => Array.from(document.querySelectorAll('article img')).filter(i => i.getBoundingClientRect().width > 0)
  .map(i => ({src: i.getAttribute('src'), width: i.getBoundingClientRect().width, natural: i.naturalWidth,
              alt: (i.getAttribute('alt') || '').slice(0, 50),
              caption: ((i.closest('figure') || {}).querySelector ? (i.closest('figure').querySelector('figcaption') || {}).textContent || '' : '').trim().slice(0, 30)}))
