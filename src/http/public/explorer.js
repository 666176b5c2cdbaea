// weightinit explorer: plain ES module, no build step, no dependencies. Talks to the same origin's API:
// GET /v1/schemes (catalogue), POST /v1/tensors with format stats (histogram, moments, theory) and
// format raw on a slice (heatmap). Every recipe the page shows is also printed as curl / Python / TS code.

const $ = (id) => document.getElementById(id);
const SVG_NS = 'http://www.w3.org/2000/svg';
const HEATMAP_MAX = 256;        // rows / columns fetched for the heatmap (a slice of the full tensor)
const HEATMAP_MAX_COLS = 1024;  // rank > 2: columns of the (shape[0], prod(rest)) view
const NUMPY_DTYPE = { float32: '<f4', float64: '<f8', float16: '<f2', bfloat16: '<u2', float8_e4m3fn: 'u1', float8_e5m2: 'u1' };
const TS_ARRAY = { float32: 'Float32Array', float64: 'Float64Array', float16: 'Uint16Array', bfloat16: 'Uint16Array', float8_e4m3fn: 'Uint8Array', float8_e5m2: 'Uint8Array' };

let schemes = [];
let inflight = null;
// Bearer token for services started with WEIGHTINIT_API_TOKEN: asked for after a 401, kept for this tab only.
const TOKEN_KEY = 'weightinit.token';
let token = sessionStorage.getItem(TOKEN_KEY) ?? '';
let timer = 0;
let generation = 0;

// ---------------------------------------------------------------------------------------------
// API
// ---------------------------------------------------------------------------------------------
class Problem extends Error {
  constructor(status, body) {
    super(body.detail || body.title || `HTTP ${status}`);
    this.status = status; this.body = body;
  }
}

const sleep = (ms, signal) => new Promise((resolve, reject) => {
  const t = setTimeout(resolve, ms);
  signal?.addEventListener('abort', () => { clearTimeout(t); reject(signal.reason); }, { once: true });
});

/** fetch; 503 (overload) is retried after Retry-After (at most 5 s, 6 attempts); other errors become a Problem. */
async function api(path, init = {}) {
  let res;
  const headers = { ...(init.headers ?? {}), ...(token ? { authorization: `Bearer ${token}` } : {}) };
  for (let attempt = 0; ; attempt++) {
    res = await fetch(path, { ...init, headers });
    if (res.status !== 503 || attempt >= 5) break;
    const wait = Math.min(5, Number(res.headers.get('retry-after')) || 0.5 * 2 ** attempt);
    $('status').textContent = `The service is busy; retrying in ${wait} s…`;
    await res.body?.cancel();
    await sleep(wait * 1000, init.signal);
  }
  if (res.status === 401) askForToken();
  if (!res.ok) {
    const text = await res.text();
    let body;
    try { body = JSON.parse(text); } catch { body = { title: res.statusText, detail: text.slice(0, 300) }; }
    throw new Problem(res.status, body);
  }
  return res;
}

/** Shows the token field (the service answered 401): the next change of it retries. */
function askForToken() {
  $('access').hidden = false;
  $('token').setAttribute('aria-invalid', 'true');
}

function postTensor(recipe, format, signal) {
  return api('/v1/tensors', {
    method: 'POST', signal,
    headers: { 'content-type': 'application/json', accept: format === 'raw' ? 'application/octet-stream' : 'application/json' },
    body: JSON.stringify({ ...recipe, format }),
  });
}

// ---------------------------------------------------------------------------------------------
// Scheme catalogue and the generated parameter form
// ---------------------------------------------------------------------------------------------
async function loadSchemes() {
  const body = await (await api('/v1/schemes')).json();
  schemes = Array.isArray(body) ? body : (body.schemes ?? []);
  const frameworks = [...new Set(schemes.map((s) => s.framework))].sort();
  for (const f of frameworks) $('framework').append(new Option(f, f));
}

function fillSchemeSelect(selected) {
  const fw = $('framework').value;
  const sel = $('scheme');
  sel.replaceChildren();
  for (const s of schemes) {
    if (fw && s.framework !== fw) continue;
    const opt = new Option(s.name, s.name);
    opt.title = s.description ?? '';
    sel.append(opt);
  }
  if (selected && [...sel.options].some((o) => o.value === selected)) sel.value = selected;
}

