/*
 * The explorer's arithmetic: a plain ES module, no DOM, importable by Node
 * (tests/js/explorer-math.test.mjs checks it against kltools and mpmath).
 *
 * klNormal is a line-by-line port of kltools/closed_forms.py (_kl_normal):
 *   KL(q||p) = delta^2/2 + B(r),  delta = (mu1 - mu2)/sigma2,  r = sigma1/sigma2,
 *   B(r) = (r^2 - 1)/2 - log r >= 0, computed
 *   - for 1/2 <= r <= 2 as x^2 - s (x^2/2 + 2 s^2 P(s^2)), x = r - 1, s = x/(x + 2)
 *     (the book's eq-stable-b: nothing cancels);
 *   - for 1/8 <= r < 1/2 and 2 < r <= 8 directly, corrected for the rounding of r
 *     (Dekker's two-product);
 *   - elsewhere directly.
 *
 * klNormalFloat32 is the "precision lane": the textbook formula
 *   log(sigma2/sigma1) + (sigma1^2 + (mu1 - mu2)^2) / (2 sigma2^2) - 1/2
 * with every operation rounded to float32 (Math.fround).  Its one transcendental
 * function, log, is evaluated in float64 and then rounded to float32, so that the
 * lane is one well-defined sequence of float32 roundings that numpy can repeat
 * bit for bit (numpy's own float32 log may differ from that by an ulp).
 */

const P_COEFFS = Array.from({ length: 18 }, (_, k) => 1 / (2 * k + 3));
const LN8 = Math.log(8);
const LN2 = Math.LN2;
const SPLIT = 134217729; // 2^27 + 1
const LOG_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);

/** P(t) = sum_k t^k / (2k + 3) by Horner, for 0 <= t <= 1/9 (to 2^-56). */
function seriesP(t) {
  let acc = P_COEFFS[P_COEFFS.length - 1];
  for (let k = P_COEFFS.length - 2; k >= 0; k--) acc = acc * t + P_COEFFS[k];
  return acc;
}

/** x^2 / 2, which overflows only where the result does. */
function halfSquare(x) {
  return (0.5 * x) * x;
}

/** [p, e] with p = fl(a b) and p + e = a b exactly (Veltkamp split, Dekker). */
function mulWithResidual(a, b) {
  const p = a * b;
  let t = SPLIT * a;
  const ah = t - (t - a), al = a - ah;
  t = SPLIT * b;
  const bh = t - (t - b), bl = b - bh;
  return [p, ((ah * bh - p) + ah * bl + al * bh) + al * bl];
}

/** q_lo with q + q_lo = num / den to about 2^-100 relative, for q = fl(num / den). */
function divisionResidual(q, num, den) {
  if (den < 1e-250) { // scale num and den by the same power of two: exact, q unchanged
    num *= 2 ** 600; den *= 2 ** 600;
  } else if (den > 1e250) {
    num *= 2 ** -600; den *= 2 ** -600;
  }
  const [p, e] = mulWithResidual(q, den);
  return ((num - p) - e) / den;
}

/** delta = (mu1 - mu2) / sigma2, also where mu1 - mu2 overflows and delta does not. */
function standardisedDifference(m1, m2, s2) {
  const diff = m1 - m2;
  return Number.isFinite(diff) ? diff / s2 : m1 / s2 - m2 / s2;
}

/** B(r) for 1/2 <= r <= 2: x^2 - s (x^2/2 + 2 s^2 P(s^2)), x = (s1 - s2)/s2 exact numerator. */
function scalePartNear(s1, s2) {
  const x = (s1 - s2) / s2;
  const s = x / (x + 2);
  const t = s * s;
  const x2 = x * x;
  return x2 - s * (0.5 * x2 + 2 * t * seriesP(t));
}

/** B(r) = (r^2 - 1)/2 - log r >= 0 for r = s1/s2, to a few ulp. */
function scalePart(s1, s2) {
  const r = s1 / s2;
  if (r >= 0.5 && r <= 2) return scalePartNear(s1, s2);
  if (r === Infinity) return Infinity;
  if (r < 1e-300) return Math.log(s2) - Math.log(s1) - 0.5;
  const logR = Math.log(r);
  let b = halfSquare(r) - 0.5 - logR;
  if (Math.abs(logR) <= LN8) b += (r - 1 / r) * divisionResidual(r, s1, s2);
  return b;
}

/** Throw a RangeError naming the argument unless the four parameters are valid. */
export function checkParameters(mu1, sigma1, mu2, sigma2) {
  const named = { mu1, sigma1, mu2, sigma2 };
  for (const [name, value] of Object.entries(named)) {
    if (typeof value !== "number" || !Number.isFinite(value)) {
      throw new RangeError(`${name} must be a finite number, got ${value}`);
    }
    if (name.startsWith("sigma") && !(value > 0)) {
      throw new RangeError(`${name} must be > 0 (a standard deviation), got ${value}`);
    }
  }
}

/** KL(N(mu1, sigma1^2) || N(mu2, sigma2^2)) in nats, by the careful closed form. */
export function klNormal(mu1, sigma1, mu2, sigma2) {
  checkParameters(mu1, sigma1, mu2, sigma2);
  return halfSquare(standardisedDifference(mu1, mu2, sigma2)) + scalePart(sigma1, sigma2);
}

