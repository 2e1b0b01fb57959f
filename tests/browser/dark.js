() => {
  const problems = [];
  if (document.documentElement.dataset.theme !== 'dark') problems.push(`theme is "${document.documentElement.dataset.theme}", not dark`);
  const lum = (c) => { const m = c.match(/rgba?\(([\d.]+), ([\d.]+), ([\d.]+)(?:, ([\d.]+))?\)/); if (!m) return [0, 0];
    return [(0.2126 * m[1] + 0.7152 * m[2] + 0.0722 * m[3]) / 255, m[4] === undefined ? 1 : +m[4]]; };
  for (const img of document.querySelectorAll('article img')) {
    if (!(img.getBoundingClientRect().width > 0)) continue;
    const [l, a] = lum(getComputedStyle(img).backgroundColor);
    if (!(a > 0.5 && l > 0.6)) problems.push(`figure ${img.getAttribute('src')} has no light background in dark mode (its dark text would sit on the dark page)`);
  }
  return problems;
}
