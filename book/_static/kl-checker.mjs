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

const WORKER_URL = new URL("kl-checker-worker.mjs", import.meta.url);
const LOAD_SECONDS = 120; // Python, sympy and the checker must be up by then
const GRACE_SECONDS = 5; // default beyond the time limit (manifest "grace"), then it is stopped

const VERDICTS = {
  kl_qp: "KL(q ‖ p): the reverse KL, a VAE's KL term against its prior",
  kl_pq: "KL(p ‖ q): the forward KL",
  neg_kl_qp: "−KL(q ‖ p): minus the reverse KL (the ELBO's term)",
  neg_kl_pq: "−KL(p ‖ q): minus the forward KL",
  no_match: "no KL between these Gaussians",
};
const QUANTITIES = {
  sigma: "the standard deviation σ",
  var: "the variance σ²",
  log_var: "the log-variance log σ²",
  log_sigma: "the log standard deviation log σ",
};
const REDUCTIONS = {
  sum: "summed over the latent dimensions: the KL of the diagonal Gaussians",
  mean: "averaged over the latent dimensions: the KL × 1/d (β = 1/d)",
};

let worker = null;
let nextId = 0;
const waiting = new Map(); // id -> {box, timer}

function fmt(x) {
  if (Array.isArray(x)) { // a complex number, [real, imaginary]
    return `${fmt(x[0])} ${x[1] < 0 ? "−" : "+"} ${fmt(Math.abs(x[1]))}i`;
  }
  return typeof x === "number" ? String(Number(x.toPrecision(6))).replace("-", "−") : String(x);
}

function row(list, label, text) {
  const item = document.createElement("div");
  const term = document.createElement("dt");
  const value = document.createElement("dd");
  term.textContent = label;
  value.textContent = text;
  item.append(term, value);
  list.append(item);
}

function factorText(factor, verdict) {
  const kl = verdict.replace(/^neg_/, "") === "kl_pq" ? "KL(p ‖ q)" : "KL(q ‖ p)";
  const sign = verdict.startsWith("neg_") ? -1 : 1;
  return `the line is ${fmt(factor * sign)} × ${kl}: multiply it by ${fmt(1 / (factor * sign))}`
    + " to get the KL";
}

function render(box, result) {
  const out = box.querySelector(".kl-checker-result");
  out.replaceChildren();
  const list = document.createElement("dl");
  if (result.error) {
    row(list, "Not checked", result.error);
    out.append(list);
    return;
  }
  const factor = result.factor ?? 1;
  const names = Object.entries(result.reinterpretation || {});
  const verdict = VERDICTS[result.verdict] || result.verdict;
  row(list, "Verdict", names.length ? `${verdict}, if each name is what it must be (below)`
    : verdict);
  if (factor !== 1) { row(list, "Constant factor", factorText(factor, result.verdict)); }
  row(list, "Each name", names.length
    ? names.map(([n, q]) => `${n} must be ${QUANTITIES[q] || q}`).join("; ")
    : "read as it says");
  row(list, "Reduction", REDUCTIONS[result.reduction] || "none: one latent dimension's term");
  const assumed = Object.entries(result.assumed || {});
  if (assumed.length) { row(list, "Assumed", assumed.map(([k, v]) => `${k} = ${v}`).join("; ")); }
  const ce = result.counterexample;
  if (ce) {
    const at = Object.entries(ce.distributions).map(([k, v]) => `${k} = ${fmt(v)}`).join(", ");
    row(list, "Counterexample", `at ${at}: the line gives ${fmt(ce.formula)}, KL(q ‖ p) is `
      + `${fmt(ce.kl_qp)} (difference ${fmt(ce.difference)})`);
  }
  const read = Object.entries(result.names || {}).map(([k, v]) => `${k} as ${v}`).join(", ");
  if (read) { row(list, "Names read", read); }
  row(list, "describe()", result.describe);
  out.append(list);
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
