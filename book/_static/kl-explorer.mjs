/*
 * The explorer for two Gaussians: every element with the attribute
 * `data-kl-explorer` becomes one (book/_ext/kl_explorer.py loads this module on
 * the pages that have one).  Its arithmetic is kl-math.mjs, tested under Node.
 *
 *   <div data-kl-explorer="univariate" data-mu1="1" data-sigma1="2"
 *        data-mu2="0" data-sigma2="1"></div>
 *
 * `data-kl-explorer="bugs"` adds the parameterization chapter's two classic bugs
 * against the unit prior.  The hook, for tests from outside (README): inputs named
 * mu1, sigma1, mu2 and sigma2 (var2 or log_var2 when the radio group named
 * scale_variable says so); outputs with data-kl="qp", "pq", "qp_float32",
 * "pq_float32" (and "bug_true", "bug1", "bug2") whose data-value is String(x) of the
 * full double.  Curves: SVG paths with data-curve="q", "p", "iq", "ip".
 */
import {
  klNormal, klNormalFloat32, klBugs, toBits, curves, plotRange, SCALE_VARIABLES,
} from "./kl-math.mjs";

const SVG = "http://www.w3.org/2000/svg";
const POINTS = 1000;
const CHART_HEIGHT = 200;
const PAD = { left: 30, right: 10, top: 10, bottom: 26 };
const PARAMS = [
  { key: "mu1", label: "μ₁, mean of q", min: -5, max: 5, step: 0.01 },
  { key: "sigma1", label: "σ₁, standard deviation of q", min: 0.05, max: 5, step: 0.01 },
  { key: "mu2", label: "μ₂, mean of p", min: -5, max: 5, step: 0.01 },
  { key: "sigma2", label: "σ₂, standard deviation of p", min: 0.05, max: 5, step: 0.01 },
];
const SCALE_CONTROL = {
  sigma: { label: "σ₂, standard deviation of p", min: 0.05, max: 5, step: 0.01 },
  var: { label: "σ₂², variance of p", min: 0.0025, max: 25, step: 0.0025 },
  log_var: { label: "log σ₂², log-variance of p", min: -6, max: 3.2, step: 0.01 },
};
const SCALE_NAMES = { sigma: "σ", var: "σ²", log_var: "log σ²" };

let counter = 0;

/** x rounded for reading: 4 significant digits, exponent form outside [1e-3, 1e5). */
export function fmt(x, digits = 4) {
  if (!Number.isFinite(x)) return Number.isNaN(x) ? "NaN" : (x > 0 ? "∞" : "−∞");
  if (x === 0) return "0";
  const a = Math.abs(x);
  const s = a >= 1e-3 && a < 1e5 ? String(Number(x.toPrecision(digits)))
    : x.toExponential(digits - 1).replace(/\.?0+e/, "e");
  return s.replaceAll("-", "−");
}

function el(tag, attrs = {}, text = "") {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text) e.textContent = text;
  return e;
}

function svgEl(tag, attrs = {}) {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  return e;
}

/** One labelled parameter: a slider and a number field that carry the same name. */
function parameterRow(id, spec) {
  const row = el("div", { class: "kl-x-param" });
  const label = el("label", { for: `${id}-${spec.key}-n`, id: `${id}-${spec.key}-l` }, spec.label);
  const range = el("input", {
    type: "range", name: spec.key, min: spec.min, max: spec.max, step: spec.step,
    "aria-labelledby": `${id}-${spec.key}-l`,
  });
  const number = el("input", {
    type: "number", name: spec.key, step: "any", id: `${id}-${spec.key}-n`, inputmode: "decimal",
  });
  row.append(label, range, number);
  return { row, label, range, number };
}

function scaleToggle(id) {
  const group = el("fieldset", { class: "kl-x-toggle" });
  group.append(el("legend", {}, "The second scale control sets p's"));
  for (const [value, name] of Object.entries(SCALE_NAMES)) {
    const label = el("label");
    const radio = el("input", {
      type: "radio", name: "scale_variable", value, id: `${id}-sv-${value}`,
    });
    if (value === "sigma") radio.checked = true;
    label.append(radio, ` ${name}`);
    group.append(label);
  }
  return group;
}

function valueLine(parent, key, title) {
  const line = el("p", { class: "kl-x-value" });
  // announced once, debounced, by the live region (an <output> alone is a live status)
  const out = el("output", { "data-kl": key, "aria-live": "off" });
  line.append(el("span", { class: "kl-x-name" }, title), " = ", out);
  parent.append(line);
  return { line, out };
}