function currentScheme() { return schemes.find((s) => s.name === $('scheme').value); }

function rangeHint(spec) {
  const parts = [];
  if (spec.minimum !== undefined) parts.push(`≥ ${spec.minimum}`);
  if (spec.exclusiveMinimum !== undefined) parts.push(`> ${spec.exclusiveMinimum}`);
  if (spec.maximum !== undefined) parts.push(`≤ ${spec.maximum}`);
  if (spec.exclusiveMaximum !== undefined) parts.push(`< ${spec.exclusiveMaximum}`);
  return parts.join(', ');
}

function renderParams(values = {}) {
  const fs = $('params');
  fs.replaceChildren();
  const legend = document.createElement('legend');
  legend.textContent = 'Parameters';
  fs.append(legend);
  const scheme = currentScheme();
  const info = $('scheme-info');
  info.textContent = scheme ? `${scheme.formula ?? ''}${scheme.description ? ' — ' + scheme.description : ''}` : '';
  const entries = Object.entries(scheme?.params ?? {});
  if (entries.length === 0) {
    const p = document.createElement('p');
    p.className = 'hint'; p.textContent = 'This scheme has no parameters.';
    fs.append(p);
    return;
  }
  for (const [name, spec] of entries) {
    const id = `param-${name}`;
    const label = document.createElement('label');
    label.htmlFor = id;
    label.textContent = name;
    const hintId = `${id}-hint`;
    let input;
    const given = values[name];
    const dflt = spec.default;
    if (spec.enum || spec.type === 'boolean') {
      input = document.createElement('select');
      const opts = spec.enum ?? ['true', 'false'];
      if (dflt === undefined || dflt === null) input.append(new Option('(not set)', ''));
      for (const o of opts) input.append(new Option(String(o), String(o)));
      input.value = given !== undefined ? String(given) : (dflt === undefined || dflt === null ? '' : String(dflt));
    } else {
      input = document.createElement('input');
      input.autocomplete = 'off';
      input.spellcheck = false;
      if (spec.type === 'number' || spec.type === 'integer') input.inputMode = spec.type === 'integer' ? 'numeric' : 'decimal';
      const shown = given !== undefined ? given : dflt;
      input.value = shown === undefined || shown === null ? '' : Array.isArray(shown) ? shown.join(',') : String(shown);
      if (dflt === undefined || dflt === null) input.placeholder = spec.required ? 'required' : 'not set';
    }
    input.id = id;
    input.name = name;
    input.dataset.param = name;
    input.dataset.type = spec.type;
    input.setAttribute('aria-describedby', hintId);
    if (spec.required) input.required = true;
    const hint = document.createElement('span');
    hint.id = hintId;
    hint.className = 'hint';
    const range = rangeHint(spec);
    hint.textContent = [spec.description, spec.type + (range ? ` ${range}` : ''), dflt === undefined || dflt === null ? '' : `default ${Array.isArray(dflt) ? dflt.join(',') : dflt}`].filter(Boolean).join(' · ');
    fs.append(label, input, hint);
  }
}

// ---------------------------------------------------------------------------------------------
// Recipe from the form (values the browser cannot parse are sent as typed: the service judges them)
// ---------------------------------------------------------------------------------------------
function parseNumberish(text, type) {
  const t = text.trim();
  if (type === 'boolean') return t === 'true' ? true : t === 'false' ? false : t;
  if (type === 'string') return text;
  if (type === 'number[]' || type === 'integer[]') {
    if (t === '') return [];
    const parts = t.split(',').map((s) => s.trim());
    return parts.every((s) => s !== '' && Number.isFinite(Number(s))) ? parts.map(Number) : t;
  }
  return t !== '' && Number.isFinite(Number(t)) ? Number(t) : t;
}

