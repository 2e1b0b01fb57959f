// Waits until MathJax has typeset the page and the fonts are loaded (at most 20 s).
async () => {
  const ready = (async () => {
    if (window.MathJax && MathJax.startup && MathJax.startup.promise) { await MathJax.startup.promise; }
    if (document.fonts && document.fonts.ready) { await document.fonts.ready; }
  })();
  await Promise.race([ready, new Promise(r => setTimeout(r, 20000))]);  // never hang the test
  await new Promise(r => setTimeout(r, 50));  // kl-reader.js marks scroll boxes after typesetting
}