function chart(title, keys) {
  const figure = el("figure", { class: "kl-x-chart" });
  figure.append(el("figcaption", {}, title));
  const svg = svgEl("svg", { height: CHART_HEIGHT, role: "img", "aria-label": title });
  const axes = svgEl("g", { class: "kl-x-axes" });
  svg.append(axes);
  const paths = {};
  for (const [key, cls] of keys) {
    paths[key] = svgEl("path", { "data-curve": key, class: cls, fill: "none" });
    svg.append(paths[key]);
  }
  figure.append(svg);
  return { figure, svg, axes, paths };
}

function legend() {
  const p = el("p", { class: "kl-x-legend", "aria-hidden": "true" });
  p.innerHTML = '<span class="kl-x-key kl-x-q"></span> q and q·log(q/p) &nbsp; ' +
    '<span class="kl-x-key kl-x-p"></span> p and p·log(p/q)';
  return p;
}

/** The explorer's elements, built into `root`. */
function build(root, mode) {
  const id = `kl-x${++counter}`;
  const ui = el("div", { class: "kl-x-ui" });
  const controls = el("div", {
    class: "kl-x-controls", role: "group", "aria-label": "parameters",
  });
  const rows = Object.fromEntries(PARAMS.map((spec) => [spec.key, parameterRow(id, spec)]));
  controls.append(rows.mu1.row, rows.sigma1.row, rows.mu2.row, rows.sigma2.row, scaleToggle(id));
  const error = el("p", { class: "kl-x-error", role: "alert" });
  const values = el("div", { class: "kl-x-values" });
  const dists = el("p", { class: "kl-x-dists" });
  values.append(dists);
  const outs = {
    qp: valueLine(values, "qp", "KL(q‖p), reverse"),
    pq: valueLine(values, "pq", "KL(p‖q), forward"),
  };
  const lane = el("div", { class: "kl-x-lane" });
  lane.append(el("p", { class: "kl-x-lane-title" },
    "Precision lane: the textbook formula in float32 (every operation rounded to float32, " +
    "log in float64 then rounded)"));
  outs.qp_float32 = valueLine(lane, "qp_float32", "KL(q‖p), float32");
  outs.pq_float32 = valueLine(lane, "pq_float32", "KL(p‖q), float32");
  const laneNote = el("p", { class: "kl-x-note" });
  lane.append(laneNote);
  const formula = el("div", { class: "kl-x-formula" });
  const charts = el("div", { class: "kl-x-charts" });
  const dens = chart("Densities q and p", [["q", "kl-x-q"], ["p", "kl-x-p"]]);
  const integ = chart("Integrands q·log(q/p) and p·log(p/q)",
    [["iq", "kl-x-q"], ["ip", "kl-x-p"]]);
  charts.append(dens.figure, integ.figure);
  const live = el("p", { class: "kl-x-sr", "aria-live": "polite", "aria-atomic": "true" });
  ui.append(controls, error, values, lane);
  if (mode === "bugs") ui.append(bugPanel(outs));
  ui.append(formula, legend(), charts, live);
  root.append(ui);
  return { rows, error, outs, dists, laneNote, formula, charts: [dens, integ], live, root };
}

function bugPanel(outs) {
  const panel = el("div", { class: "kl-x-bugs" });
  panel.append(el("p", { class: "kl-x-lane-title" },
    "The classic bugs, for the same network output: q = N(μ₁, σ₁²) against the unit " +
    "prior N(0, 1), as in the equations above."));
  outs.bug_true = valueLine(panel, "bug_true", "true KL(q‖N(0, 1))");
  outs.bug1 = valueLine(panel, "bug1", "bug 1, σ fed as a variance");
  outs.bug2 = valueLine(panel, "bug2", "bug 2, eᵛ = σ² used as σ");
  outs.bug_note = el("p", { class: "kl-x-note" });
  panel.append(outs.bug_note);
  return panel;
}

function readInitial(root) {
  const num = (name, fallback) => {
    const v = Number(root.dataset[name]);
    return root.dataset[name] !== undefined && Number.isFinite(v) ? v : fallback;
  };
  return {
    mu1: num("mu1", 0), sigma1: num("sigma1", 1), mu2: num("mu2", 0), sigma2: num("sigma2", 1),
  };
}

