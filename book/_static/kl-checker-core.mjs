// The formula checker under Pyodide: start Python, load the pinned wheels and kltools'
// checker, and run one check.  Used by the box's Web Worker (kl-checker-worker.mjs) and by
// the Node parity test (tests/js/checker-parity.mjs), so both run the same steps.
//
// Every file comes from `base` (the site's _static/kl-checker/ folder, or a local folder in
// Node), as listed in its manifest.json, which the book build writes
// (book/_ext/kl_checker_box.py).  Pyodide is given its indexURL, its lockfile and its
// packageBaseUrl there, so its loader never falls back to a CDN.

// Resolve a name listed in the manifest against the base folder (URL or path).
export function resolve(base, name) {
  return base.endsWith("/") ? base + name : `${base}/${name}`;
}

// Start Python and import the checker.  `readBytes(location)` returns a Uint8Array;
// `progress(step, fraction, seconds)` reports each step as it begins.
// Returns {pyodide, check(code, names)}.
export async function startChecker({ base, manifest, loadPyodide, readBytes, progress }) {
  const t0 = performance.now();
  const report = progress || (() => {});
  const say = (step, fraction) => report(step, fraction, (performance.now() - t0) / 1000);
  const indexURL = resolve(base, manifest.pyodide);
  say("Starting Python (Pyodide)", 0.05);
  const pyodide = await loadPyodide({
    indexURL,
    lockFileURL: resolve(indexURL, "pyodide-lock.json"),
    packageBaseUrl: indexURL,
    packages: [],
    stdout: () => {},
    stderr: () => {},
  });
  say("Loading sympy and mpmath", 0.45);
  await pyodide.loadPackage(manifest.wheels.map((w) => resolve(base, w)), {
    messageCallback: () => {},
    errorCallback: (m) => { throw new Error(m); },
  });
  say("Loading the checker", 0.6);
  const zip = await readBytes(resolve(base, manifest.zip));
  pyodide.unpackArchive(zip, "zip", { extractDir: "/home/pyodide/kl-checker" });
  say("Importing sympy and the checker", 0.65);
  await pyodide.runPythonAsync(`
import sys
sys.path.insert(0, "/home/pyodide/kl-checker")
import kl_checker_run
kl_checker_run.set_time_limit(${Number(manifest.time_limit)}, ${Number(manifest.cpu_deadline)})
import kltools.checker
`);
  const checkJson = pyodide.globals.get("kl_checker_run").check_json;
  say("Ready", 1);
  return {
    pyodide,
    check(code, names) {
      return JSON.parse(checkJson(String(code), String(names || "")));
    },
  };
}
