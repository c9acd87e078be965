#!/usr/bin/env node
// Loads an HTML digest with teaser figures in the system chromium (headless, puppeteer-core)
// at a 375 px phone width and at 1000 px, letting it fetch images from 127.0.0.1 only, and
// checks every teaser: the image loaded, it fits the screen and the card (no horizontal
// overflow), and its alt text is the one expected. Saves a PNG per width.
//
//   node check-teaser.js OUTDIR FILE.html ALT...
//
// Each ALT is the alt text one teaser must carry, in order. Environment: PB_CHROMIUM (default
// /usr/bin/chromium), PB_BROWSER_PIDFILE. Exit 0 all good, 1 a check failed, 3 chromium
// cannot start (the caller skips), 2 anything else.
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const puppeteer = require('puppeteer-core');

const WIDTHS = [375, 1000];
const STEP_MS = 10000;
const [outDir, file, ...alts] = process.argv.slice(2);
if (!outDir || !file || alts.length === 0) {
  console.error('usage: check-teaser.js OUTDIR FILE.html ALT...');
  process.exit(2);
}

let browser = null;
let profile = null;

function quit(code, msg) {
  if (msg) console.error('check-teaser: ' + msg);
  if (browser && browser.process()) {
    try { browser.process().kill('SIGKILL'); } catch (e) { /* gone */ }
  }
  if (process.env.PB_BROWSER_PIDFILE) fs.rmSync(process.env.PB_BROWSER_PIDFILE, { force: true });
  if (profile) {
    try { fs.rmSync(profile, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 }); }
    catch (e) { /* the caller's temporary folder goes too */ }
  }
  process.exit(code);
}

const watchdog = setTimeout(() => quit(2, 'timed out after 60 s'), 60000);
watchdog.unref();
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'])
  process.on(sig, () => quit(2, 'stopped by ' + sig));

function measure() {
  const W = window.innerWidth;
  const card = document.querySelector('.pb-card');
  const cr = card ? card.getBoundingClientRect() : null;
  return {
    innerWidth: W,
    scrollWidth: document.documentElement.scrollWidth,
    card: cr ? { left: cr.left, right: cr.right, width: cr.width } : null,
    imgs: Array.from(document.querySelectorAll('.pb-card img')).map((im) => {
      const r = im.getBoundingClientRect();
      return { src: im.getAttribute('src'), alt: im.getAttribute('alt'), complete: im.complete,
               natural: im.naturalWidth, left: r.left, right: r.right, width: r.width,
               height: r.height };
    }),
  };
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
  // the digest's file and the stand-in on 127.0.0.1; nothing else
  await page.setRequestInterception(true);
  page.on('request', (r) => {
    const u = r.url();
    (u.startsWith('file:') || u.startsWith('http://127.0.0.1:')) ? r.continue() : r.abort();
  });
  const failures = [];
  const name = path.basename(file).replace(/\.html?$/, '');
  for (const width of WIDTHS) {
    const tag = `${name} at ${width} px`;
    await page.setViewport({ width, height: 1400 });
    await withTimeout(page.goto('file://' + path.resolve(file), { waitUntil: 'networkidle0' }),
                      tag + ': load');
    const m = await withTimeout(page.evaluate(measure), tag + ': measure');
    await withTimeout(page.screenshot({ path: path.join(outDir, `${name}-${width}.png`),
                                        fullPage: true }), tag + ': screenshot');
    const bad = [];
    if (m.scrollWidth > m.innerWidth)
      bad.push(`horizontal overflow: scrollWidth ${m.scrollWidth} > ${m.innerWidth}`);
    if (!m.card) bad.push('no .pb-card');
    if (m.imgs.length !== alts.length)
      bad.push(`${m.imgs.length} images, want ${alts.length}`);
    m.imgs.forEach((im, i) => {
      if (!im.complete || im.natural === 0) bad.push(`image ${i} (${im.src}) did not load`);
      if (im.right > m.innerWidth + 0.5 || im.left < -0.5)
        bad.push(`image ${i} past the screen: ${Math.round(im.left)}..${Math.round(im.right)}`);
      if (m.card && (im.right > m.card.right + 0.5 || im.width > m.card.width))
        bad.push(`image ${i} wider than the card: ${Math.round(im.width)} > ${Math.round(m.card.width)}`);
      if (im.width < 100 || im.height < 20) bad.push(`image ${i} shown at ${im.width}x${im.height}`);
      if (i < alts.length && im.alt !== alts[i]) bad.push(`image ${i} alt ${JSON.stringify(im.alt)}, want ${JSON.stringify(alts[i])}`);
    });
    console.log(`${bad.length ? 'FAIL' : 'ok  '} ${tag}: ${m.imgs.length} images, ` +
                m.imgs.map((im) => `${Math.round(im.width)}x${Math.round(im.height)}`).join(' ') +
                `, card ${m.card ? Math.round(m.card.width) : '-'} px`);
    for (const b of bad) failures.push(tag + ': ' + b);
  }
  for (const f of failures) console.error('check-teaser: FAIL ' + f);
  await withTimeout(browser.close(), 'close').catch(() => {});
  quit(failures.length ? 1 : 0);
}

main().catch((e) => quit(2, e.stack || String(e)));