/* ---- drawing ------------------------------------------------------------------ */

/** Round-numbered ticks in [lo, hi]: the finest 1-2-5 step with at most count + 1 whole steps. */
function niceTicks(lo, hi, count) {
  const mag = 10 ** Math.floor(Math.log10((hi - lo) / count));
  const step = [1, 2, 5, 10].map((m) => m * mag)
    .find((s) => Math.floor((hi - lo) / s) <= count + 1);
  const ticks = [];
  for (let t = Math.ceil(lo / step) * step; t <= hi + step * 1e-9; t += step) ticks.push(t);
  return ticks;
}

function drawAxes(c, sx, sy, xr, yticks, width, left) {
  const parts = [];
  const y0 = sy(Math.max(yticks.lo, Math.min(0, yticks.hi)));
  parts.push(`<path class="kl-x-axis" d="M${left} ${y0.toFixed(1)}H${width - PAD.right}"/>`);
  for (const t of niceTicks(xr[0], xr[1], Math.max(2, Math.floor(width / 90)))) {
    const x = sx(t).toFixed(1);
    parts.push(`<text x="${x}" y="${CHART_HEIGHT - 8}" text-anchor="middle">${fmt(t, 3)}</text>`);
  }
  yticks.ticks.forEach((t, i) => {
    const y = sy(t).toFixed(1);
    parts.push(`<path class="kl-x-grid" d="M${left} ${y}H${width - PAD.right}"/>`);
    parts.push(`<text x="${left - 4}" y="${y}" dy="0.35em" text-anchor="end">` +
      `${yticks.labels[i]}</text>`);
  });
  c.axes.innerHTML = parts.join("");
}

function pathData(xs, ys, sx, sy) {
  // a tenth of a pixel; a coordinate that is not finite (a density beyond 1e308) is pinned
  const r = (v) => (Number.isFinite(v) ? Math.round(v * 10) / 10 : v > 0 ? 1e5 : -1e5);
  let d = `M${r(sx(xs[0]))} ${r(sy(ys[0]))}`;
  for (let i = 1; i < xs.length; i++) d += `L${r(sx(xs[i]))} ${r(sy(ys[i]))}`;
  return d;
}

function drawChart(c, xs, series, width) {
  let lo = 0, hi = 0;
  for (const ys of Object.values(series)) {
    for (const y of ys) {
      if (y < lo && y > -Infinity) lo = y;
      if (y > hi && y < Infinity) hi = y;
    }
  }
  // a degenerate or unrepresentable range (densities near 1e308): a unit scale, curves pinned
  if (!(hi - lo > 0 && hi - lo < Infinity)) [lo, hi] = [0, 1];
  const xr = xs[xs.length - 1] > xs[0] ? [xs[0], xs[xs.length - 1]] : [xs[0] - 1, xs[0] + 1];
  const ticks = niceTicks(lo, hi, 3);
  const labels = ticks.map((t) => fmt(t, 3));
  // room for the longest y label (12 px text: about 7 px a character)
  const left = Math.max(PAD.left, 8 + 7 * Math.max(...labels.map((l) => l.length)));
  const sx = (x) => left + (x - xr[0]) / (xr[1] - xr[0]) * (width - left - PAD.right);
  const sy = (y) => PAD.top + (hi - y) / (hi - lo) * (CHART_HEIGHT - PAD.top - PAD.bottom);
  c.svg.setAttribute("viewBox", `0 0 ${width} ${CHART_HEIGHT}`);
  c.svg.setAttribute("width", width);
  drawAxes(c, sx, sy, xr, { lo, hi, ticks, labels }, width, left);
  for (const [key, ys] of Object.entries(series)) {
    c.paths[key].setAttribute("d", pathData(xs, ys, sx, sy));
  }
}

/* ---- the displayed closed form, with the numbers substituted ------------------- */

function frac(num, den) {
  return `<span class="kl-x-frac"><span>${num}</span><span>${den}</span></span>`;
}

/** An input as typed, to 7 significant digits (3.0001 must not read as 3). */
function num(x) {
  return fmt(x, 7);
}

function paren(x) {
  return x < 0 ? `(${num(x)})` : num(x);
}