function readRecipe() {
  const recipe = { scheme: $('scheme').value };
  const shapeText = $('shape').value.trim();
  const parts = shapeText === '' ? [] : shapeText.split(',').map((s) => s.trim());
  recipe.shape = parts.every((s) => /^\d+$/.test(s)) ? parts.map(Number) : shapeText;
  const seedText = $('seed').value.trim();
  if (seedText !== '') recipe.seed = /^\d+$/.test(seedText) && Number(seedText) <= Number.MAX_SAFE_INTEGER ? Number(seedText) : seedText;
  recipe.dtype = $('dtype').value;
  recipe.name = $('name').value;
  if ($('layout').value) recipe.layout = $('layout').value;
  const params = {};
  for (const el of $('params').querySelectorAll('[data-param]')) {
    if (el.value === '') continue;
    params[el.dataset.param] = parseNumberish(el.value, el.dataset.type);
  }
  if (Object.keys(params).length) recipe.params = params;
  return recipe;
}

function paramValues() {
  const out = {};
  for (const el of $('params').querySelectorAll('[data-param]')) out[el.dataset.param] = el.value;
  return out;
}

// URL state, so a view can be shared: ?scheme=&shape=&seed=&dtype=&name=&layout=&p.<param>=
function saveUrl() {
  const q = new URLSearchParams();
  q.set('scheme', $('scheme').value); q.set('shape', $('shape').value); q.set('seed', $('seed').value);
  q.set('dtype', $('dtype').value);
  if ($('name').value) q.set('name', $('name').value);
  if ($('layout').value) q.set('layout', $('layout').value);
  for (const [k, v] of Object.entries(paramValues())) q.set(`p.${k}`, v);
  history.replaceState(null, '', `${location.pathname}?${q}`);
}

function loadUrl() {
  const q = new URLSearchParams(location.search);
  for (const id of ['shape', 'seed', 'dtype', 'name', 'layout']) if (q.has(id)) $(id).value = q.get(id);
  const params = {};
  for (const [k, v] of q) if (k.startsWith('p.')) params[k.slice(2)] = v;
  return { scheme: q.get('scheme'), params };
}

// ---------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------
function fieldInput(field) {
  if (!field) return null;
  if (field === 'authorization') return $('token');
  const m = /^params\.([A-Za-z0-9_]+)/.exec(field);
  if (m) return $(`param-${m[1]}`);
  const base = field.replace(/\[.*$/, '');
  return ['scheme', 'shape', 'seed', 'dtype', 'name', 'layout'].includes(base) ? $(base) : null;
}

function clearErrors() {
  $('error').hidden = true;
  $('error').replaceChildren();
  for (const el of document.querySelectorAll('[aria-invalid="true"]')) el.removeAttribute('aria-invalid');
  for (const el of document.querySelectorAll('.field-error')) el.remove();
}

function showProblem(err) {
  const box = $('error');
  box.replaceChildren();
  const p = err instanceof Problem ? err.body : { title: 'Request failed', detail: String(err?.message ?? err) };
  const title = document.createElement('strong');
  title.textContent = `${p.status ?? err.status ?? ''} ${p.title ?? 'Error'}`.trim();
  const detail = document.createElement('p');
  detail.className = 'detail';
  detail.textContent = p.detail ?? '';
  box.append(title, detail);
  if (p.suggestions?.length) {
    const s = document.createElement('p');
    s.textContent = `Did you mean: ${p.suggestions.join(', ')}?`;
    box.append(s);
  }
  box.hidden = false;
  const input = fieldInput(p.field);
  if (input) {
    input.setAttribute('aria-invalid', 'true');
    const msg = document.createElement('span');
    msg.className = 'field-error';
    msg.id = `${input.id}-error`;
    msg.textContent = p.detail ?? p.rule ?? 'invalid';
    input.insertAdjacentElement('afterend', msg);
    input.setAttribute('aria-errormessage', msg.id);
  }
  document.body.dataset.state = 'error';
  $('status').textContent = (p.status ?? err.status) === 401 ? 'This service requires an API token: enter it under Access.' : 'The service rejected this recipe.';
}

// ---------------------------------------------------------------------------------------------
// Theory: densities for the overlay
// ---------------------------------------------------------------------------------------------
function erfc(x) { // Numerical Recipes erfcc, |error| < 1.2e-7: plenty for drawing
  const z = Math.abs(x), t = 1 / (1 + 0.5 * z);
  const r = t * Math.exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806
    + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))));
  return x >= 0 ? r : 2 - r;
}
const Phi = (x) => 0.5 * erfc(-x / Math.SQRT2);
const phi = (x) => Math.exp(-0.5 * x * x) / Math.sqrt(2 * Math.PI);

