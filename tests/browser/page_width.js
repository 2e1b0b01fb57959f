// The page itself scrolls sideways on a phone: something in it is wider than the
// screen and not in a scroll box of its own.  Names the outermost such elements.
() => {
  const vw = document.documentElement.clientWidth;
  if (document.documentElement.scrollWidth <= vw + 1) return [];
  const wide = Array.from(document.querySelectorAll("body *")).filter((e) => {
    const r = e.getBoundingClientRect();
    return r.right > vw + 1 && getComputedStyle(e).position !== "fixed"
      && e.parentElement.getBoundingClientRect().right <= vw + 1;
  });
  return [`the page is ${document.documentElement.scrollWidth} px wide on a ${vw} px screen`]
    .concat(wide.slice(0, 5).map((e) => `  wider than the screen: <${e.tagName.toLowerCase()}> in `
      + `<${e.parentElement.tagName.toLowerCase()} class="${e.parentElement.className}">: `
      + JSON.stringify(e.textContent.trim().slice(0, 50))));
}