function formulaHtml({ mu1, sigma1, mu2, sigma2 }, kl) {
  const delta = (mu1 - mu2) / sigma2, r = sigma1 / sigma2;
  return `<p>KL(q‖p) = log ${frac("σ₂", "σ₁")} + ${frac("σ₁² + (μ₁ − μ₂)²", "2σ₂²")} − ½</p>` +
    `<p>= log ${frac(num(sigma2), num(sigma1))} + ` +
    `${frac(`${paren(sigma1)}² + (${num(mu1)} − ${paren(mu2)})²`,
      `2·${paren(sigma2)}²`)} − ½</p>` +
    `<p>= δ²/2 + B(r) with δ = (μ₁ − μ₂)/σ₂ = ${num(delta)}, r = σ₁/σ₂ = ${num(r)}, ` +
    `B(r) = (r² − 1)/2 − log r ≥ 0</p>` +
    `<p>= <strong>${fmt(kl)} nats</strong>, the careful form (no cancellation).</p>`;
}

/* ---- state and events ------------------------------------------------------------ */

function setValue(out, x, bits = true) {
  out.setAttribute("data-value", String(x));
  out.textContent = bits ? `${fmt(x)} nats = ${fmt(toBits(x))} bits` : `${fmt(x)} nats`;
  out.classList.toggle("kl-x-negative", x < 0);
}

function compute(s) {
  const v = {
    qp: klNormal(s.mu1, s.sigma1, s.mu2, s.sigma2),
    pq: klNormal(s.mu2, s.sigma2, s.mu1, s.sigma1),
    qp_float32: klNormalFloat32(s.mu1, s.sigma1, s.mu2, s.sigma2),
    pq_float32: klNormalFloat32(s.mu2, s.sigma2, s.mu1, s.sigma1),
  };
  return Object.assign(v, klBugsFor(s));
}

function klBugsFor(s) {
  const { truth, bug1, bug2 } = klBugs(s.mu1, s.sigma1);
  return { bug_true: truth, bug1, bug2 };
}

function laneNote(v) {
  if (v.qp_float32 < 0 || v.pq_float32 < 0) {
    return "Negative: impossible for a KL. Near q = p the three terms of the textbook formula " +
      "nearly cancel, and float32 rounding is all that is left.";
  }
  if (!Number.isFinite(v.qp_float32) || !Number.isFinite(v.pq_float32)) {
    return "float32 overflows here (its largest value is about 3.4e38); " +
      "the careful form does not.";
  }
  if (v.qp === 0) return v.qp_float32 === 0 ? "Both are exactly 0 (q = p)." : "The KL is 0 here.";
  const rel = Math.abs(v.qp_float32 - v.qp) / v.qp;
  return `float32 KL(q‖p) is off by ${fmt(100 * rel, 2)} % of the careful value` +
    (rel > 1e-3 ? ": digits lost to cancellation." : ".");
}

function showValues(ui, s) {
  const v = compute(s);
  for (const key of ["qp", "pq"]) setValue(ui.outs[key].out, v[key]);
  for (const key of ["qp_float32", "pq_float32"]) setValue(ui.outs[key].out, v[key], false);
  ui.laneNote.textContent = laneNote(v);
  ui.dists.textContent = `q = N(${num(s.mu1)}, ${num(s.sigma1)}²), ` +
    `p = N(${num(s.mu2)}, ${num(s.sigma2)}²)`;
  if (ui.outs.bug1) {
    for (const key of ["bug_true", "bug1", "bug2"]) setValue(ui.outs[key].out, v[key], false);
    if (v.bug_true > 0) {
      for (const key of ["bug1", "bug2"]) {
        ui.outs[key].out.append(` (${fmt(v[key] / v.bug_true, 3)} × the true KL)`);
      }
    }
    const unit = s.mu2 === 0 && s.sigma2 === 1;
    ui.outs.bug_note.textContent =
      `Network output v = log σ₁² = ${fmt(2 * Math.log(s.sigma1))}. ` +
      (unit ? "p is the unit prior, so the true KL is KL(q‖p) above."
        : "p is not N(0, 1) now; the bugs are defined against the unit prior, " +
          "which this panel uses.");
  }
  ui.formula.innerHTML = formulaHtml(s, v.qp);
  return v;
}

function redraw(ui, s) {
  const [lo, hi] = plotRange(s.mu1, s.sigma1, s.mu2, s.sigma2);
  const c = curves(s.mu1, s.sigma1, s.mu2, s.sigma2, lo, hi, POINTS);
  const width = Math.max(240, Math.round(ui.width || 320));
  drawChart(ui.charts[0], c.xs, { q: c.q, p: c.p }, width);
  drawChart(ui.charts[1], c.xs, { iq: c.iq, ip: c.ip }, width);
}