function truncMoments(mu, sigma, a, b) {
  const al = (a - mu) / sigma, be = (b - mu) / sigma;
  const z = Math.max(Phi(be) - Phi(al), 1e-300);
  const d = (phi(al) - phi(be)) / z;
  const v = 1 + (al * phi(al) - be * phi(be)) / z - d * d;
  return { mean: mu + sigma * d, std: sigma * Math.sqrt(Math.max(v, 0)) };
}

/** Parent N(mu, sigma) of a truncated normal on [a, b] with the given mean and std (fixed-point solve). */
function truncParent(mean, std, a, b) {
  let mu = mean, sigma = std;
  for (let i = 0; i < 60; i++) {
    const m = truncMoments(mu, sigma, a, b);
    if (!(m.std > 0)) break;
    mu += mean - m.mean;
    sigma *= std / m.std;
  }
  return { mu, sigma };
}

/** The theoretical density as a function, or null when there is none to draw. */
function densityOf(theory) {
  if (!theory || theory.std === null || !(theory.std > 0)) return null;
  const { mean, std, min, max } = theory;
  switch (theory.density) {
    case 'normal': return (x) => phi((x - mean) / std) / std;
    case 'uniform': return (x) => (x >= min && x <= max ? 1 / (max - min) : 0);
    case 'truncated_normal': {
      if (min === null || max === null) return null;
      const { mu, sigma } = truncParent(mean, std, min, max);
      const z = Phi((max - mu) / sigma) - Phi((min - mu) / sigma);
      return (x) => (x >= min && x <= max ? phi((x - mu) / sigma) / sigma / z : 0);
    }
    default: return null;
  }
}

// ---------------------------------------------------------------------------------------------
// Drawing
// ---------------------------------------------------------------------------------------------
function fmt(v) {
  if (v === null || v === undefined) return '—';
  if (!Number.isFinite(v)) return String(v);
  if (v === 0) return '0';
  const a = Math.abs(v);
  return a >= 1e4 || a < 1e-3 ? v.toExponential(4) : v.toPrecision(6).replace(/\.?0+$/, '');
}

function svg(tag, attrs, text) {
  const el = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  if (text !== undefined) el.textContent = text;
  return el;
}

