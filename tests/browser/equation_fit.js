// Every display equation of the article: its name (label, or the first characters
// of its text), and whether it fits its box without scrolling sideways.
() => {
  const out = [];
  const counts = {};
  for (const c of document.querySelectorAll('article mjx-container[display="true"]')) {
    if (!(c.getBoundingClientRect().width > 0)) continue;
    const d = c.closest("div.math");
    const id = d && d.id && d.id.startsWith("equation-") ? d.id.slice("equation-".length) : "";
    const text = (c.querySelector("mjx-assistive-mml") || c).textContent.replace(/\s+/g, "").slice(0, 24);
    let name = id || `"${text}"`;
    counts[name] = (counts[name] || 0) + 1;
    if (counts[name] > 1) name += ` #${counts[name]}`;
    const math = (c.querySelector("mjx-math") || c).getBoundingClientRect();
    out.push({ name, width: Math.round(math.width), box: c.clientWidth,
               fits: math.width <= c.clientWidth + 1 });
  }
  return out;
}
