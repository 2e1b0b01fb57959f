() => {
  const problems = [];
  for (const pre of new Set(document.querySelectorAll('article div.cell pre, article div.cell_output pre, article div.highlight pre'))) {
    if (!(pre.clientWidth > 0)) continue;  // a hidden (folded) input
    if (pre.scrollWidth <= pre.clientWidth + 1) continue;
    const kind = pre.closest('.cell_input') ? 'code' : (pre.closest('.cell_output') ? 'output' : 'code block in the text');
    const lines = pre.textContent.split('\n');
    const longest = lines.reduce((a, b) => (b.length > a.length ? b : a), '');
    problems.push(`${kind} line cut at the right edge (${longest.length} characters, ~${Math.floor(longest.length * pre.clientWidth / pre.scrollWidth)} fit): ${JSON.stringify(longest.trim().slice(0, 70))}`);
  }
  return problems;
}