function drawHistogram(stats) {
  const root = $('histogram');
  const W = 640, H = 300, L = 56, R = 12, T = 14, B = 36;
  const keep = [...root.children].filter((c) => c.tagName === 'title' || c.tagName === 'desc');
  root.replaceChildren(...keep);
  const h = stats.histogram;
  const counts = h?.counts ?? [];
  const desc = root.querySelector('desc');
  if (!counts.length || h.min === null) { desc.textContent = 'The tensor has no finite values.'; return; }
  let lo = h.min, hi = h.max;
  const width = (hi - lo) / counts.length;
  const density = densityOf(stats.theory);
  // Show the theoretical support too (bounded densities), with a little margin.
  if (stats.theory?.min !== null && stats.theory?.min !== undefined && density) lo = Math.min(lo, stats.theory.min);
  if (stats.theory?.max !== null && stats.theory?.max !== undefined && density) hi = Math.max(hi, stats.theory.max);
  if (hi === lo) { lo -= 0.5; hi += 0.5; }
  const pad = (hi - lo) * 0.02; lo -= pad; hi += pad;
  const n = stats.count;
  const curve = [];
  if (density && width > 0) {
    for (let i = 0; i <= 240; i++) {
      const x = lo + (hi - lo) * i / 240;
      curve.push([x, density(x) * n * width]);
    }
  }
  const ymax = Math.max(...counts, ...curve.map((p) => p[1])) * 1.05 || 1;
  const X = (x) => L + (x - lo) / (hi - lo) * (W - L - R);
  const Y = (y) => H - B - y / ymax * (H - T - B);
  // bars as one path
  let d = '';
  counts.forEach((c, i) => {
    if (!c) return;
    const x0 = X(h.min + i * (width || 1)), x1 = width > 0 ? X(h.min + (i + 1) * width) : x0 + 2;
    d += `M${x0.toFixed(2)},${Y(0).toFixed(2)}V${Y(c).toFixed(2)}H${Math.max(x1, x0 + 0.8).toFixed(2)}V${Y(0).toFixed(2)}Z`;
  });
  root.append(svg('path', { d, class: 'bars' }));
  if (curve.length) {
    root.append(svg('path', { d: 'M' + curve.map(([x, y]) => `${X(x).toFixed(2)},${Y(y).toFixed(2)}`).join('L'), class: 'density' }));
  }
  // axes
  root.append(svg('line', { x1: L, y1: Y(0), x2: W - R, y2: Y(0), class: 'axis' }));
  root.append(svg('line', { x1: L, y1: T, x2: L, y2: Y(0), class: 'axis' }));
  const ticks = [h.min, h.max];
  if (lo < 0 && hi > 0) ticks.push(0);
  ticks.forEach((t, i) => {
    root.append(svg('line', { x1: X(t), y1: Y(0), x2: X(t), y2: Y(0) + 5, class: 'axis' }));
    const anchor = i === 0 ? 'start' : i === 1 ? 'end' : 'middle'; // min, max labels stay inside the plot
    root.append(svg('text', { x: X(t), y: H - B + 18, 'text-anchor': anchor, class: 'tick' }, fmt(t)));
  });
  root.append(svg('text', { x: L - 6, y: T + 8, 'text-anchor': 'end', class: 'tick' }, fmt(Math.round(ymax))));
  root.append(svg('text', { x: L - 6, y: Y(0), 'text-anchor': 'end', class: 'tick' }, '0'));
  // legend
  root.append(svg('rect', { x: W - R - 170, y: T, width: 12, height: 12, class: 'bars' }));
  root.append(svg('text', { x: W - R - 152, y: T + 10, class: 'tick' }, `values (${counts.length} bins)`));
  if (curve.length) {
    root.append(svg('line', { x1: W - R - 170, y1: T + 26, x2: W - R - 158, y2: T + 26, class: 'density' }));
    root.append(svg('text', { x: W - R - 152, y: T + 30, class: 'tick' }, `${stats.theory.density} density`));
  }
  desc.textContent = `${n} values from ${fmt(h.min)} to ${fmt(h.max)} in ${counts.length} bins`
    + (curve.length ? `, with the theoretical ${stats.theory.density} density drawn over them.` : '.');
}

function drawTable(stats) {
  const tb = $('stats-table').tBodies[0];
  tb.replaceChildren();
  const t = stats.theory ?? {};
  const unbounded = t.density === 'normal' ? 'unbounded' : '—';
  const rows = [
    ['mean', t.mean, stats.mean],
    ['std', t.std, stats.std],
    ['min', t.min ?? (t.density === 'normal' ? unbounded : null), stats.min],
    ['max', t.max ?? (t.density === 'normal' ? unbounded : null), stats.max],
    ['count', stats.count + stats.non_finite, stats.count],
  ];
  for (const [name, exp, got] of rows) {
    const tr = document.createElement('tr');
    const th = document.createElement('th'); th.scope = 'row'; th.textContent = name;
    const e = document.createElement('td'); e.textContent = typeof exp === 'string' ? exp : fmt(exp);
    const g = document.createElement('td'); g.textContent = name === 'count' ? String(got) : fmt(got);
    if (name === 'count') e.textContent = String(exp);
    if (typeof exp === 'number' && typeof got === 'number' && name === 'std' && exp > 0) g.title = `${((got / exp - 1) * 100).toFixed(3)}% from expected`;
    tr.append(th, e, g);
    tb.append(tr);
  }
  if (stats.non_finite) {
    const tr = document.createElement('tr');
    tr.innerHTML = '<th scope="row">non-finite</th><td>0</td><td></td>';
    tr.lastChild.textContent = String(stats.non_finite);
    tb.append(tr);
  }
}

