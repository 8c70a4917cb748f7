/**
 * The report's HTML rendered by a real headless Chromium (Debian `chromium`):
 * the DOM has the expected headings, and the screenshot is not blank.
 */
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { judgeReport } from '../../collector/report/judge.js';
import { renderHtml } from '../../collector/report/render-html.js';
import { tempDir } from '../helpers.js';
import { peerAvailable } from '../peers.js';
import { buildRoomInput } from './room-fixture.js';

const exec = promisify(execFile);
const run = peerAvailable('chromium', 'chromium');

/** The flags the tool library's notes give for root in this sandbox, plus a fresh profile. */
function chromiumArgs(profile: string): string[] {
  return [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    `--user-data-dir=${profile}`,
    '--hide-scrollbars',
  ];
}

describe.skipIf(!run)('the report in headless Chromium', () => {
  let tmp: ReturnType<typeof tempDir>;
  beforeAll(() => {
    tmp = tempDir('rw-chromium-');
  });
  afterAll(() => tmp?.cleanup());

  for (const lang of ['en', 'zh-CN'] as const) {
    it(`renders the ${lang} report: headings in the DOM, a screenshot that is not blank`, async () => {
      const html = renderHtml(judgeReport(buildRoomInput({})), lang);
      const file = join(tmp.dir, `report.${lang}.html`);
      writeFileSync(file, html);
      const { stdout: dom } = await exec('chromium', [...chromiumArgs(join(tmp.dir, `profile-dom-${lang}`)), '--dump-dom', `file://${file}`], { maxBuffer: 32 << 20, timeout: 60_000 });
      for (const id of ['report-title', 'summary', 'checklist', 'risks', 'alerts', 'incidents', 'completeness']) expect(dom, id).toMatch(new RegExp(`<h[12][^>]*id="${id}"`));
      expect(dom).not.toMatch(/<script/i);

      const png = join(tmp.dir, `report.${lang}.png`);
      await exec('chromium', [...chromiumArgs(join(tmp.dir, `profile-shot-${lang}`)), `--screenshot=${png}`, '--window-size=1200,1600', `file://${file}`], { timeout: 60_000 });
      const image = PNG.sync.read(readFileSync(png));
      expect(image.width).toBe(1200);
      // Not blank: many distinct colours (text, status cells, sparklines), and plenty of non-white pixels.
      const colours = new Set<number>();
      let inked = 0;
      for (let i = 0; i < image.data.length; i += 4) {
        const [r, g, b] = [image.data[i] as number, image.data[i + 1] as number, image.data[i + 2] as number];
        colours.add((r << 16) | (g << 8) | b);
        if (r < 200 || g < 200 || b < 200) inked++;
      }
      expect(colours.size).toBeGreaterThan(50);
      expect(inked / (image.width * image.height)).toBeGreaterThan(0.02);
    }, 120_000);
  }
});
