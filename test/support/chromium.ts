import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

/**
 * Headless Chromium for the tests of Latchkey's pages in a real browser. It needs Debian's `chromium` at
 * /usr/bin/chromium: without it such a suite is skipped ({@link skipWithoutChromium}), except under CI, where it
 * fails ({@link launchChromium}; .ci/run installs it). Set LATCHKEY_SCREENSHOTS to a directory to keep the
 * screenshots ({@link screenshotDirectory}).
 */

export const chromiumPath = '/usr/bin/chromium';
/** Without these, Chromium reaches for the network (updates, sync, QUIC probes), which is closed here. */
const chromiumArgs = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** The `skip` option of every test that needs Chromium: a reason outside CI when it is missing, else false. */
export const skipWithoutChromium: string | false =
  !existsSync(chromiumPath) && !process.env['CI']
    ? `Chromium is not installed at ${chromiumPath} (apt-get install -y chromium); skipped outside CI, a failure under CI`
    : false;

/** Launches headless Chromium; throws when it is missing (reached only under CI, see {@link skipWithoutChromium}). */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(chromiumPath)) throw new Error(`CI is set and Chromium is missing at ${chromiumPath}: install it (apt-get install -y chromium)`);
  return chromium.launch({ executablePath: chromiumPath, headless: true, args: chromiumArgs });
}

/** A fresh context and page of the given viewport, and the page's problems as they happen. */
export interface WatchedPage {
  context: BrowserContext;
  page: Page;
  /** Console errors, page errors and CSP reports of the page. */
  problems: string[];
}

/** Opens a new context and page whose console errors, page errors and CSP reports are collected in `problems`. */
export async function openWatchedPage(browser: Browser, viewport: { width: number; height: number }): Promise<WatchedPage> {
  const problems: string[] = [];
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  page.on('console', (message) => {
    // Chromium's own /favicon.ico probe (the pages declare no icon) 404s; it is not something a page needs.
    if (message.location().url.endsWith('/favicon.ico')) return;
    if (message.type() === 'error' || /Content Security Policy|Refused to/i.test(message.text())) {
      problems.push(`console ${message.type()}: ${message.text()} (${message.location().url})`);
    }
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  return { context, page, problems };
}

/** Where a suite's screenshots go: LATCHKEY_SCREENSHOTS if set (kept), else a fresh temporary directory (removed). */
export function screenshotDirectory(prefix: string): { path: string; remove(): void } {
  const kept = process.env['LATCHKEY_SCREENSHOTS'];
  const path = kept ?? mkdtempSync(join(tmpdir(), prefix));
  return {
    path,
    remove() {
      if (!kept) rmSync(path, { recursive: true, force: true });
    },
  };
}

/** The width and height in a PNG's IHDR chunk, after checking the signature. */
function pngSize(bytes: Buffer): { width: number; height: number } {
  assert.deepEqual([...bytes.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 'a PNG signature');
  assert.equal(bytes.subarray(12, 16).toString('latin1'), 'IHDR');
  return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
}

/**
 * Takes a full-page screenshot to `path` and checks it is a PNG of `width`, with a height and a size in bytes
 * within the bounds given (inclusive for the height, exclusive for the bytes): a rendered page with content.
 */
export async function checkedScreenshot(
  page: Page,
  path: string,
  expected: { width: number; height: [number, number]; bytes: [number, number] },
): Promise<void> {
  await page.screenshot({ path, fullPage: true });
  const png = readFileSync(path);
  const { width, height } = pngSize(png);
  assert.equal(width, expected.width);
  assert.ok(height >= expected.height[0] && height <= expected.height[1], `a page-sized screenshot (${width}×${height})`);
  assert.ok(png.length > expected.bytes[0] && png.length < expected.bytes[1], `a screenshot with content (${png.length} bytes)`);
}