function decodeRaw(buf, dtype) {
  switch (dtype) {
    case 'float32': return new Float32Array(buf);
    case 'float64': return new Float64Array(buf);
    case 'bfloat16': { const u = new Uint16Array(buf), o = new Float32Array(u.length), o32 = new Uint32Array(o.buffer); for (let i = 0; i < u.length; i++) o32[i] = u[i] << 16; return o; }
    case 'float16': { const u = new Uint16Array(buf); return Float32Array.from(u, f16); }
    case 'float8_e5m2': return Float32Array.from(new Uint8Array(buf), (v) => f16(v << 8));
    case 'float8_e4m3fn': return Float32Array.from(new Uint8Array(buf), (v) => {
      const s = v & 0x80 ? -1 : 1, e = (v >> 3) & 0xf, m = v & 7;
      return (v & 0x7f) === 0x7f ? NaN : e === 0 ? s * m * 2 ** -9 : s * (1 + m / 8) * 2 ** (e - 7);
    });
    default: return new Float32Array(0);
  }
}
function f16(h) {
  const s = h & 0x8000 ? -1 : 1, e = (h >> 10) & 0x1f, m = h & 0x3ff;
  if (e === 0) return s * m * 2 ** -24;
  if (e === 31) return m ? NaN : s * Infinity;
  return s * (1 + m / 1024) * 2 ** (e - 15);
}

/** The slice the heatmap shows: (shape[0], prod(rest)) view, at most HEATMAP_MAX rows, bounded columns. */
function heatmapPlan(shape) {
  if (!Array.isArray(shape) || shape.length < 2 || shape.some((n) => n === 0)) return null;
  const rows = Math.min(shape[0], HEATMAP_MAX);
  if (shape.length === 2) {
    const cols = Math.min(shape[1], HEATMAP_MAX);
    return { rows, cols, slice: `0:${rows},0:${cols}`, partial: rows < shape[0] || cols < shape[1] };
  }
  const inner = shape.slice(2).reduce((a, b) => a * b, 1);
  if (inner > HEATMAP_MAX_COLS) return null;
  const d1 = Math.min(shape[1], Math.max(1, Math.floor(HEATMAP_MAX_COLS / inner)));
  return { rows, cols: d1 * inner, slice: [`0:${rows}`, `0:${d1}`, ...shape.slice(2).map(() => ':')].join(','), partial: rows < shape[0] || d1 < shape[1] };
}

async function drawHeatmap(recipe, shape, dtype, signal) {
  const fig = $('heatmap-figure');
  const plan = heatmapPlan(shape);
  if (!plan) { fig.hidden = true; return; }
  const res = await postTensor({ ...recipe, slice: plan.slice }, 'raw', signal);
  const vals = decodeRaw(await res.arrayBuffer(), dtype);
  let amax = 0;
  for (const v of vals) if (Number.isFinite(v)) amax = Math.max(amax, Math.abs(v));
  const canvas = $('heatmap');
  canvas.width = plan.cols; canvas.height = plan.rows;
  const ctx = canvas.getContext('2d');
  const img = ctx.createImageData(plan.cols, plan.rows);
  for (let i = 0; i < vals.length; i++) {
    const v = vals[i];
    let r = 255, g = 255, b = 255;
    if (!Number.isFinite(v)) { r = 0; g = 0; b = 0; } else if (amax > 0) {
      const t = Math.min(1, Math.abs(v) / amax);
      if (v > 0) { g = b = Math.round(255 * (1 - t)); r = Math.round(255 - 75 * t); } else if (v < 0) { r = g = Math.round(255 * (1 - t)); b = Math.round(255 - 75 * t); }
    }
    img.data.set([r, g, b, 255], i * 4);
  }
  ctx.putImageData(img, 0, 0);
  const scale = Math.max(1, Math.floor(512 / Math.max(plan.rows, plan.cols)));
  canvas.style.width = `${plan.cols * scale}px`;
  canvas.style.maxWidth = '100%';
  const view = shape.length === 2 ? '' : ` viewed as (${shape[0]}, ${shape.slice(1).join('×')})`;
  const text = `Heatmap of ${plan.partial ? `slice [${plan.slice}] of ` : ''}the tensor${view}: rows top to bottom, `
    + `blue = −${fmt(amax)}, white = 0, red = +${fmt(amax)}.`;
  $('heatmap-caption').textContent = text;
  canvas.setAttribute('aria-label', text);
  fig.hidden = false;
}

