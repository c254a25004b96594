// Stand-ins for Teams' native chart elements (Chart.Line, Chart.VerticalBar[.Grouped],
// Chart.HorizontalBar, Chart.Gauge, Chart.Pie, Chart.Donut) for the screenshots.
//
// Microsoft's JS renderer (npm `adaptivecards`) does not know these Teams-only elements
// and would show their `fallback`. With `drawCharts`, each chart is replaced by an Image
// holding an SVG drawn from the chart's own JSON (title, axis titles, data, segments), in
// the theme's colours: an approximation of what Teams draws, not Teams' own renderer.

const NAMED = {
  light: {
    good: "#237b4b", warning: "#c4314b", attention: "#c4314b", neutral: "#616161",
    categoricalBlue: "#0f6cbd", categoricalRed: "#d13438", categoricalPurple: "#5c2e91",
    categoricalLavender: "#7160e8", categoricalLightBlue: "#4f6bed", categoricalTeal: "#038387",
    categoricalGreen: "#107c10", categoricalLime: "#73aa24", categoricalMarigold: "#eaa300",
  },
  dark: {
    good: "#92c353", warning: "#f8d22a", attention: "#f9526b", neutral: "#adadad",
    categoricalBlue: "#62abf5", categoricalRed: "#ee7b7d", categoricalPurple: "#b696e3",
    categoricalLavender: "#a79cf1", categoricalLightBlue: "#93a4f4", categoricalTeal: "#4bc7c9",
    categoricalGreen: "#54b054", categoricalLime: "#a4cc6c", categoricalMarigold: "#f2c661",
  },
  "high-contrast": {
    good: "#3ff23f", warning: "#ffff01", attention: "#ff8080", neutral: "#ffffff",
    categoricalBlue: "#1aebff", categoricalRed: "#ff8080", categoricalPurple: "#e0a3ff",
    categoricalLavender: "#e0a3ff", categoricalLightBlue: "#1aebff", categoricalTeal: "#1aebff",
    categoricalGreen: "#3ff23f", categoricalLime: "#3ff23f", categoricalMarigold: "#ffff01",
  },
};
const ORDER = ["categoricalBlue", "categoricalMarigold", "categoricalTeal", "categoricalRed",
  "categoricalPurple", "categoricalGreen", "categoricalLavender", "categoricalLime"];

const W = 520;
const esc = (s) => String(s ?? "").replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
const num = (v) => (Number.isInteger(v) ? String(v) : v.toFixed(1)).replace(".", ",").replace("-", "−");

function palette(theme) {
  const named = NAMED[theme] ?? NAMED.light;
  return {
    fg: theme === "light" ? "#242424" : "#ffffff",
    subtle: theme === "light" ? "#616161" : theme === "dark" ? "#c8c8c8" : "#ffffff",
    grid: theme === "light" ? "#e0e0e0" : theme === "dark" ? "#525252" : "#ffffff",
    colour: (name, i) => named[name] ?? (name && /^#/.test(name) ? name : named[ORDER[i % ORDER.length]]),
  };
}

function niceRange(values) {
  let lo = Math.min(...values), hi = Math.max(...values);
  if (lo >= 0 && lo < hi * 0.4) lo = 0;
  if (lo === hi) { lo -= 1; hi += 1; }
  const raw = (hi - lo) / 4;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw);
  return { lo: Math.floor(lo / step) * step, hi: Math.ceil(hi / step) * step, step };
}

function frame(c, p, body, height, legend) {
  const title = c.title ? `<text x="0" y="16" font-size="14" font-weight="600" fill="${p.fg}">${esc(c.title)}</text>` : "";
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${height}" viewBox="0 0 ${W} ${height}" font-family="'Segoe UI', 'Liberation Sans', Arial, sans-serif">${title}${body}${legend ?? ""}</svg>`;
}

function legendRow(p, entries, y) {
  let x = 0, out = "";
  for (let [label, colour] of entries) {
    label = String(label);
    if (label.length > 45) label = label.slice(0, 44) + "…";
    out += `<rect x="${x}" y="${y - 9}" width="10" height="10" rx="2" fill="${colour}"/>` +
      `<text x="${x + 14}" y="${y}" font-size="12" fill="${p.fg}">${esc(label)}</text>`;
    x += 28 + 7.5 * label.length;
  }
  return out;
}

