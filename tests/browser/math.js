() => {
  const math = Array.from(document.querySelectorAll('.math'));
  const untypeset = math.filter(el => !el.querySelector('mjx-container')).map(el => el.textContent.slice(0, 80));
  return {count: math.length, untypeset: untypeset, errors: document.querySelectorAll('mjx-merror').length,
          mathjax: !!(window.MathJax && MathJax.version)};
}