// ---------------------------------------------------------------------------------------------
// Snippets
// ---------------------------------------------------------------------------------------------
function shellQuote(s) { return `'${s.replace(/'/g, `'\\''`)}'`; }

function pyLiteral(v, indent = '') {
  if (v === null || v === undefined) return 'None';
  if (v === true) return 'True';
  if (v === false) return 'False';
  if (typeof v === 'number' || typeof v === 'string') return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map((x) => pyLiteral(x, indent)).join(', ')}]`;
  const inner = indent + '    ';
  return `{\n${Object.entries(v).map(([k, x]) => `${inner}${JSON.stringify(k)}: ${pyLiteral(x, inner)},`).join('\n')}\n${indent}}`;
}

/** Indented JSON with arrays of scalars kept on one line (strings never hold raw newlines, so only real array brackets match). */
function compactJson(v) {
  return JSON.stringify(v, null, 2).replace(/\[\n\s+([^\[\]{}\n]*(?:,\n\s+[^\[\]{}\n]*)*)\n\s*\]/g, (_, inner) => `[${inner.split(/,\n\s+/).join(', ')}]`);
}

function renderSnippets(recipe) {
  const origin = location.origin;
  const json = JSON.stringify(recipe);
  const dtype = recipe.dtype ?? 'float32';
  const shape = Array.isArray(recipe.shape) ? recipe.shape : [];
  // With a token the snippets read it from the environment: the secret is never printed on the page.
  $('snippet-curl').textContent =
    `curl -sS --fail-with-body -X POST ${shellQuote(origin + '/v1/tensors')} \\\n`
    + `  -H 'content-type: application/json' -H 'accept: application/octet-stream' \\\n`
    + (token ? '  -H "authorization: Bearer $WEIGHTINIT_API_TOKEN" \\\n' : '')
    + `  -d ${shellQuote(json)} \\\n  -o tensor.bin`;
  const bits = dtype === 'bfloat16' || dtype.startsWith('float8') ? `  # raw ${dtype} bit patterns (numpy has no ${dtype})` : '';
  $('snippet-python').textContent = [
    token ? 'import json, os, urllib.request' : 'import json, urllib.request',
    'import numpy as np',
    '',
    `recipe = ${pyLiteral(recipe)}`,
    `req = urllib.request.Request(${JSON.stringify(origin + '/v1/tensors')}, data=json.dumps(recipe).encode(),`,
    token
      ? '                             headers={"content-type": "application/json", "accept": "application/octet-stream",\n'
        + '                                      "authorization": "Bearer " + os.environ["WEIGHTINIT_API_TOKEN"]})'
      : '                             headers={"content-type": "application/json", "accept": "application/octet-stream"})',
    'with urllib.request.urlopen(req) as res:',
    `    w = np.frombuffer(bytearray(res.read()), dtype=${JSON.stringify(NUMPY_DTYPE[dtype] ?? '<f4')}).reshape(${pyLiteral(shape)})${bits}`,
    '# torch: torch.from_numpy(w)   ·   or: weightinit_client.Client(...).get_tensor(**recipe)',
  ].join('\n');
  $('snippet-ts').textContent = [
    `const recipe = ${compactJson(recipe)};`,
    `const res = await fetch(${JSON.stringify(origin + '/v1/tensors')}, {`,
    "  method: 'POST',",
    token
      ? "  headers: { 'content-type': 'application/json', accept: 'application/octet-stream', authorization: `Bearer ${process.env.WEIGHTINIT_API_TOKEN}` },"
      : "  headers: { 'content-type': 'application/json', accept: 'application/octet-stream' },",
    '  body: JSON.stringify(recipe),',
    '});',
    'if (!res.ok) throw new Error(await res.text());',
    `const w = new ${TS_ARRAY[dtype] ?? 'Float32Array'}(await res.arrayBuffer()); // shape [${shape.join(', ')}], row-major`,
    `// or: import { getTensor } from 'weightinit'; const { data } = await getTensor(recipe, { baseUrl: ${JSON.stringify(origin)} });`,
  ].join('\n');
}

