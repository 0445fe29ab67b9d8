import { execFileSync } from 'node:child_process';
import { type Browser, chromium } from 'playwright-core';

/** Debian's chromium, which CI installs (`.ci/run`). */
export const CHROMIUM = '/usr/bin/chromium';

/**
 * True when the browser suites run: Debian's `chromium` is installed, or
 * `TOOLSCRIPT_REQUIRE_CHROMIUM=1` is set, in which case a missing browser fails them instead of
 * skipping them.
 */
export const CHROMIUM_AVAILABLE = (() => {
  try {
    execFileSync(CHROMIUM, ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return process.env.TOOLSCRIPT_REQUIRE_CHROMIUM === '1';
  }
})();

/** Headless chromium driven by playwright-core, with the flags a shared CI machine needs. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'],
  });
}
