// The checker box's Web Worker: Python (Pyodide), sympy, mpmath and kltools' checker, loaded
// from the site's _static/kl-checker/ on the first message, then one check per message.
// Messages out: {type: "progress", step, fraction, seconds}; {type: "started", id, limit,
// grace} (the check itself begins; limit is the checker's time limit, grace the wait beyond
// it, in seconds); {type: "result", id, result}; {type: "failed", id, error}.
import { startChecker } from "./kl-checker-core.mjs";

const BASE = new URL("kl-checker/", import.meta.url).href;
let loading = null;
let limit = null;
let grace = null;

async function bytes(url) {
  const response = await fetch(url);
  if (!response.ok) { throw new Error(`${url}: HTTP ${response.status}`); }
  return new Uint8Array(await response.arrayBuffer());
}

async function load() {
  const manifest = JSON.parse(new TextDecoder().decode(await bytes(BASE + "manifest.json")));
  limit = manifest.time_limit;
  grace = manifest.grace;
  const { loadPyodide } = await import(BASE + manifest.pyodide + "pyodide.mjs");
  const progress = (step, fraction, seconds) =>
    postMessage({ type: "progress", step, fraction, seconds });
  return startChecker({ base: BASE, manifest, loadPyodide, readBytes: bytes, progress });
}

self.onmessage = async (event) => {
  const { id, code, names } = event.data;
  try {
    loading ??= load();
    const checker = await loading;
    postMessage({ type: "started", id, limit, grace });
    postMessage({ type: "result", id, result: checker.check(code, names) });
  } catch (error) {
    postMessage({ type: "failed", id, error: String((error && error.message) || error) });
  }
};
