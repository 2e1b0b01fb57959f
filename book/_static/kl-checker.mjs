// The formula checker box (book/_ext/kl_checker_box.py writes its HTML).  Nothing is loaded
// until the reader asks for a check; then one Web Worker per page (kl-checker-worker.mjs)
// starts Python and runs kltools' check_formula on the pasted code.
//
// The hook for tests and tools: the root element [data-kl-checker] holds a <textarea> (the
// code), an <input name="names"> and a <button>.  While it works, the root has
// data-state="loading" or "running"; when done, data-state="done" or "error", and
// data-result holds the result as JSON (keys verdict, factor, reinterpretation, reduction,
// assumed, counterexample, describe, names; or error).  data-steps holds when (seconds after
// the worker began) each loading step began.

import { fmt, rows } from "./kl-checker-text.mjs";

const WORKER_URL = new URL("kl-checker-worker.mjs", import.meta.url);
const LOAD_SECONDS = 120; // Python, sympy and the checker must be up by then
const GRACE_SECONDS = 5; // default beyond the time limit (manifest "grace"), then it is stopped

let worker = null;
let nextId = 0;
const waiting = new Map(); // id -> {box, timer}

function row(list, label, text) {
  const item = document.createElement("div");
  const term = document.createElement("dt");
  const value = document.createElement("dd");
  term.textContent = label;
  value.textContent = text;
  item.append(term, value);
  list.append(item);
}

function render(box, result) {
  const list = document.createElement("dl");
  for (const [label, text] of rows(result)) { row(list, label, text); }
  box.querySelector(".kl-checker-result").replaceChildren(list);
}

function finish(box, state, result, status) {
  box.dataset.state = state;
  box.dataset.result = JSON.stringify(result);
  box.querySelector("button").disabled = false;
  box.querySelector(".kl-checker-progress").hidden = true;
  box.querySelector(".kl-checker-status").textContent = status;
  render(box, result);
}

function stopWorker(message) {
  if (worker) { worker.terminate(); }
  worker = null;
  for (const [id, { box, timer }] of waiting) {
    clearTimeout(timer);
    waiting.delete(id);
    finish(box, "error", { error: message }, "Stopped. The next check starts Python again.");
  }
}

function arm(id, seconds, message) {
  const entry = waiting.get(id);
  if (!entry) { return; }
  clearTimeout(entry.timer);
  entry.timer = setTimeout(() => stopWorker(message), seconds * 1000);
}

function onMessage(event) {
  const data = event.data;
  const entry = waiting.get(data.id);
  if (data.type === "progress") {
    for (const { box } of waiting.values()) {
      const steps = JSON.parse(box.dataset.steps || "{}");
      box.dataset.steps = JSON.stringify({ ...steps, [data.step]: data.seconds });
      box.querySelector(".kl-checker-status").textContent = `${data.step}…`;
      box.querySelector(".kl-checker-progress").value = data.fraction;
    }
  } else if (entry && data.type === "started") {
    entry.box.dataset.state = "running";
    entry.box.querySelector(".kl-checker-status").textContent = "Checking…";
    const limit = data.limit + (data.grace ?? GRACE_SECONDS);
    arm(data.id, limit, `The check ran longer than ${fmt(limit)} s and was stopped. Shorten or `
      + "simplify the line (check one term at a time) and try again.");
  } else if (entry && data.type === "result") {
    clearTimeout(entry.timer);
    waiting.delete(data.id);
    const state = data.result.error ? "error" : "done";
    finish(entry.box, state, data.result, state === "done" ? "Checked." : "Not checked.");
  } else if (entry && data.type === "failed") {
    stopWorker(`The checker could not run: ${data.error}`);
  }
}

function check(box) {
  if (!worker) {
    worker = new Worker(WORKER_URL, { type: "module" });
    worker.onmessage = onMessage;
    worker.onerror = (e) => stopWorker(`The checker could not start: ${e.message || "error"}`);
  }
  const id = ++nextId;
  box.dataset.state = "loading";
  delete box.dataset.result;
  delete box.dataset.steps;
  box.querySelector("button").disabled = true;
  box.querySelector(".kl-checker-progress").hidden = false;
  box.querySelector(".kl-checker-status").textContent = "Starting…";
  box.querySelector(".kl-checker-result").replaceChildren();
  waiting.set(id, { box, timer: null });
  arm(id, LOAD_SECONDS, `Python did not start within ${LOAD_SECONDS} s, so the check was `
    + "stopped. Check again to retry.");
  const code = box.querySelector("textarea").value;
  const names = box.querySelector('input[name="names"]').value;
  worker.postMessage({ id, code, names });
}

for (const box of document.querySelectorAll("[data-kl-checker]")) {
  box.querySelector("button").addEventListener("click", () => check(box));
  box.dataset.state = "idle";
}