// Axes with a y grid, for line and bar charts: returns the plot box and the y scale.
// Bars keep every label (slanted when they do not fit); lines show as many as fit.
function axes(c, p, values, height, xLabels, { slant = false } = {}) {
  const { lo, hi, step } = niceRange(values);
  const widest = Math.max(...xLabels.map((l) => String(l).length)) * 6.5 + 10;
  const left = 52, top = c.title ? 30 : 8, right = W - 8;
  const slanted = slant && widest > (right - left) / xLabels.length;
  const bottom = height - (c.xAxisTitle ? 44 : 26) - (slanted ? Math.min(70, widest * 0.5) : 0);
  const y = (v) => bottom - ((v - lo) / (hi - lo)) * (bottom - top);
  let out = "";
  for (let v = lo; v <= hi + step / 2; v += step) {
    out += `<line x1="${left}" x2="${right}" y1="${y(v)}" y2="${y(v)}" stroke="${p.grid}" stroke-width="1"/>` +
      `<text x="${left - 6}" y="${y(v) + 4}" font-size="11" text-anchor="end" fill="${p.subtle}">${num(Math.round(v * 100) / 100)}</text>`;
  }
  const slot = (right - left) / xLabels.length;
  const every = slanted ? 1 : Math.max(1, Math.ceil(widest / slot));
  xLabels.forEach((label, i) => {
    if (i % every) return;
    const x = left + slot * (i + 0.5);
    if (slanted) {
      out += `<text transform="translate(${x + 4} ${bottom + 12}) rotate(-35)" font-size="11" text-anchor="end" fill="${p.subtle}">${esc(label)}</text>`;
      return;
    }
    const anchor = x + widest / 2 > W ? "end" : "middle";
    out += `<text x="${anchor === "end" ? W - 2 : x}" y="${bottom + 16}" font-size="11" text-anchor="${anchor}" fill="${p.subtle}">${esc(label)}</text>`;
  });
  if (c.xAxisTitle) out += `<text x="${(left + right) / 2}" y="${height - 6}" font-size="12" text-anchor="middle" fill="${p.fg}">${esc(c.xAxisTitle)}</text>`;
  if (c.yAxisTitle) out += `<text transform="translate(12 ${(top + bottom) / 2}) rotate(-90)" font-size="12" text-anchor="middle" fill="${p.fg}">${esc(c.yAxisTitle)}</text>`;
  return { out, y, left, right, top, bottom, slot };
}

function line(c, p) {
  const series = (c.data ?? []).filter((s) => Array.isArray(s.values));
  const xs = [];
  for (const s of series) for (const v of s.values) if (!xs.includes(String(v.x))) xs.push(String(v.x));
  if (xs.every((x) => /^\d{4}/.test(x))) xs.sort();
  const values = series.flatMap((s) => s.values.map((v) => Number(v.y)));
  if (!values.length) return null;
  const height = 250;
  const a = axes(c, p, values, height - 22, xs);
  let body = a.out;
  series.forEach((s, i) => {
    const colour = p.colour(s.color, i);
    const pts = s.values.map((v) => [a.left + a.slot * (xs.indexOf(String(v.x)) + 0.5), a.y(Number(v.y))]);
    body += `<polyline points="${pts.map((q) => q.join(",")).join(" ")}" fill="none" stroke="${colour}" stroke-width="2.5"/>`;
    for (const [x, y] of pts) body += `<circle cx="${x}" cy="${y}" r="3" fill="${colour}"/>`;
    const [lx, ly] = pts[pts.length - 1];
    body += `<text x="${Math.min(lx, W - 30)}" y="${ly - 8}" font-size="11" font-weight="600" text-anchor="middle" fill="${colour}">${num(Number(s.values[s.values.length - 1].y))}</text>`;
  });
  return frame(c, p, body, height, legendRow(p, series.map((s, i) => [s.legend ?? "", p.colour(s.color, i)]), height - 4));
}

