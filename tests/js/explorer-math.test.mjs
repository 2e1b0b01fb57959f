// book/_static/kl-math.mjs against the fixture that tests/test_explorer_js.py writes from
// kltools and mpmath (its path in KL_EXPLORER_FIXTURE; pytest sets it).
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";

import {
  klNormal, klNormalTextbook, klNormalFloat32, klBugs, curves, toBits, SCALE_VARIABLES,
} from "../../book/_static/kl-math.mjs";

// Without the fixture its tests are skipped with this reason (the pytest wrapper sets it and
// fails on any skip).
const FIXTURE = process.env.KL_EXPLORER_FIXTURE;
const needs = FIXTURE ? {} : {
  skip: "KL_EXPLORER_FIXTURE is not set: run `pytest -n 0 tests/test_explorer_js.py`, " +
    "or `python tests/test_explorer_js.py PATH` and set KL_EXPLORER_FIXTURE=PATH",
};
const data = FIXTURE ? JSON.parse(readFileSync(FIXTURE, "utf8")) : { points: [], bugs: [] };

// The budget of the careful forms, in ulp of the 50-digit reference (kltools' own).
const ULP_BUDGET = 4;
// The bugs' budget: the same forms plus, outside 1/2 <= sigma <= 2 (bug 1) and
// 1/sqrt2 <= sigma <= sqrt2 (bug 2), a direct form whose condition number is at most
// about 6 at those edges: 4 ulp of evaluation plus about 4 from the cancellation.
const BUG_ULP_BUDGET = 8;

const f64 = new Float64Array(1);
const u64 = new BigUint64Array(f64.buffer);
function ulp(x) { // spacing of the doubles at |x|
  f64[0] = Math.abs(x);
  u64[0] += 1n;
  return f64[0] - Math.abs(x);
}

/** Error of `value` in ulp of the reference hi + lo (0 only if value is exactly 0 = hi). */
function ulpError(value, [hi, lo]) {
  if (hi === 0 && lo === 0) return value === 0 ? 0 : Infinity;
  return Math.abs((value - hi) - lo) / ulp(hi);
}

function worst(rows, compute, key) {
  let max = 0, at = null;
  for (const row of rows) {
    const e = ulpError(compute(row.x), row[key]);
    if (Number.isNaN(e) || e > max) { max = Number.isNaN(e) ? Infinity : e; at = row.x; }
  }
  return { max, at };
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);
function bits(x) { f32[0] = x; return u32[0]; }
const f32FromBits = (b) => { u32[0] = b; return f32[0]; };

test("the fixture has about 10^4 points", needs, () => {
  assert.ok(data.points.length + data.bugs.length >= 10000);
});

test("KL(q||p), careful form: at most 4 ulp from mpmath", needs, (t) => {
  const { max, at } = worst(data.points, (x) => klNormal(...x), "qp");
  t.diagnostic(`max ulp KL(q||p) = ${max.toFixed(3)} at ${at}`);
  assert.ok(max <= ULP_BUDGET, `${max} ulp at ${at}`);
});

test("KL(p||q), careful form: at most 4 ulp from mpmath", needs, (t) => {
  const { max, at } = worst(data.points, ([a, b, c, d]) => klNormal(c, d, a, b), "pq");
  t.diagnostic(`max ulp KL(p||q) = ${max.toFixed(3)} at ${at}`);
  assert.ok(max <= ULP_BUDGET, `${max} ulp at ${at}`);
});

test("the textbook formula in float64 fails that budget (the check can fail)", needs, () => {
  const { max } = worst(data.points, (x) => klNormalTextbook(...x), "qp");
  assert.ok(max > 1e6, `textbook max ${max} ulp`);
});

test("float32 lane: bit-identical to numpy's float32 evaluation, both directions", needs, (t) => {
  let mismatches = 0, first = null, negatives = 0;
  for (const row of data.points) {
    const [a, b, c, d] = row.x;
    const lanes = [klNormalFloat32(a, b, c, d), klNormalFloat32(c, d, a, b)];
    lanes.forEach((v, i) => {
      const want = f32FromBits(row.f32[i]);
      const same = Number.isNaN(v) ? Number.isNaN(want) : bits(v) === row.f32[i];
      if (!same && mismatches++ === 0) first = `${row.x} lane ${i}: ${v} vs numpy ${want}`;
      if (v < 0) negatives++;
    });
  }
  t.diagnostic(`float32 lane: ${negatives} negative KL values over the fixture`);
  assert.equal(mismatches, 0, first);
  assert.ok(negatives > 0, "the lane should show negative KL near q = p");
});

