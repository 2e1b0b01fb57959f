// The formula checker under Pyodide in Node, from the files the site ships, network blocked.
//
//   node tests/js/checker-parity.mjs SITE_DIR CASES.json OUT.json
//
// SITE_DIR is a folder laid out like the site's _static/kl-checker/ (manifest.json, Pyodide's
// core files, the wheels, the checker's zip); CASES.json is a list of [code, names] pairs.
// Writes {results: [...], seconds: {...}, blocked: [...]} to OUT.json: one result object per
// case, as the box gets it, and every request that tried to leave SITE_DIR.
// tests/test_checker_pyodide.py drives it and compares each result with CPython's.

import fs from "node:fs";
import http from "node:http";
import https from "node:https";
import net from "node:net";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const [site, casesFile, outFile] = process.argv.slice(2);
const root = path.resolve(site);
const blocked = [];

function local(location) {
  const file = String(location).startsWith("file:") ? new URL(location).pathname : location;
  const full = path.resolve(String(file));
  if (!full.startsWith(root + path.sep)) {
    blocked.push(String(location));
    throw new Error(`blocked: ${location} is not a file of ${root}`);
  }
  return full;
}

// No request may leave the site's files: fetch serves them from disk, and refuses the rest.
globalThis.fetch = async (location) => {
  const body = fs.readFileSync(local(location));
  return new Response(body, { status: 200 });
};

for (const [name, mod] of [["http", http], ["https", https]]) {
  for (const fn of ["request", "get"]) {
    mod[fn] = (...args) => { blocked.push(`${name}.${fn}`); throw new Error(`blocked: ${name}`); };
  }
}
net.connect = net.createConnection = (...args) => {
  blocked.push("net.connect");
  throw new Error("blocked: net.connect");
};

const { startChecker } = await import(
  pathToFileURL(path.resolve(path.dirname(fileURLToPath(import.meta.url)),
                            "../../book/_static/kl-checker-core.mjs")));
const manifest = JSON.parse(fs.readFileSync(path.join(root, "manifest.json"), "utf8"));
const loader = pathToFileURL(path.join(root, manifest.pyodide, "pyodide.mjs"));
const { loadPyodide } = await import(loader);

const t0 = performance.now();
const checker = await startChecker({
  base: root + path.sep,
  manifest,
  loadPyodide,
  readBytes: async (location) => new Uint8Array(fs.readFileSync(local(location))),
});
const t1 = performance.now();
const cases = JSON.parse(fs.readFileSync(casesFile, "utf8"));
const results = [];
const times = [];
const cpu = [];
for (const [code, names] of cases) {
  const start = performance.now();
  const used = process.cpuUsage();
  results.push(checker.check(code, names));
  const { user, system } = process.cpuUsage(used);
  cpu.push((user + system) / 1e6);
  times.push((performance.now() - start) / 1000);
}
// wall time of the start and of all checks; each check's wall and CPU time
const seconds = { start: (t1 - t0) / 1000, checks: (performance.now() - t1) / 1000,
                  each: times, cpu };
fs.writeFileSync(outFile, JSON.stringify({ results, seconds, blocked }));
