#!/usr/bin/env node
// Loads HTML digests in the system chromium (headless, through puppeteer-core; no browser is
// downloaded) at a phone width and a desktop width, in the light and the dark scheme, and checks
// the layout: no horizontal overflow and no element past the right edge, the card at most 640 px
// wide, a dark page in the dark scheme, and every text readable (WCAG contrast >= 4.5 against
// the background it is drawn on). Saves one PNG per file, width and scheme. Once per file, its
// accessibility tree as a screen reader gets it: the headings start at level 1 and skip none,
// each paper shown in full is a level-3 heading under "Papers" (its title the link in it), its
// "Analysis" and "Key findings" level-4 headings under it, and each "More like this" / "Not for
// me" link is named with its paper's title.
//
//   node check-html.js OUTDIR FILE.html...
//
// Environment: PB_CHROMIUM (default /usr/bin/chromium), PB_BROWSER_PIDFILE (where the browser's
// pid is written, so the caller can kill it). Exit 0 all good, 1 a check failed, 3 chromium
// cannot start (the caller skips), 2 anything else (timeout, bad usage).
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const puppeteer = require('puppeteer-core');

const WIDTHS = [375, 1000];
const SCHEMES = ['light', 'dark'];
const MAX_CARD = 640;
const MIN_CONTRAST = 4.5;
const STEP_MS = 10000;

const [outDir, ...files] = process.argv.slice(2);
if (!outDir || files.length === 0) {
  console.error('usage: check-html.js OUTDIR FILE.html...');
  process.exit(2);
}

let browser = null;
let profile = null;