function bars(c, p) {
  const grouped = (c.data ?? []).some((d) => Array.isArray(d.values));
  const series = grouped ? c.data : [{ legend: null, values: c.data ?? [] }];
  const xs = [];
  for (const s of series) for (const v of s.values) if (!xs.includes(String(v.x))) xs.push(String(v.x));
  const values = series.flatMap((s) => s.values.map((v) => Number(v.y))).concat([0]);
  const height = 290;
  const a = axes(c, p, values, grouped ? height - 22 : height, xs, { slant: true });
  let body = a.out;
  const bw = Math.min(40, (a.slot * 0.7) / series.length);
  series.forEach((s, si) => {
    s.values.forEach((v, vi) => {
      const i = xs.indexOf(String(v.x));
      const colour = p.colour(v.color ?? s.color, grouped ? si : vi);
      const x = a.left + a.slot * (i + 0.5) - (bw * series.length) / 2 + bw * si;
      const y0 = a.y(0), y1 = a.y(Number(v.y));
      body += `<rect x="${x}" y="${Math.min(y0, y1)}" width="${bw - 2}" height="${Math.abs(y0 - y1)}" fill="${colour}"/>`;
      if (c.showBarValues !== false && series.length === 1)
        body += `<text x="${x + bw / 2}" y="${Math.min(y0, y1) - 4}" font-size="11" text-anchor="middle" fill="${p.fg}">${num(Number(v.y))}</text>`;
    });
  });
  const legend = grouped ? legendRow(p, series.map((s, i) => [s.legend ?? "", p.colour(s.color, i)]), height - 4) : "";
  return frame(c, p, body, height, legend);
}

function horizontal(c, p) {
  const data = (c.data ?? []).filter((d) => d.y !== undefined);
  if (!data.length) return null;
  const top = c.title ? 30 : 6, row = 26, height = top + row * data.length + 6;
  const max = Math.max(...data.map((d) => Math.abs(Number(d.y)))) || 1;
  const labelW = 150, barW = W - labelW - 60;
  let body = "";
  data.forEach((d, i) => {
    const y = top + row * i;
    const w = (Math.abs(Number(d.y)) / max) * barW;
    body += `<text x="${labelW - 6}" y="${y + 16}" font-size="12" text-anchor="end" fill="${p.fg}">${esc(d.x)}</text>` +
      `<rect x="${labelW}" y="${y + 4}" width="${w}" height="${row - 8}" fill="${p.colour(d.color, i)}"/>` +
      `<text x="${labelW + w + 6}" y="${y + 16}" font-size="12" fill="${p.fg}">${num(Number(d.y))}</text>`;
  });
  return frame(c, p, body, height);
}

function gauge(c, p) {
  const min = Number(c.min ?? 0), max = Number(c.max ?? 100), value = Number(c.value ?? 0);
  const cx = W / 2, top = c.title ? 34 : 10, r = 90, cy = top + r, height = cy + 56;
  const angle = (v) => Math.PI * (1 - (Math.min(max, Math.max(min, v)) - min) / (max - min || 1));
  const pt = (a, rr) => [cx + rr * Math.cos(a), cy - rr * Math.sin(a)];
  const arc = (from, to, colour) => {
    const [x1, y1] = pt(angle(from), r), [x2, y2] = pt(angle(to), r);
    return `<path d="M ${x1} ${y1} A ${r} ${r} 0 0 1 ${x2} ${y2}" fill="none" stroke="${colour}" stroke-width="18"/>`;
  };
  // Teams' segments are {size, color, legend}, laid end to end from min; {from, to} is taken too.
  let at = min;
  const segments = (c.segments?.length ? c.segments : [{ size: max - min, color: "neutral" }]).map((s) => {
    const from = s.from ?? at, to = s.to ?? from + Number(s.size ?? 0);
    at = to;
    return { ...s, from, to };
  });
  let body = segments.map((s, i) => arc(Number(s.from), Number(s.to), p.colour(s.color, i))).join("");
  const [nx, ny] = pt(angle(value), r - 26);
  body += `<line x1="${cx}" y1="${cy}" x2="${nx}" y2="${ny}" stroke="${p.fg}" stroke-width="3"/><circle cx="${cx}" cy="${cy}" r="5" fill="${p.fg}"/>`;
  const shown = c.valueFormat === "Fraction" ? `${num(value)}/${num(max)}` : c.valueFormat === "Percentage" ? `${num(value)} %` : num(value);
  body += `<text x="${cx}" y="${cy + 28}" font-size="20" font-weight="600" text-anchor="middle" fill="${p.fg}">${esc(shown)}</text>`;
  if (c.subLabel) body += `<text x="${cx}" y="${cy + 46}" font-size="12" text-anchor="middle" fill="${p.subtle}">${esc(c.subLabel)}</text>`;
  body += `<text x="${cx - r}" y="${cy + 16}" font-size="11" text-anchor="middle" fill="${p.subtle}">${num(min)}</text><text x="${cx + r}" y="${cy + 16}" font-size="11" text-anchor="middle" fill="${p.subtle}">${num(max)}</text>`;
  const legend = segments.filter((s) => s.legend).map((s, i) => [s.legend, p.colour(s.color, i)]);
  return frame(c, p, body, height + (legend.length ? 18 : 0), legend.length ? legendRow(p, legend, height + 14) : "");
}