/** The textbook formula in float64, as written: it loses every digit near q = p. */
export function klNormalTextbook(mu1, sigma1, mu2, sigma2) {
  checkParameters(mu1, sigma1, mu2, sigma2);
  const d = mu1 - mu2;
  return Math.log(sigma2 / sigma1) + (sigma1 * sigma1 + d * d) / (2 * sigma2 * sigma2) - 0.5;
}

/**
 * The textbook formula in float32, one Math.fround per operation, in this order:
 * inputs rounded; ratio = s2/s1; lg = fround(log(ratio)) (log in float64);
 * d = m1 - m2; num = s1*s1 + d*d; den = (2*s2)*s2; KL = (lg + num/den) - 0.5.
 */
export function klNormalFloat32(mu1, sigma1, mu2, sigma2) {
  checkParameters(mu1, sigma1, mu2, sigma2);
  const f = Math.fround;
  const m1 = f(mu1), s1 = f(sigma1), m2 = f(mu2), s2 = f(sigma2);
  const lg = f(Math.log(f(s2 / s1)));
  const d = f(m1 - m2);
  const num = f(f(s1 * s1) + f(d * d));
  const den = f(f(2 * s2) * s2);
  return f(f(lg + f(num / den)) - 0.5);
}

/** x - log1p(x) >= 0 for -1/2 <= x <= 1: s (x - 2 s^2 P(s^2)), s = x/(x + 2), no cancellation. */
function xMinusLog1p(x) {
  const s = x / (x + 2);
  const t = s * s;
  return s * (x - 2 * t * seriesP(t));
}

/**
 * The two classic bugs of the parameterization chapter, against the unit prior N(0, 1),
 * for q = N(mu, sigma^2) (eq-param-bugs):
 *   bug 1, sigma fed where sigma^2 belongs (eq-param-var):  (mu^2 + sigma - 1 - log sigma)/2;
 *   bug 2, e^v = sigma^2 used as sigma (eq-param-sigma):    mu^2/2 + (sigma^4 - 1)/2 - log sigma^2
 *          = mu^2/2 + B(sigma^2).
 * Returns {truth, bug1, bug2} in nats; truth is klNormal(mu, sigma, 0, 1).
 */
export function klBugs(mu, sigma) {
  const truth = klNormal(mu, sigma, 0, 1);
  const x = sigma - 1; // exact for 1/2 <= sigma <= 2 (Sterbenz)
  const g1 = sigma >= 0.5 && sigma <= 2 ? xMinusLog1p(x) : sigma - 1 - Math.log(sigma);
  let b2;
  if (sigma >= Math.SQRT1_2 && sigma <= Math.SQRT2) {
    const w = x * (2 + x); // sigma^2 - 1 without the rounding of sigma^2
    const s = w / (w + 2);
    const t = s * s;
    b2 = w * w - s * (0.5 * w * w + 2 * t * seriesP(t));
  } else {
    const u = sigma * sigma;
    b2 = u === Infinity ? Infinity : halfSquare(u) - 0.5 - 2 * Math.log(sigma);
  }
  const m = halfSquare(mu);
  return { truth, bug1: m + 0.5 * g1, bug2: m + b2 };
}

/** nats to bits. */
export function toBits(nats) {
  return nats / LN2;
}

/** log N(x; mu, sigma^2). */
export function logDensity(x, mu, sigma) {
  const z = (x - mu) / sigma;
  return -LOG_SQRT_2PI - Math.log(sigma) - 0.5 * z * z;
}

/**
 * The curves on n points of [lo, hi]: the densities q and p and the pointwise
 * integrands q log(q/p) and p log(p/q), each log-ratio taken from the log-densities
 * (no 0/0 where a density underflows).  Float64Arrays, for drawing.
 */
export function curves(mu1, sigma1, mu2, sigma2, lo, hi, n) {
  const xs = new Float64Array(n), q = new Float64Array(n), p = new Float64Array(n);
  const iq = new Float64Array(n), ip = new Float64Array(n);
  const step = n > 1 ? (hi - lo) / (n - 1) : 0;
  for (let i = 0; i < n; i++) {
    const x = lo + i * step;
    const lq = logDensity(x, mu1, sigma1), lp = logDensity(x, mu2, sigma2);
    const dq = Math.exp(lq), dp = Math.exp(lp);
    xs[i] = x; q[i] = dq; p[i] = dp;
    iq[i] = dq === 0 ? 0 : dq * (lq - lp);
    ip[i] = dp === 0 ? 0 : dp * (lp - lq);
  }
  return { xs, q, p, iq, ip };
}

/** The x range that shows both densities: four standard deviations either side. */
export function plotRange(mu1, sigma1, mu2, sigma2) {
  const lo = Math.min(mu1 - 4 * sigma1, mu2 - 4 * sigma2);
  const hi = Math.max(mu1 + 4 * sigma1, mu2 + 4 * sigma2);
  return [lo, hi];
}

/** The scale variables of the toggle: sigma, sigma^2 or log sigma^2, to and from sigma. */
export const SCALE_VARIABLES = {
  sigma: { name: "sigma2", toSigma: (v) => v, fromSigma: (s) => s },
  var: { name: "var2", toSigma: (v) => Math.sqrt(v), fromSigma: (s) => s * s },
  log_var: {
    name: "log_var2", toSigma: (v) => Math.exp(0.5 * v), fromSigma: (s) => 2 * Math.log(s),
  },
};
