#!/usr/bin/env node
// Drives the readers' pages of a running `paperboy serve` in the system chromium (headless,
// through puppeteer-core; no browser is downloaded), as a reader on a phone would: signs up on
// the form (told that terms side by side read AND), reads the confirmation mail the local
// SMTP peer saved, opens its link and presses
// its button, opens the manage page, sees a rule error with its column, edits the topics, presses Preview and reads
// the titles of the cached announcement, saves, signs out other links (the old link refused,
// the mailed one opening the page), and unsubscribes; then opens a feedback link,
// records its verdict, takes it back and records the other; and opens the manage page of a
// subscriber the administrator added, as a screen reader meets it. Every screen is checked at
// 320 px wide for sideways scrolling, and screenshots are kept. None of it meets a refusal of
// the pages' Content-Security-Policy, and a script put into a page (inline, or from this
// origin) is refused by it and does not run. Every page is also checked with axe-core
// (axe-audit.js) at 375 and 1000 px in the light and the dark scheme, and those with controls
// are gone through with Tab; the sign-up (sent with a topic that does not parse, by Enter, then
// by Space), the confirmation, a verdict and the unsubscribe link's button are pressed from
// the keyboard.
//
//   node selfservice.js BASE_URL MAIL_DIR OUT_DIR ADDRESS
//
// Environment: PB_CHROMIUM (default /usr/bin/chromium), PB_BROWSER_PIDFILE, PB_EXPECT_TITLES
// (titles the preview must show, separated by '|'), PB_ABSENT_TITLE (a title it must not show),
// PB_FEEDBACK_LINK (a "not for me" link), PB_FEEDBACK_PAPER (its paper's id) and
// PB_FEEDBACK_STATE (a shell script printing the recorded verdict on it, or "none"),
// PB_ADMIN_LINK (the manage link of a subscriber added by the administrator), its
// PB_ADMIN_ADDRESSES (separated by '|') and PB_ADMIN_LANGUAGE (its language as the list names it),
// PB_UNSUB_LINK (a mail's unsubscribe link).
// Exit 0 all good, 1 a check failed, 3 chromium cannot start (the caller skips), 2 otherwise.
'use strict';
const { execFileSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');
const puppeteer = require('puppeteer-core');
const { audit, AXE_VERSION } = require('./axe-audit');

// WCAG's reflow width: a 1280 px screen at 400 % zoom, and the narrowest phones
const WIDTH = 320;
const STEP_MS = 15000;

const [base, mailDir, outDir, address] = process.argv.slice(2);
if (!base || !mailDir || !outDir || !address) {
  console.error('usage: selfservice.js BASE_URL MAIL_DIR OUT_DIR ADDRESS');
  process.exit(2);
}
const expectTitles = (process.env.PB_EXPECT_TITLES || '').split('|').filter(Boolean);
const absentTitle = process.env.PB_ABSENT_TITLE || '';

let browser = null;
let profile = null;
let failed = 0;

function cleanup() {
  if (browser && browser.process()) {
    try { browser.process().kill('SIGKILL'); } catch (e) { /* already gone */ }
  }
  if (process.env.PB_BROWSER_PIDFILE) fs.rmSync(process.env.PB_BROWSER_PIDFILE, { force: true });
  if (profile) {
    try {
      fs.rmSync(profile, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
    } catch (e) { /* the caller's temporary folder goes too */ }
  }
}

function quit(code, msg) {
  if (msg) console.error('selfservice: ' + msg);
  cleanup();
  process.exit(code);
}

const watchdog = setTimeout(() => quit(2, 'timed out after 100 s'), 100000);
watchdog.unref();
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'])
  process.on(sig, () => quit(2, 'stopped by ' + sig));

function check(cond, what) {
  if (cond) {
    console.log('ok: ' + what);
  } else {
    console.error('FAIL: ' + what);
    failed++;
  }
}

// Runs in the page: texts with a contrast under 4.5 against the page, and form fields whose
// border is under 3 (WCAG 1.4.3 and 1.4.11: a field must be seen to be one).
function contrasts() {
  const parse = (s) => (s.match(/rgba?\(([^)]*)\)/) || [null, '0,0,0,0'])[1].split(/[ ,/]+/)
    .filter(Boolean).map(Number);
  const lum = (c) => {
    const f = (x) => { x /= 255; return x <= 0.03928 ? x / 12.92 : Math.pow((x + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(c[0]) + 0.7152 * f(c[1]) + 0.0722 * f(c[2]);
  };
  const bg = (el) => {
    for (let e = el.parentElement; e; e = e.parentElement) {
      const c = parse(getComputedStyle(e).backgroundColor);
      if (c.length < 4 || c[3] > 0.5) return c;
    }
    return [255, 255, 255];
  };
  const ratio = (a, b) => (Math.max(lum(a), lum(b)) + 0.05) / (Math.min(lum(a), lum(b)) + 0.05);
  const poor = [];
  for (const el of document.body.querySelectorAll('*')) {
    const st = getComputedStyle(el);
    const own = Array.from(el.childNodes).some((n) => n.nodeType === 3 && n.data.trim());
    const back = parse(st.backgroundColor);
    const behind = back.length < 4 || back[3] > 0.5 ? back : bg(el);
    if (own && ratio(parse(st.color), behind) < 4.5)
      poor.push(`${el.tagName} text ${st.color} ${ratio(parse(st.color), behind).toFixed(2)}`);
    if (/^(INPUT|SELECT|TEXTAREA)$/.test(el.tagName) && el.type !== 'hidden' &&
        ratio(parse(st.borderTopColor), bg(el)) < 3)
      poor.push(`${el.tagName}#${el.id} border ${st.borderTopColor} ` +
        ratio(parse(st.borderTopColor), bg(el)).toFixed(2));
  }
  return poor;
}

// The page's width as the reader's screen sees it, its contrasts, what axe-core finds against
// WCAG 2.1 AA (a serious or critical finding fails, a lesser one is reported), and a
// screenshot.
async function screen(page, name) {
  const w = await page.evaluate(() => document.documentElement.scrollWidth);
  check(w <= WIDTH, `${name}: no sideways scrolling at ${WIDTH} px (scrollWidth ${w})`);
  const poor = await page.evaluate(contrasts);
  check(poor.length === 0, `${name}: texts and fields readable` +
    (poor.length ? ': ' + poor.slice(0, 3).join(' | ') : ''));
  const found = await audit(page);
  check(found.blocking.length === 0, `${name}: axe-core ${AXE_VERSION} finds nothing serious ` +
    'at 375 and 1000 px, light and dark' +
    (found.blocking.length ? ':\n    ' + found.blocking.join('\n    ') : ''));
  for (const o of found.other) console.log(`note: ${name}: axe: ${o}`);
  await page.screenshot({ path: path.join(outDir, `${name}.png`), fullPage: true });
}

// Runs in the page: the element that has the focus, as the keyboard checks name it, and whether
// a focus indicator is drawn around it (WCAG 2.4.7).
function focused() {
  const e = document.activeElement;
  if (!e || e === document.body) return { key: null, ring: false };
  const st = getComputedStyle(e);
  const key = e.id || e.getAttribute('aria-label') ||
    `${e.tagName.toLowerCase()}:${(e.textContent || e.value || '').trim().slice(0, 30)}`;
  return { key, ring: (st.outlineStyle !== 'none' && parseFloat(st.outlineWidth) > 0) ||
    st.boxShadow !== 'none' };
}

// Puts the keyboard's place at the top of the page, as a click on its margin does: Tab goes to
// its first control next.
async function fromTop(page) {
  await page.evaluate(() => { if (document.activeElement) document.activeElement.blur(); });
  await page.mouse.click(1, 1);
}

// Tab from the top of the page: every control takes the focus in the order it stands in, each
// with its focus drawn, and one Tab more leaves the last (WCAG 2.1.1, 2.4.3, 2.4.7).
async function tabOrder(page, name) {
  const want = await page.evaluate(() => Array.from(document.querySelectorAll(
    'a[href], button, input, select, textarea, iframe, [tabindex]'))
    .filter((e) => !e.disabled && e.tabIndex >= 0 && e.type !== 'hidden' &&
      e.getClientRects().length > 0)
    .map((e) => e.id || e.getAttribute('aria-label') ||
      `${e.tagName.toLowerCase()}:${(e.textContent || e.value || '').trim().slice(0, 30)}`));
  await fromTop(page);
  const got = [];
  const unseen = [];
  for (let i = 0; i < want.length; i++) {
    await page.keyboard.press('Tab');
    const f = await page.evaluate(focused);
    got.push(f.key);
    if (!f.ring) unseen.push(f.key);
  }
  check(want.length > 0 && JSON.stringify(got) === JSON.stringify(want),
    `${name}: Tab reaches every control in order: ${JSON.stringify(got)}` +
    (JSON.stringify(got) === JSON.stringify(want) ? '' : ', not ' + JSON.stringify(want)));
  check(unseen.length === 0, `${name}: each control shows it has the focus` +
    (unseen.length ? ': not ' + JSON.stringify(unseen) : ''));
}

// Tabs (from the top) to the control selector names and presses key on it (Enter or Space, as
// someone without a mouse does), waiting for the page it submits to.
async function pressKey(page, selector, key) {
  await fromTop(page);
  for (let i = 0; i < 40; i++) {
    await page.keyboard.press('Tab');
    if (await page.evaluate((sel) => document.activeElement &&
      document.activeElement.matches(sel), selector)) {
      await Promise.all([
        page.waitForNavigation({ waitUntil: 'load', timeout: STEP_MS }),
        page.keyboard.press(key),
      ]);
      return true;
    }
  }
  check(false, `Tab reaches ${selector}`);
  return false;
}

async function text(page) {
  return page.evaluate(() => document.body.innerText);
}

// Submits the form the button belongs to and waits for the answer.
async function press(page, selector) {
  await Promise.all([
    page.waitForNavigation({ waitUntil: 'load', timeout: STEP_MS }),
    page.click(selector),
  ]);
}

async function setField(page, selector, value) {
  await page.$eval(selector, (el, v) => { el.value = v; }, value);
}

function mailFiles() {
  return fs.existsSync(mailDir)
    ? fs.readdirSync(mailDir).filter((f) => f.endsWith('.eml')).sort() : [];
}

// A link of kind ('c' confirm, 'm' manage) in the newest saved message to the address not
// among seen, soft line breaks joined.
async function mailedLink(kind, seen) {
  const re = new RegExp('https?://[^\\s"<>=]+/' + kind + '/[A-Za-z0-9_.-]+');
  for (let i = 0; i < 100; i++) {
    for (const f of mailFiles().reverse()) {
      if (seen && seen.has(f)) continue;
      const raw = fs.readFileSync(path.join(mailDir, f), 'latin1');
      if (!raw.includes(address)) continue;
      const m = raw.replace(/=\r?\n/g, '').match(re);
      if (m) return m[0];
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return null;
}

async function confirmLink() {
  return mailedLink('c', null);
}

(async () => {
  fs.mkdirSync(outDir, { recursive: true });
  profile = fs.mkdtempSync(path.join(os.tmpdir(), 'pb-chromium-'));
  try {
    browser = await puppeteer.launch({
      executablePath: process.env.PB_CHROMIUM || '/usr/bin/chromium',
      headless: true,
      userDataDir: profile,
      args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-extensions',
        '--disable-background-networking', '--disable-sync', '--metrics-recording-only',
        '--no-default-browser-check'],
      timeout: 30000,
    });
  } catch (e) {
    quit(3, 'chromium cannot start: ' + e.message.split('\n')[0]);
  }
  if (process.env.PB_BROWSER_PIDFILE && browser.process())
    fs.writeFileSync(process.env.PB_BROWSER_PIDFILE, String(browser.process().pid));
  const page = await browser.newPage();
  page.setDefaultTimeout(STEP_MS);
  await page.setViewport({ width: WIDTH, height: 800, deviceScaleFactor: 1, isMobile: true });
  const blocked = [];
  page.on('console', (m) => { if (/Content Security Policy/i.test(m.text())) blocked.push(m.text()); });

  // 1. the sign-up form
  let res = await page.goto(base + '/', { waitUntil: 'load' });
  let t;
  check(res.status() === 200, 'the sign-up form answers 200');
  check((await text(page)).includes('au:Del_Maestro'), 'the form shows query examples');
  check((await page.title()) === 'Sign up for the arXiv digest – paperboy',
    'the form\'s title says what it is: ' + JSON.stringify(await page.title()));
  await screen(page, '1-signup');
  await tabOrder(page, '1-signup');
  // the form by keyboard alone, with a topic that does not parse: it comes back with the error
  // announced and tied to its field, the fields as typed; nothing is sent
  await fromTop(page);
  await page.keyboard.press('Tab');
  await page.keyboard.type('keys@example.org');
  await page.keyboard.press('Tab');
  await page.keyboard.type('Broken = ti:(drift');
  await pressKey(page, 'button[type=submit]', 'Enter');
  t = await text(page);
  check(/column \d+/.test(t) && await page.$('.error[role=alert]') !== null &&
    (await page.$eval('#email', (el) => el.value)) === 'keys@example.org',
    'the form sent with Enter comes back with the rule error announced, the address kept');
  {
    const ax = await page.accessibility.snapshot({
      root: await page.$('#topics'), interestingOnly: false });
    check(ax && ax.invalid === 'true' && /column \d+/.test(ax.description || ''),
      'the sign-up\'s topics field is marked invalid and described by the error');
  }
  check((await page.title()) === 'Error: Sign up for the arXiv digest – paperboy',
    'the title of the form sent back says Error first: ' + JSON.stringify(await page.title()));
  await screen(page, '1b-signup-error');
  await tabOrder(page, '1b-signup-error');
  await pressKey(page, 'button[type=submit]', ' ');
  check((await text(page)).includes('Not saved') && mailFiles().length === 0,
    'the form sent with Space comes back the same, nothing mailed');
  await page.goto(base + '/', { waitUntil: 'load' });
  await page.type('#email', address);
  // terms side by side, as copied from arXiv's search (which reads OR): taken, and said
  await setField(page, '#topics', 'Learning = ti:learning ti:deep');
  await page.select('#language', 'en');
  await setField(page, '#max_papers', '5');
  await press(page, 'button[type=submit]');
  check((await text(page)).includes('Check your mailbox'), 'the sign-up is answered');
  check((await text(page)).includes('Topic Learning: terms side by side must all match (AND): ' +
    'ti:learning ti:deep.') && (await text(page)).includes('write ti:learning OR ti:deep'),
    'the answer says the terms side by side must all match, and how to write OR');
  await screen(page, '2-sent');

  // 2. the link in the mail the SMTP peer received
  const link = await confirmLink();
  check(link !== null, 'the confirmation mail arrived with a /c/ link');
  if (!link) quit(1, 'no confirmation mail');
  check(link.startsWith(base + '/c/'), 'the link points at this server');
  res = await page.goto(link, { waitUntil: 'load' });
  check(res.status() === 200 && (await text(page)).includes(address) &&
    await page.$('#confirm') !== null, 'the link asks, with a button, to confirm the address');
  await screen(page, '2b-confirm-ask');
  await tabOrder(page, '2b-confirm-ask');
  await pressKey(page, '#confirm', 'Enter');
  check((await text(page)).includes('Subscribed'), 'the button confirms the subscription');
  await screen(page, '3-confirmed');

  // 3. the manage page
  await press(page, '#manage');
  check(page.url().includes('/m/'), 'the manage page opens from the confirmation');
  check((await page.$eval('#topics', (el) => el.value)).includes('ti:learning'),
    'the manage page shows the topics signed up with');
  await screen(page, '4-manage');
  await tabOrder(page, '4-manage');

  // a broken rule: its column, the query echoed with the place marked
  await setField(page, '#topics', 'Broken = ti:(drift OR <b>bold</b>');
  await press(page, '#preview');
  t = await text(page);
  check(/column \d+/.test(t), 'a rule error names its column');
  check(await page.$('.error mark') !== null, 'the error marks the place in the query');
  const errHtml = await page.$eval('.error', (e) => e.innerHTML);
  check(!errHtml.includes('<b>bold') && errHtml.includes('&lt;b&gt;bold'),
    'the query is echoed escaped, never as markup');
  // as a screen reader meets it: the topics field says it is wrong, and why
  {
    const ax = await page.accessibility.snapshot({
      root: await page.$('#topics'), interestingOnly: false });
    check(ax && ax.invalid === 'true' && /column \d+/.test(ax.description || ''),
      'the topics field is marked invalid and described by the error ' +
      JSON.stringify(ax && { invalid: ax.invalid, description: ax.description }));
    const others = await page.$$eval('#language, #max_papers',
      (els) => els.filter((e) => e.getAttribute('aria-invalid')).length);
    check(others === 0, 'the other fields are not marked invalid');
  }
  check((await page.title()).startsWith('Error: '),
    'the manage page sent back with an error says so in its title');
  await screen(page, '5-rule-error');

  // the preview of edited topics: the real match on the cached announcement
  await setField(page, '#topics', 'Drift = ti:drift\nSymbols = ti:signal2symbol');
  await press(page, '#preview');
  t = await text(page);
  for (const title of expectTitles)
    check(t.includes(title), `the preview shows "${title}"`);
  if (absentTitle) check(!t.includes(absentTitle), `the preview leaves out "${absentTitle}"`);
  const frame = await page.$('#preview-digest');
  check(frame !== null, 'the rendered digest is embedded');
  if (frame) {
    check(await page.$eval('#preview-digest', (f) => f.getAttribute('sandbox') === ''),
      'the digest frame is sandboxed');
    const f = await frame.contentFrame();
    const inner = f ? await f.evaluate(() => document.body ? document.body.innerText : '') : '';
    if (expectTitles.length)
      check(inner.includes(expectTitles[0]), 'the digest frame shows the rendered digest');
    await page.$eval('#preview-digest', (el) => el.scrollIntoView());
    await new Promise((r) => setTimeout(r, 300));
  }
  await screen(page, '6-preview');

  // save, then unsubscribe
  await press(page, '#save');
  check((await text(page)).includes('Saved'), 'the edited topics are saved');
  check((await page.$eval('#topics', (el) => el.value)).includes('ti:signal2symbol'),
    'the saved topics are shown');
  await screen(page, '7-saved');

  // "Sign out other links": the link pressed with (a leaked one, say) opens nothing any more,
  // a new one comes by mail only, and it opens the page
  const oldManage = page.url();
  const seen = new Set(mailFiles());
  await press(page, '#signout');
  t = await text(page);
  check(t.includes('no longer opens it') && t.includes('mailed'),
    'signing out other links is confirmed');
  check(!(await page.content()).includes('/m/'), 'the new link is not shown on the page');
  await screen(page, '7b-signed-out');
  const fresh = await mailedLink('m', seen);
  check(fresh !== null && fresh.startsWith(base + '/m/'), 'a new manage link is mailed');
  if (!fresh) quit(1, 'no new manage link');
  res = await page.goto(oldManage, { waitUntil: 'load' });
  t = await text(page);
  check(res.status() === 410 && t.includes('This link was replaced') && t.includes('/signup'),
    'the old manage link is refused, saying how to get a new one');
  await screen(page, '7c-old-link');
  res = await page.goto(fresh, { waitUntil: 'load' });
  check(res.status() === 200 &&
    (await page.$eval('#topics', (el) => el.value)).includes('ti:signal2symbol'),
    'the mailed link opens the manage page');
  await press(page, '#unsubscribe');
  check((await text(page)).includes('Unsubscribed'), 'unsubscribing is confirmed');
  await screen(page, '8-unsubscribed');
  // 4. a feedback link of the digest (PB_FEEDBACK_LINK, its verdict "not for me"): asks,
  // records, takes back, and the other verdict from the page that says it was taken back; the
  // state read after each press (PB_FEEDBACK_STATE prints the verdict, or "none")
  const fbLink = process.env.PB_FEEDBACK_LINK;
  const fbState = process.env.PB_FEEDBACK_STATE;
  if (fbLink && fbState) {
    const verdict = () => execFileSync('/bin/sh', [fbState], { encoding: 'utf8' }).trim();
    const paper = process.env.PB_FEEDBACK_PAPER || '';
    res = await page.goto(fbLink, { waitUntil: 'load' });
    t = await text(page);
    check(res.status() === 200 && t.includes(`Mark ${paper} as \u201cNot for me\u201d?`) &&
      await page.$('#mark') !== null && await page.$('#undo') === null,
      'the feedback link asks, with a button, and offers nothing to take back');
    check(verdict() === 'none', 'opening the feedback link records nothing');
    await screen(page, '9-feedback-ask');
    await tabOrder(page, '9-feedback-ask');
    await pressKey(page, '#mark', ' ');
    t = await text(page);
    check(t.includes(`${paper} is marked \u201cNot for me\u201d.`) &&
      await page.$('#undo') !== null, 'the verdict is confirmed, with "Take it back"');
    check(verdict() === '-1', 'the verdict is recorded');
    await screen(page, '10-feedback-marked');
    await press(page, '#undo');
    t = await text(page);
    check(t.includes(`Your verdict on ${paper} is taken back`) && await page.$('#undo') === null,
      'taking back is confirmed');
    check(await page.$('#more') !== null && await page.$('#less') !== null,
      'the page offers the two verdicts again');
    check(verdict() === 'none', 'the verdict taken back is gone from the state');
    await screen(page, '11-feedback-taken-back');
    await press(page, '#more');
    t = await text(page);
    check(t.includes(`${paper} is marked \u201cMore like this\u201d.`),
      'the other verdict, pressed on that page, is confirmed');
    check(verdict() === '1', 'the other verdict is recorded');
    await screen(page, '12-feedback-other');
    await press(page, '#undo');
    check(verdict() === 'none', 'taken back again');
  }
  // 5. a manage page as a screen reader meets it (PB_ADMIN_LINK: a stored subscriber the
  // administrator added with two addresses and a language the form does not list): each
  // destination's button named with its address, the language by its name, not a bare tag
  const adminLink = process.env.PB_ADMIN_LINK;
  if (adminLink) {
    const addrs = (process.env.PB_ADMIN_ADDRESSES || '').split('|').filter(Boolean);
    res = await page.goto(adminLink, { waitUntil: 'load' });
    check(res.status() === 200, 'the administrator\'s subscriber\'s manage page opens');
    const ax = await page.accessibility.snapshot({ interestingOnly: false });
    const buttons = [];
    const options = [];
    const walk = (n) => {
      if (!n) return;
      if (n.role === 'button' && /^Stop sending here/.test(n.name || '')) buttons.push(n.name);
      if (n.role === 'combobox' && n.name === 'Language') options.push(n.value || '');
      for (const c of n.children || []) walk(c);
    };
    walk(ax);
    check(buttons.length === addrs.length && new Set(buttons).size === buttons.length &&
      addrs.every((a) => buttons.some((b) => b === `Stop sending here (email: ${a})`)),
      'each "Stop sending here" is named with its address: ' + JSON.stringify(buttons));
    check(options.length === 1 && options[0] === process.env.PB_ADMIN_LANGUAGE,
      'the language set outside the form reads ' + JSON.stringify(options));
    await screen(page, '13-admin-manage');
    await tabOrder(page, '13-admin-manage');
  }
  // 5b. a mail's unsubscribe link (PB_UNSUB_LINK) opened in the browser: the page that asks,
  // its button pressed with Space, the page that says it is done
  const unsubLink = process.env.PB_UNSUB_LINK;
  if (unsubLink) {
    res = await page.goto(unsubLink, { waitUntil: 'load' });
    check(res.status() === 200 && (await text(page)).includes('Stop sending the digest'),
      'the unsubscribe link asks, with a button');
    await screen(page, '14-unsubscribe-ask');
    await tabOrder(page, '14-unsubscribe-ask');
    await pressKey(page, 'button[type=submit]', ' ');
    check((await text(page)).includes('Unsubscribed'), 'the unsubscribe button, pressed with ' +
      'Space, is confirmed');
    await screen(page, '15-unsubscribe-done');
  }
  // 5c. the refusals' pages: an address with no page, a link cut short
  res = await page.goto(base + '/nothing-here', { waitUntil: 'load' });
  check(res.status() === 404, 'an address with no page answers 404');
  await screen(page, '16-not-found');
  res = await page.goto(base + '/m/cut-short', { waitUntil: 'load' });
  check(res.status() >= 400 && res.status() < 500, 'a link cut short is refused');
  await screen(page, '17-broken-link');
  check(blocked.length === 0, 'no Content-Security-Policy refusals' +
    (blocked.length ? ': ' + blocked[0] : ''));

  // 6. a script let into a page (as a flaw in its escaping would let one in) does not run:
  // the policy refuses it, inline and from this origin alike (on a page of its own, so that
  // these refusals are not the pages' own, counted above)
  {
    const p2 = await browser.newPage();
    p2.setDefaultTimeout(STEP_MS);
    res = await p2.goto(base + '/', { waitUntil: 'load' });
    check(res.status() === 200, 'the sign-up form opens for the injection');
    const got = await p2.evaluate(() => new Promise((resolve) => {
      const seen = [];
      document.addEventListener('securitypolicyviolation',
        (e) => seen.push(e.effectiveDirective + ' ' + e.blockedURI));
      const inline = document.createElement('script');
      inline.textContent = 'window.injectedRan = 1;';
      document.body.appendChild(inline);
      const own = document.createElement('script');
      own.src = '/?injected';
      own.onload = () => { window.injectedLoaded = 1; };
      document.body.appendChild(own);
      setTimeout(() => resolve({
        seen, ran: window.injectedRan === 1 || window.injectedLoaded === 1,
      }), 700);
    }));
    check(!got.ran, 'an injected script does not run');
    check(got.seen.some((v) => /^script-src/.test(v) && / inline$/.test(v)),
      'the policy refuses an inline script: ' + JSON.stringify(got.seen));
    check(got.seen.some((v) => /^script-src/.test(v) && v.includes('/?injected')),
      'the policy refuses a script from this origin: ' + JSON.stringify(got.seen));
    await p2.close();
  }

  await browser.close();
  browser = null;
  quit(failed ? 1 : 0, failed ? `${failed} check(s) failed` : null);
})().catch((e) => quit(failed ? 1 : 2, e.stack || String(e)));
