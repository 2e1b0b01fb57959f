() => Array.from(document.querySelectorAll('article div.cell_output'))
  .map(o => Array.from(o.children).filter(c => c.matches('.output.stream')))
  .filter(s => s.length > 1)
  .map(s => `${s.length} printed boxes in one cell, starting ${JSON.stringify(s[0].textContent.trim().split('\n')[0].slice(0, 60))}`)