test("the two bugs of eq-param-bugs: within 8 ulp of mpmath", needs, (t) => {
  const names = ["truth", "bug1", "bug2"];
  names.forEach((name, k) => {
    let max = 0, at = null;
    for (const row of data.bugs) {
      const e = ulpError(klBugs(...row.x)[name], row.refs[k]);
      if (Number.isNaN(e) || e > max) { max = Number.isNaN(e) ? Infinity : e; at = row.x; }
    }
    t.diagnostic(`max ulp ${name} = ${max.toFixed(3)} at ${at}`);
    assert.ok(max <= (name === "truth" ? ULP_BUDGET : BUG_ULP_BUDGET), `${name}: ${max} at ${at}`);
  });
});

test("bug 1 under-penalises and bug 2 over-penalises wherever sigma != 1", needs, () => {
  for (const row of data.bugs) {
    const { truth, bug1, bug2 } = klBugs(...row.x);
    if (row.x[1] !== 1) assert.ok(bug1 < truth && truth < bug2, `${row.x}`);
  }
  assert.deepEqual(klBugs(0, 1), { truth: 0, bug1: 0, bug2: 0 });
  const atOne = klBugs(0.7, 1); // sigma = 1: the three agree whatever the mean
  assert.ok(atOne.bug1 === atOne.truth && atOne.bug2 === atOne.truth);
});

test("bad input raises a RangeError that names the argument", () => {
  assert.throws(() => klNormal(0, -1, 0, 1), /sigma1 must be > 0/);
  assert.throws(() => klNormal(0, 1, NaN, 1), /mu2 must be a finite number/);
  assert.throws(() => klNormalFloat32(0, 1, 0, 0), /sigma2 must be > 0/);
  assert.throws(() => klNormal(0, 1, 0, "1"), /sigma2 must be a finite number/);
});

test("the integrands integrate to the two KLs (trapezoid, 20001 points over 12 sigma)", () => {
  for (const [a, b, c, d] of [[1, 2, 0, 1], [0, 1, 1, 2], [-3, 0.5, 2, 3]]) {
    const lo = Math.min(a - 12 * b, c - 12 * d), hi = Math.max(a + 12 * b, c + 12 * d);
    const n = 20001, h = (hi - lo) / (n - 1);
    const { iq, ip } = curves(a, b, c, d, lo, hi, n);
    const trap = (y) => h * (y.reduce((s, v) => s + v, 0) - 0.5 * (y[0] + y[n - 1]));
    // the trapezoid rule on a smooth integrand that decays to ~e^-72: error far below 1e-9
    assert.ok(Math.abs(trap(iq) - klNormal(a, b, c, d)) <= 1e-9 * klNormal(a, b, c, d));
    assert.ok(Math.abs(trap(ip) - klNormal(c, d, a, b)) <= 1e-9 * klNormal(c, d, a, b));
  }
});

test("the scale variables round-trip sigma, and bits are nats / log 2", () => {
  for (const s of [1e-3, 0.37, 1, 2.5, 1e3]) {
    for (const v of Object.values(SCALE_VARIABLES)) {
      assert.ok(Math.abs(v.toSigma(v.fromSigma(s)) - s) <= 2 * ulp(s));
    }
  }
  assert.equal(toBits(Math.LN2), 1);
});

test("the univariate page's suggestion: sigma1 = 3, sigma2 = 3.0001 makes the float32 KL negative",
  () => {
    assert.ok(klNormalFloat32(0, 3, 0, 3.0001) < 0);
    assert.ok(klNormal(0, 3, 0, 3.0001) > 0);
  });

test("the port agrees with kltools.kl_normal: each within 4 ulp of mpmath, so within 8", needs,
  (t) => {
    let own = 0, apart = 0;
    for (const row of data.points) {
      const [a, b, c, d] = row.x;
      own = Math.max(own, ulpError(row.kltools[0], row.qp), ulpError(row.kltools[1], row.pq));
      apart = Math.max(apart, ulpError(klNormal(a, b, c, d), [row.kltools[0], 0]),
        ulpError(klNormal(c, d, a, b), [row.kltools[1], 0]));
    }
    t.diagnostic(`kltools' own max ulp = ${own.toFixed(3)}; ` +
      `port vs kltools max ${apart.toFixed(3)} ulp`);
    assert.ok(own <= ULP_BUDGET && apart <= 2 * ULP_BUDGET, `${own} ${apart}`);
  });