// ---------------------------------------------------------------------------------------------
// Update cycle
// ---------------------------------------------------------------------------------------------
async function update() {
  clearTimeout(timer);
  inflight?.abort();
  const ac = new AbortController();
  inflight = ac;
  const mine = ++generation;
  const recipe = readRecipe();
  renderSnippets(recipe);
  saveUrl();
  document.body.dataset.state = 'loading';
  $('status').textContent = 'Generating…';
  const t0 = performance.now();
  try {
    const res = await postTensor(recipe, 'stats', ac.signal);
    const stats = await res.json();
    if (mine !== generation) return;
    clearErrors();
    drawHistogram(stats);
    drawTable(stats);
    await drawHeatmap(recipe, stats.shape, stats.dtype, ac.signal);
    if (mine !== generation) return;
    const ms = performance.now() - t0;
    $('status').textContent = `${stats.count + stats.non_finite} values of ${stats.recipe?.scheme ?? recipe.scheme}, shape [${stats.shape.join(', ')}], ${stats.dtype}, recipe ${stats.recipe_id}, ${ms.toFixed(0)} ms.`;
    document.body.dataset.recipeId = stats.recipe_id;
    document.body.dataset.state = 'ready';
  } catch (err) {
    if (ac.signal.aborted || mine !== generation) return;
    clearErrors();
    showProblem(err);
  }
}

function schedule(delay = 300) {
  clearTimeout(timer);
  timer = setTimeout(update, delay);
}

function wire() {
  // Enter in the token field submits the form too: before the catalogue is loaded that means "retry".
  $('recipe-form').addEventListener('submit', (e) => { e.preventDefault(); if (schemes.length) update(); else applyToken(); });
  $('framework').addEventListener('change', () => { fillSchemeSelect($('scheme').value); renderParams(); update(); });
  $('scheme').addEventListener('change', () => { renderParams(); update(); });
  const form = $('recipe-form');
  form.addEventListener('input', (e) => { if (e.target.tagName === 'INPUT' && e.target.id !== 'token') schedule(); });
  $('token').addEventListener('change', applyToken);
  form.addEventListener('change', (e) => { if (e.target.tagName === 'SELECT' && e.target.dataset.param !== undefined) update(); });
  for (const id of ['dtype', 'layout']) $(id).addEventListener('change', () => update());
  for (const btn of document.querySelectorAll('button.copy')) {
    btn.addEventListener('click', async () => {
      const text = $(btn.dataset.target).textContent;
      try { await navigator.clipboard.writeText(text); } catch {
        const range = document.createRange(); range.selectNodeContents($(btn.dataset.target));
        const sel = getSelection(); sel.removeAllRanges(); sel.addRange(range); document.execCommand('copy');
      }
      btn.textContent = 'Copied';
      setTimeout(() => { btn.textContent = 'Copy'; }, 1500);
    });
  }
}

/** Takes the token field's value (kept for this tab) and retries: the catalogue if not loaded yet, else the plot. */
function applyToken() {
  token = $('token').value.trim();
  if (token) sessionStorage.setItem(TOKEN_KEY, token); else sessionStorage.removeItem(TOKEN_KEY);
  $('token').removeAttribute('aria-invalid');
  if (schemes.length) update(); else start();
}

async function main() {
  wire();
  if (token) { $('access').hidden = false; $('token').value = token; }
  await start();
}

/** Loads the catalogue (again after a token was given), then the first plot; one run at a time. */
let starting = null;
function start() {
  starting ??= startOnce().finally(() => { starting = null; });
  return starting;
}

async function startOnce() {
  try {
    await loadSchemes();
  } catch (err) {
    showProblem(err);
    return;
  }
  clearErrors();
  const fromUrl = loadUrl();
  fillSchemeSelect(fromUrl.scheme ?? 'normal');
  renderParams(fromUrl.params);
  await update();
}

main();
