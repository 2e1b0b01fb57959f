() => {
  const items = [];
  const textOf = (el) => {
    const copy = el.cloneNode(true);
    copy.querySelectorAll('code, .math, mjx-container, script, style').forEach(e => e.remove());
    return copy.textContent;
  };
  for (const out of document.querySelectorAll('article div.cell_output > *')) {
    if (out.matches('.output.stream, .output.stderr')) items.push(['printed', out.textContent]);
    else if (out.matches('.output.text_plain')) items.push(['result', out.textContent]);
    else if (!out.matches('.output.text_latex, .output.image_png, .output.image_svg, img, figure')) items.push(['rendered', textOf(out)]);
  }
  for (const g of document.querySelectorAll('article .pasted-text, article .pasted-inline')) items.push(['glued', textOf(g)]);
  return items;
}