function cleanup() {
  if (browser && browser.process()) {
    try { browser.process().kill('SIGKILL'); } catch (e) { /* already gone */ }
  }
  // the browser is gone: its pid is not the caller's to kill any more
  if (process.env.PB_BROWSER_PIDFILE) fs.rmSync(process.env.PB_BROWSER_PIDFILE, { force: true });
  if (profile) {
    try {
      fs.rmSync(profile, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
    } catch (e) { /* the caller's temporary folder goes too */ }
  }
}

function quit(code, msg) {
  if (msg) console.error('check-html: ' + msg);
  cleanup();
  process.exit(code);
}

const watchdog = setTimeout(() => quit(2, 'timed out after 60 s'), 60000);
watchdog.unref();
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'])
  process.on(sig, () => quit(2, 'stopped by ' + sig));

// Runs in the page: the measurements, as plain data.
function measure(MIN) {
  const parse = (s) => {
    const m = s.match(/rgba?\(([^)]*)\)/);
    if (!m) return null;
    const v = m[1].split(/[ ,/]+/).filter(Boolean).map(Number);
    return { r: v[0], g: v[1], b: v[2], a: v.length > 3 ? v[3] : 1 };
  };
  const lum = (c) => {
    const f = (x) => { x /= 255; return x <= 0.03928 ? x / 12.92 : Math.pow((x + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(c.r) + 0.7152 * f(c.g) + 0.0722 * f(c.b);
  };
  const background = (el) => {
    for (let e = el; e; e = e.parentElement) {
      const c = parse(getComputedStyle(e).backgroundColor);
      if (c && c.a > 0.5) return c;
    }
    const dark = matchMedia('(prefers-color-scheme: dark)').matches;
    return dark ? { r: 18, g: 18, b: 18, a: 1 } : { r: 255, g: 255, b: 255, a: 1 };
  };
  const W = window.innerWidth;
  const res = {
    innerWidth: W,
    scrollWidth: document.documentElement.scrollWidth,
    bodyScrollWidth: document.body.scrollWidth,
    card: null,
    pageLum: lum(background(document.body)),
    past: [],
    poor: [],
    texts: 0,
  };
  const card = document.querySelector('.pb-card');
  if (card) {
    const r = card.getBoundingClientRect();
    res.card = { width: r.width, lum: lum(background(card)) };
  }
  for (const el of document.body.querySelectorAll('*')) {
    const r = el.getBoundingClientRect();
    if (r.width === 0 && r.height === 0) continue;
    if (r.right > W + 0.5 && res.past.length < 5)
      res.past.push(el.tagName + ' right=' + Math.round(r.right) + ' ' +
                    (el.textContent || '').trim().slice(0, 40));
    const own = Array.from(el.childNodes).some((n) => n.nodeType === 3 && n.data.trim());
    if (!own) continue;
    res.texts++;
    const fg = parse(getComputedStyle(el).color);
    if (!fg) continue;
    const a = lum(fg), b = lum(background(el));
    const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    if (ratio < MIN && res.poor.length < 5)
      res.poor.push(el.tagName + ' ' + getComputedStyle(el).color + ' on ' +
                    JSON.stringify(background(el)) + ' ratio ' + ratio.toFixed(2) + ': ' +
                    (el.textContent || '').trim().slice(0, 40));
  }
  return res;
}

// The accessibility tree's headings and feedback links, in document order, and the papers shown
// in full (their anchors), from chromium's own tree.
async function outline(page) {
  // the whole tree: puppeteer's "interesting" nodes leave out a heading that holds a link
  const tree = await page.accessibility.snapshot({ interestingOnly: false });
  const headings = [];
  const links = [];
  const walk = (n) => {
    if (!n) return;
    if (n.role === 'heading') headings.push({ level: n.level, name: n.name || '' });
    if (n.role === 'link') links.push({ name: n.name || '', after: headings.length });
    for (const c of n.children || []) walk(c);
  };
  walk(tree);
  const papers = await page.$$eval('a[name]', (as) => as.length);
  const feedback = await page.$$eval('a[href*="/f/"]', (as) => as.map((a) => a.textContent.trim()));
  return { headings, links, papers, feedback };
}

function checkOutline(o) {
  const bad = [];
  const levels = o.headings.map((h) => h.level);
  if (levels[0] !== 1) bad.push('the first heading is not level 1: ' + levels.join(' '));
  for (let i = 1; i < levels.length; i++)
    if (levels[i] > levels[i - 1] + 1)
      bad.push(`heading level ${levels[i - 1]} then ${levels[i]} ("${o.headings[i].name.slice(0, 40)}")`);
  const h3 = o.headings.filter((h) => h.level === 3);
  if (h3.length !== o.papers)
    bad.push(`${o.papers} papers in full but ${h3.length} level-3 headings`);
  const papersAt = o.headings.findIndex((h) => h.level === 2 && h.name === 'Papers');
  if (o.papers && (papersAt < 0 || o.headings.findIndex((h) => h.level === 3) < papersAt))
    bad.push('the papers\' headings are not under "Papers"');
  for (const h of h3)
    if (!/^\d+\. \S/.test(h.name)) bad.push(`a paper's heading without its number and title: "${h.name.slice(0, 60)}"`);
  // under a paper's title, only its "Analysis" and "Key findings" (in the reader's words)
  for (let i = 0; i < o.headings.length; i++)
    if (o.headings[i].level === 4 &&
        (!/^(Analysis|Key findings|分析|要点|重點)$/.test(o.headings[i].name) ||
         !levels.slice(0, i).includes(3)))
      bad.push(`a level-4 heading "${o.headings[i].name.slice(0, 40)}" not a paper's part`);
  // each feedback link: its visible words first, then its paper's title (the heading above it)
  const fb = o.links.filter((l) => /^(More like this|Not for me)\b/.test(l.name));
  if (fb.length !== o.feedback.length)
    bad.push(`${o.feedback.length} feedback links, ${fb.length} of them named as such`);
  for (const l of fb) {
    // the paper's title: the last level-3 heading above the link (its parts' h4s between)
    let k = l.after - 1;
    while (k >= 0 && o.headings[k].level !== 3) k--;
    const h = k >= 0 ? o.headings[k] : null;
    const title = h ? h.name.replace(/^\d+\. /, '') : '';
    if (!title || !l.name.endsWith(': ' + title))
      bad.push(`a feedback link named "${l.name.slice(0, 60)}", not after its paper "${title.slice(0, 40)}"`);
  }
  return bad.slice(0, 5);
}

function withTimeout(p, what) {
  let t;
  return Promise.race([
    p,
    new Promise((_, rej) => { t = setTimeout(() => rej(new Error(what + ': timed out')), STEP_MS); }),
  ]).finally(() => clearTimeout(t));
}

async function main() {
  fs.mkdirSync(outDir, { recursive: true });
  profile = fs.mkdtempSync(path.join(os.tmpdir(), 'pb-chromium-'));
  try {
    browser = await puppeteer.launch({
      executablePath: process.env.PB_CHROMIUM || '/usr/bin/chromium',
      headless: true,
      userDataDir: profile,
      timeout: 20000,
      protocolTimeout: 20000,
      handleSIGINT: false, handleSIGTERM: false, handleSIGHUP: false,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
             '--disable-background-networking', '--disable-component-update', '--disable-sync',
             '--disable-dev-shm-usage', '--hide-scrollbars'],
    });
  } catch (e) {
    quit(3, 'chromium cannot start: ' + e.message.split('\n')[0]);
  }
  if (process.env.PB_BROWSER_PIDFILE && browser.process())
    fs.writeFileSync(process.env.PB_BROWSER_PIDFILE, String(browser.process().pid) + '\n');

  const page = await browser.newPage();
  page.setDefaultTimeout(STEP_MS);
  // local files only: anything else a digest might ask for is refused
  await page.setRequestInterception(true);
  page.on('request', (r) => (r.url().startsWith('file:') ? r.continue() : r.abort()));

  const failures = [];
  for (const file of files) {
    const name = path.basename(file).replace(/\.html?$/, '');
    const url = 'file://' + path.resolve(file);
    {
      await page.setViewport({ width: WIDTHS[0], height: 1200 });
      await withTimeout(page.goto(url, { waitUntil: 'load' }), name + ': load');
      const o = await withTimeout(outline(page), name + ': accessibility tree');
      const bad = checkOutline(o);
      console.log(`${bad.length ? 'FAIL' : 'ok  '} ${name}: headings ` +
                  o.headings.map((h) => h.level).join('') + `, ${o.papers} papers in full, ` +
                  `${o.feedback.length} feedback links`);
      for (const b of bad) failures.push(name + ': ' + b);
    }
    for (const width of WIDTHS) {
      for (const scheme of SCHEMES) {
        const tag = `${name} at ${width} px, ${scheme}`;
        await page.setViewport({ width, height: 1200 });
        await page.emulateMediaFeatures([{ name: 'prefers-color-scheme', value: scheme }]);
        await withTimeout(page.goto(url, { waitUntil: 'load' }), tag + ': load');
        const m = await withTimeout(
          page.evaluate(measure, MIN_CONTRAST),
          tag + ': measure');
        await withTimeout(page.screenshot({ path: path.join(outDir, `${name}-${width}-${scheme}.png`) }),
                          tag + ': screenshot');
        const bad = [];
        if (m.scrollWidth > m.innerWidth || m.bodyScrollWidth > m.innerWidth)
          bad.push(`horizontal overflow: scrollWidth ${m.scrollWidth} > ${m.innerWidth}`);
        if (m.past.length)
          bad.push('past the right edge: ' + m.past.join(' | '));
        if (!m.card)
          bad.push('no .pb-card container');
        else if (m.card.width > MAX_CARD + 0.5)
          bad.push(`container ${m.card.width} px wide, more than ${MAX_CARD}`);
        if (m.texts === 0)
          bad.push('no text found');
        if (m.poor.length)
          bad.push('text contrast below ' + MIN_CONTRAST + ': ' + m.poor.join(' | '));
        if (scheme === 'dark' && (m.pageLum > 0.05 || (m.card && m.card.lum > 0.05)))
          bad.push(`not dark: page luminance ${m.pageLum.toFixed(3)}, card ` +
                   (m.card ? m.card.lum.toFixed(3) : '-'));
        if (scheme === 'light' && m.card && m.card.lum < 0.8)
          bad.push(`light scheme card not light: luminance ${m.card.lum.toFixed(3)}`);
        console.log(`${bad.length ? 'FAIL' : 'ok  '} ${tag}: scrollWidth ${m.scrollWidth}/` +
                    `${m.innerWidth}, card ${m.card ? Math.round(m.card.width) : '-'} px, ` +
                    `${m.texts} texts`);
        for (const b of bad) failures.push(tag + ': ' + b);
      }
    }
  }
  for (const f of failures) console.error('check-html: FAIL ' + f);
  await withTimeout(browser.close(), 'close').catch(() => {});
  quit(failures.length ? 1 : 0);
}

main().catch((e) => quit(2, e.stack || String(e)));