function announce(ui, v) {
  clearTimeout(ui.announceTimer);
  ui.announceTimer = setTimeout(() => {
    ui.live.textContent = `KL(q‖p) ${fmt(v.qp)} nats, KL(p‖q) ${fmt(v.pq)} nats, ` +
      `float32 textbook ${fmt(v.qp_float32)} nats.`;
  }, 400);
}

/** The control's value in its variable: the scale row shows sigma2 in the toggle's variable. */
function controlValue(key, s, variable) {
  return key === "sigma2" ? SCALE_VARIABLES[variable].fromSigma(s.sigma2) : s[key];
}

function syncControls(ui, s, variable, except) {
  for (const [key, row] of Object.entries(ui.rows)) {
    const value = controlValue(key, s, variable);
    if (row.range !== except) row.range.value = String(value);
    // the field shows the parameter as held; a converted scale (σ², log σ²) to 12 digits
    const converted = key === "sigma2" && variable !== "sigma";
    if (row.number !== except) {
      row.number.value = String(converted ? Number(value.toPrecision(12)) : value);
    }
    const symbol = row.label.textContent.split(",")[0];
    row.range.setAttribute("aria-valuetext", `${symbol} = ${fmt(value)}`);
  }
}

/** The parameter that input `name` with value `x` sets, or an error message. */
function parse(name, text, variable) {
  const x = Number(text);
  if (text.trim() === "" || !Number.isFinite(x)) return { error: `${name}: enter a number` };
  if ((name === "sigma1" || name === "sigma2" || name === "var2") && !(x > 0)) {
    return { error: `${name} must be > 0` };
  }
  const key = name === "var2" || name === "log_var2" ? "sigma2" : name;
  const value = key === "sigma2" ? SCALE_VARIABLES[variable].toSigma(x) : x;
  if (!(value > 0) && key.startsWith("sigma")) return { error: `${name} is out of range` };
  return { key, value };
}

function setScaleVariable(ui, variable) {
  const spec = SCALE_CONTROL[variable], row = ui.rows.sigma2;
  row.label.textContent = spec.label;
  for (const input of [row.range, row.number]) input.name = SCALE_VARIABLES[variable].name;
  Object.assign(row.range, { min: spec.min, max: spec.max, step: spec.step });
}

/** Turn `root` (an element with data-kl-explorer) into a live explorer. */
export function mount(root) {
  const mode = root.getAttribute("data-kl-explorer") || "univariate";
  const ui = build(root, mode);
  const state = readInitial(root);
  let variable = "sigma";
  const update = (except) => {
    syncControls(ui, state, variable, except);
    announce(ui, showValues(ui, state));
    redraw(ui, state);
  };
  ui.root.addEventListener("input", (event) => {
    const t = event.target;
    if (t.name === "scale_variable") return;
    const parsed = parse(t.name, t.value, variable);
    ui.error.textContent = parsed.error || "";
    t.setAttribute("aria-invalid", parsed.error ? "true" : "false");
    if (parsed.error) return;
    state[parsed.key] = parsed.value;
    update(t);
  });
  ui.root.addEventListener("change", (event) => {
    const t = event.target;
    if (t.name === "scale_variable" && t.checked) {
      variable = t.value;
      setScaleVariable(ui, variable);
      update(null);
    } else if (t.type === "number" && t.getAttribute("aria-invalid") === "true") {
      ui.error.textContent = "";
      t.setAttribute("aria-invalid", "false");
      update(null);
    }
  });
  root.classList.add("kl-x-live");
  // the chart width is read here, never during a redraw (no layout forced between the writes)
  ui.width = ui.charts[0].figure.clientWidth;
  if (window.ResizeObserver) {
    new ResizeObserver((entries) => {
      ui.width = entries[0].contentRect.width;
      redraw(ui, state);
    }).observe(ui.charts[0].figure);
  }
  update(null);
  return { state, ui };
}

function mountAll() {
  document.querySelectorAll("[data-kl-explorer]").forEach((root) => {
    if (!root.classList.contains("kl-x-live")) mount(root);
  });
}

if (typeof document !== "undefined") {
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", mountAll);
  else mountAll();
}
