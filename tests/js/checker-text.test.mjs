// The checker box's words for a result (book/_static/kl-checker-text.mjs), under Node's own
// test runner: `node --test tests/js/checker-text.test.mjs` (tests/test_checker_pyodide.py
// runs it).  The results have the shape of book/_ext/kl_checker_run.py's JSON.
import assert from "node:assert/strict";
import test from "node:test";

import { factorText, fmt, rows } from "../../book/_static/kl-checker-text.mjs";

const KERAS_BLOG = {
  verdict: "kl_qp", factor: 1, reinterpretation: { z_log_sigma: "log_var" }, reduction: "mean",
  assumed: { p: "N(0, 1)" }, counterexample: null,
  names: { z_log_sigma: "log_sigma", z_mean: "mu" },
  describe: "kl_qp if z_log_sigma is log_var, averaged over the latent dimensions",
};

test("a KL under a reinterpretation: every field, in order", () => {
  const shown = rows(KERAS_BLOG);
  assert.deepEqual(shown.map(([label]) => label),
    ["Verdict", "Each name", "Reduction", "Assumed", "Names read", "describe()"]);
  const text = Object.fromEntries(shown);
  assert.match(text.Verdict, /^KL\(q ‖ p\).*if each name is what it must be/);
  assert.equal(text["Each name"], "z_log_sigma must be the log-variance log σ²");
  assert.match(text.Reduction, /^averaged over the latent dimensions/);
  assert.equal(text.Assumed, "p = N(0, 1)");
  assert.equal(text["describe()"], KERAS_BLOG.describe);
});

test("a constant factor is shown with what to multiply by", () => {
  const text = Object.fromEntries(rows({ ...KERAS_BLOG, factor: -2, reinterpretation: {} }));
  assert.equal(text["Constant factor"],
    "the line is −2 × KL(q ‖ p): multiply it by −0.5 to get the KL");
  assert.equal(factorText(2, "kl_pq"),
    "the line is 2 × KL(p ‖ q): multiply it by 0.5 to get the KL");
  assert.equal(factorText(1, "neg_kl_qp"),
    "the line is −1 × KL(q ‖ p): multiply it by −1 to get the KL");
  assert.ok(!("Constant factor" in Object.fromEntries(rows(KERAS_BLOG))));
});

test("a counterexample, complex values and an error", () => {
  const text = Object.fromEntries(rows({
    ...KERAS_BLOG, verdict: "no_match", reinterpretation: {}, reduction: null,
    counterexample: { distributions: { mu: 0, sigma: 0.5 },
                      formula: [-0.6931471805599453, 3.14159],
                      kl_qp: 0.3181471805599453, difference: -1e-8 },
  }));
  assert.equal(text.Verdict, "no KL between these Gaussians");
  assert.equal(text.Reduction, "none: one latent dimension's term");
  assert.equal(text.Counterexample, "at mu = 0, sigma = 0.5: the line gives "
    + "−0.693147 + 3.14159i, KL(q ‖ p) is 0.318147 (difference −1e−8)");
  assert.equal(fmt(-2.5e-12), "−2.5e−12");
  assert.deepEqual(rows({ error: "unknown name 'z'" }), [["Not checked", "unknown name 'z'"]]);
});
