// What the checker box shows for a result (the JSON of book/_ext/kl_checker_run.py), as
// [label, text] rows, in words.  Pure functions, so tests/js/checker-text.test.mjs runs them
// in Node.

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

export function fmt(x) {
  if (Array.isArray(x)) { // a complex number, [real, imaginary]
    return `${fmt(x[0])} ${x[1] < 0 ? "−" : "+"} ${fmt(Math.abs(x[1]))}i`;
  }
  if (typeof x !== "number") { return String(x); }
  return String(Number(x.toPrecision(6))).replaceAll("-", "−");
}

export function factorText(factor, verdict) {
  const kl = verdict.replace(/^neg_/, "") === "kl_pq" ? "KL(p ‖ q)" : "KL(q ‖ p)";
  const sign = verdict.startsWith("neg_") ? -1 : 1;
  return `the line is ${fmt(factor * sign)} × ${kl}: multiply it by ${fmt(1 / (factor * sign))}`
    + " to get the KL";
}

// The rows the box shows: the verdict, any constant factor, what each name must be, the
// reduction, what was assumed, the counterexample, how each name was read, and describe().
export function rows(result) {
  if (result.error) { return [["Not checked", result.error]]; }
  const out = [];
  const factor = result.factor ?? 1;
  const names = Object.entries(result.reinterpretation || {});
  const verdict = VERDICTS[result.verdict] || result.verdict;
  out.push(["Verdict", names.length ? `${verdict}, if each name is what it must be (below)`
    : verdict]);
  if (factor !== 1) { out.push(["Constant factor", factorText(factor, result.verdict)]); }
  out.push(["Each name", names.length
    ? names.map(([n, q]) => `${n} must be ${QUANTITIES[q] || q}`).join("; ")
    : "read as it says"]);
  out.push(["Reduction", REDUCTIONS[result.reduction] || "none: one latent dimension's term"]);
  const assumed = Object.entries(result.assumed || {});
  if (assumed.length) { out.push(["Assumed", assumed.map(([k, v]) => `${k} = ${v}`).join("; ")]); }
  const ce = result.counterexample;
  if (ce) {
    const at = Object.entries(ce.distributions).map(([k, v]) => `${k} = ${fmt(v)}`).join(", ");
    out.push(["Counterexample", `at ${at}: the line gives ${fmt(ce.formula)}, KL(q ‖ p) is `
      + `${fmt(ce.kl_qp)} (difference ${fmt(ce.difference)})`]);
  }
  const read = Object.entries(result.names || {}).map(([k, v]) => `${k} as ${v}`).join(", ");
  if (read) { out.push(["Names read", read]); }
  out.push(["describe()", result.describe]);
  return out;
}
