/**
 * One headless Chromium (Debian's, driven by puppeteer-core; no browser
 * download) for a console suite. Root in this sandbox needs --no-sandbox.
 */
import puppeteer, { type Browser } from 'puppeteer-core';
import { which } from '../peers.js';

export const CHROMIUM = which('chromium') ?? '/usr/bin/chromium';

export function launchChromium(): Promise<Browser> {
  return puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--lang=en-US'],
    defaultViewport: { width: 1280, height: 900 },
  });
}