function pie(c, p, donut) {
  const data = (c.data ?? []).filter((d) => Number(d.value) > 0);
  if (!data.length) return null;
  const total = data.reduce((s, d) => s + Number(d.value), 0);
  const top = c.title ? 30 : 6, r = 80, cx = r + 10, cy = top + r, height = cy + r + 8;
  let a0 = -Math.PI / 2, body = "";
  data.forEach((d, i) => {
    const a1 = a0 + (2 * Math.PI * Number(d.value)) / total;
    const large = a1 - a0 > Math.PI ? 1 : 0;
    const [x0, y0, x1, y1] = [cx + r * Math.cos(a0), cy + r * Math.sin(a0), cx + r * Math.cos(a1), cy + r * Math.sin(a1)];
    body += data.length === 1
      ? `<circle cx="${cx}" cy="${cy}" r="${r}" fill="${p.colour(d.color, i)}"/>`
      : `<path d="M ${cx} ${cy} L ${x0} ${y0} A ${r} ${r} 0 ${large} 1 ${x1} ${y1} Z" fill="${p.colour(d.color, i)}"/>`;
    body += `<rect x="${2 * r + 40}" y="${top + 20 * i + 4}" width="10" height="10" fill="${p.colour(d.color, i)}"/>` +
      `<text x="${2 * r + 56}" y="${top + 20 * i + 13}" font-size="12" fill="${p.fg}">${esc(d.legend)}: ${num(Number(d.value))}</text>`;
    a0 = a1;
  });
  if (donut) body += `<circle cx="${cx}" cy="${cy}" r="${r * 0.55}" fill="${p.bg}"/>`;
  return frame(c, p, body, Math.max(height, top + 20 * data.length + 10));
}

const DRAW = {
  "Chart.Line": line,
  "Chart.VerticalBar": bars,
  "Chart.VerticalBar.Grouped": bars,
  "Chart.HorizontalBar": horizontal,
  "Chart.HorizontalBar.Stacked": horizontal,
  "Chart.Gauge": gauge,
  "Chart.Pie": (c, p) => pie(c, p, false),
  "Chart.Donut": (c, p) => pie(c, p, true),
};

// The card with every Chart.* element either drawn (an Image with an SVG) or, with
// drawCharts false or an unknown chart type, left for the renderer (which shows its
// fallback). `found` collects the chart types met.
export function withCharts(node, { theme, background, drawCharts, found }) {
  if (Array.isArray(node)) return node.map((n) => withCharts(n, { theme, background, drawCharts, found }));
  if (!node || typeof node !== "object") return node;
  if (typeof node.type === "string" && node.type.startsWith("Chart.")) {
    found.push(node.type);
    const draw = DRAW[node.type];
    const svg = drawCharts && draw ? draw(node, { ...palette(theme), bg: background }) : null;
    if (svg) {
      const { type, data, title, xAxisTitle, yAxisTitle, fallback, segments, value, min, max, ...rest } = node;
      const keep = Object.fromEntries(Object.entries(rest).filter(([k]) => ["id", "spacing", "separator", "isVisible", "height"].includes(k)));
      return {
        ...keep,
        type: "Image",
        url: "data:image/svg+xml;base64," + Buffer.from(svg).toString("base64"),
        altText: title ?? type,
        size: "Stretch",
      };
    }
  }
  const out = {};
  for (const [k, v] of Object.entries(node)) out[k] = withCharts(v, { theme, background, drawCharts, found });
  return out;
}
