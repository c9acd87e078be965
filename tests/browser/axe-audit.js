// axe-core (tests/browser/package.json) on the page a puppeteer page shows, as WCAG 2.1 AA
// reads it: at a phone's 375 px and a desktop's 1000 px, in the light and the dark scheme.
// axe is put into the page through the DevTools protocol (page.evaluate), which the pages'
// Content-Security-Policy (no script at all) does not govern; nothing of it is in the page
// itself. Frames are left out: the preview's sandboxed digest is the HTML email, checked by
// check-html.js.
'use strict';
const fs = require('fs');

const AXE_SOURCE = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const WIDTHS = [375, 1000];
const SCHEMES = ['light', 'dark'];
const TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'];
// what fails a page; the lesser ones are reported
const BLOCKING = new Set(['serious', 'critical']);

async function runAxe(page) {
  if (!(await page.evaluate(() => typeof window.axe === 'object')))
    await page.evaluate(AXE_SOURCE);
  return page.evaluate((tags) => window.axe.run(document, {
    runOnly: { type: 'tag', values: tags },
    iframes: false,
    resultTypes: ['violations'],
  }).then((r) => r.violations.map((v) => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map((n) => n.target.join(' ') + (n.failureSummary
      ? ' (' + n.failureSummary.replace(/\s+/g, ' ').slice(0, 160) + ')' : '')),
  }))), TAGS);
}

// Returns { blocking, other }: lines "rule (impact) at W px, scheme: help: nodes", one per rule
// and width and scheme, those of serious or critical impact in blocking. The viewport and the
// colour scheme are given back as they were.
async function audit(page) {
  const vp = page.viewport();
  const blocking = [];
  const other = [];
  try {
    for (const scheme of SCHEMES) {
      await page.emulateMediaFeatures([{ name: 'prefers-color-scheme', value: scheme }]);
      for (const width of WIDTHS) {
        await page.setViewport({ ...vp, width });
        for (const v of await runAxe(page)) {
          const line = `${v.id} (${v.impact}) at ${width} px, ${scheme}: ${v.help}: ` +
            v.nodes.slice(0, 3).join(' | ');
          (BLOCKING.has(v.impact) ? blocking : other).push(line);
        }
      }
    }
  } finally {
    await page.emulateMediaFeatures([{ name: 'prefers-color-scheme', value: 'light' }]);
    await page.setViewport(vp);
  }
  return { blocking, other };
}

module.exports = { audit, AXE_VERSION: require('axe-core/package.json').version };
