// Renders card JSON files with Microsoft's Adaptive Cards JS renderer (npm `adaptivecards`)
// and Teams' host configs in headless Chromium, one PNG per card and theme.
//
//   node render.mjs IN_DIR OUT_DIR [name ...]
//
// Everything is local: the page is built from files (no network), Chromium is the Debian
// package at /usr/bin/chromium (CHROMIUM overrides), started by playwright-core with a fresh
// profile. Prints what the renderer reported while parsing each card (unknown elements,
// and so on), and the Chart.* elements it met.

import { readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { createRequire } from "node:module";
import { chromium } from "playwright-core";
import sharp from "sharp";
import { withCharts } from "./charts.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const [inDir, outDir, ...only] = process.argv.slice(2);
if (!inDir || !outDir) {
  console.error("usage: node render.mjs IN_DIR OUT_DIR [name ...]");
  process.exit(2);
}

const WIDTH = 600; // the PNG's width: a Teams chat column on a laptop is about this wide
// Segoe UI, first in Teams' font list, is not on Linux: Liberation Sans (Arial's widths,
// close to Segoe UI's) stands in, ahead of the config's Tahoma/Verdana stand-ins.
const FONT = "'Segoe UI', 'Liberation Sans', Arial, sans-serif";
const VENDOR = join("vendor", "adaptivecards-designer"); // npm adaptivecards-designer 2.4.4, MIT
const hostConfig = (theme) => {
  // Light and dark are Microsoft's, vendored unchanged; high contrast is ours (README.head.md).
  const dir = theme === "high-contrast" ? "hostconfigs" : VENDOR;
  const config = JSON.parse(readFileSync(join(here, dir, `microsoft-teams-${theme}.json`), "utf8"));
  config.fontTypes.default.fontFamily = FONT;
  return config;
};
const css = (theme) => readFileSync(join(here, VENDOR, `teams-container-${theme === "light" ? "light" : "dark"}.css`), "utf8");
// Around the card: Teams' chat background per theme (light #F5F5F5, dark #1F1F1F, high contrast black).
const PAGE = { light: "#f5f5f5", dark: "#1f1f1f", "high-contrast": "#000000" };
// High contrast has no stylesheet in the designer: white-on-black buttons with yellow focus.
const HC_CSS = `
.ac-pushButton, .ac-pushButton.style-positive, .ac-pushButton.style-destructive { background:#000 !important; color:#fff !important; border:2px solid #fff !important; }
a.ac-anchor:link, a.ac-anchor:visited { color:#ffff01; }
.ac-input, .ac-input input, .ac-input select, .ac-input textarea, .ac-textInput, .ac-dateInput, .ac-multichoiceInput { background:#000 !important; color:#fff !important; border:1px solid #fff !important; }`;

// Cards to draw (in the order and with the captions of the gallery's index.json), with
// the themes each is shown in; a card with Teams charts is also drawn with the charts left
// to the renderer, which shows their fallback (what a client without native charts shows).
const index = JSON.parse(readFileSync(join(inDir, "index.json"), "utf8"));
const SHOTS = [];
for (const name of Object.keys(index)) {
  if (only.length && !only.includes(name)) continue;
  const themes = name.startsWith("digest") || name.startsWith("pulse") ? ["light", "dark", "high-contrast"] : ["light", "dark"];
  for (const theme of themes) SHOTS.push({ name, theme, drawCharts: true, file: `${name}-${theme}.png` });
  const found = [];
  withCharts(JSON.parse(readFileSync(join(inDir, `${name}.json`), "utf8")), { theme: "light", drawCharts: false, found });
  if (found.length) SHOTS.push({ name, theme: "light", drawCharts: false, file: `${name}-fallback.png` });
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  headless: true,
  args: [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
  ],
});
let problems = 0;
try {
  const context = await browser.newContext({ viewport: { width: WIDTH, height: 800 }, deviceScaleFactor: 1 });
  // Nothing leaves the machine: any request that is not a data: URL is refused.
  await context.route(/^(?!data:)/, (route) => route.abort());
  mkdirSync(outDir, { recursive: true });
  for (const shot of SHOTS) {
    const raw = JSON.parse(readFileSync(join(inDir, `${shot.name}.json`), "utf8"));
    const config = hostConfig(shot.theme);
    const background = config.containerStyles.default.backgroundColor;
    const found = [];
    const card = withCharts(raw, { theme: shot.theme, background: cssColour(background), drawCharts: shot.drawCharts, found });
    const page = await context.newPage();
    await page.setContent(`<!doctype html><html lang="sv"><head><meta charset="utf-8"><style>
      ${css(shot.theme)}
      ${shot.theme === "high-contrast" ? HC_CSS : ""}
      html, body { margin: 0; background: ${PAGE[shot.theme]}; }
      .ac-pushButton, .ac-input, .ac-input * { font-family: ${FONT} !important; }
      #frame { width: ${WIDTH - 32}px; margin: 16px; box-sizing: border-box; border-radius: 4px; overflow: hidden;
               border: 1px solid ${shot.theme === "high-contrast" ? "#fff" : shot.theme === "dark" ? "#3d3d3d" : "#e0e0e0"}; }
      .ac-textBlock p { margin: 0; }
      /* The renderer gives lists width:100% plus the browser's padding, so long items ran
         past the card's edge; Teams' own stylesheet sizes boxes border-box. */
      .ac-textBlock ul, .ac-textBlock ol { margin: 0; padding-left: 20px; box-sizing: border-box; }
    </style></head><body><div id="frame"></div></body></html>`);
    await page.addScriptTag({ path: require.resolve("markdown-it/dist/markdown-it.min.js") });
    await page.addScriptTag({ path: require.resolve("adaptivecards/dist/adaptivecards.min.js") });
    const events = await page.evaluate(({ card, config }) => {
      // The Markdown Teams documents for TextBlocks ("Format cards in Teams"): bold, italic,
      // lists, links. Headings, tables, images, preformatted text (`code`) and quotes are
      // not supported there, so they stay as written here too.
      const md = window.markdownit("zero", { breaks: true }).enable(["list", "emphasis", "link", "newline", "escape"]);
      AdaptiveCards.AdaptiveCard.onProcessMarkdown = (text, result) => {
        result.outputHtml = md.render(text);
        result.didProcess = true;
      };
      const ac = new AdaptiveCards.AdaptiveCard();
      ac.hostConfig = new AdaptiveCards.HostConfig(config);
      const context = new AdaptiveCards.SerializationContext();
      ac.parse(card, context);
      document.getElementById("frame").appendChild(ac.render());
      return context.eventCount ? Array.from({ length: context.eventCount }, (_, i) => context.getEventAt(i).message) : [];
    }, { card, config });
    await page.evaluate(() => document.fonts.ready);
    const box = await (await page.$("#frame")).boundingBox();
    const png = await page.screenshot({ type: "png", fullPage: true, clip: { x: 0, y: 0, width: WIDTH, height: Math.ceil(box.y + box.height + 16) } });
    // A palette of at most 256 colours (libimagequant, through sharp): a third of the bytes,
    // the same to the eye.
    writeFileSync(join(outDir, shot.file), await sharp(png).png({ palette: true, quality: 90, effort: 10, compressionLevel: 9 }).toBuffer());
    const notes = [...new Set(found)].map((t) => `${t} ${shot.drawCharts ? "drawn" : "left to its fallback"}`);
    for (const e of new Set(events)) notes.push(`renderer: ${e}`);
    if (events.length) problems += 1;
    console.log(`${join(outDir, shot.file)}${notes.length ? "  (" + notes.join("; ") + ")" : ""}`);
    await page.close();
  }
} finally {
  await browser.close();
}
if (problems) console.log(`${problems} card(s) with renderer messages (unknown Chart.* types fall back by design).`);
if (!only.length) {
  writeFileSync(join(outDir, "README.md"), readme(SHOTS));
  console.log(join(outDir, "README.md"));
}

function readme(shots) {
  const THEME = { light: "light", dark: "dark", "high-contrast": "high contrast" };
  let out = readFileSync(join(here, "README.head.md"), "utf8");
  for (const name of Object.keys(index)) {
    const mine = shots.filter((s) => s.name === name);
    if (!mine.length) continue;
    out += `\n## ${name}\n\n${index[name]}\n\n`;
    for (const s of mine) {
      const label = s.drawCharts ? THEME[s.theme] : "light, charts left to their fallback (a client without Teams charts)";
      out += `![${name}, ${label}](${s.file})\n*${label}*\n\n`;
    }
  }
  return out;
}

// Host configs write colours as #AARRGGBB; CSS wants #RRGGBBAA.
function cssColour(c) {
  return /^#[0-9a-f]{8}$/i.test(c) ? `#${c.slice(3)}${c.slice(1, 3)}` : c;
}
