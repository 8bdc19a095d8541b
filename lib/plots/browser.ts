/**
 * The one way this project starts headless Chromium (Debian `chromium` driven by playwright-core): static figure
 * export and the rendered-page check share it, so one session can do both. The flags keep the browser off the
 * network and out of the user's profile: it must work offline and leave nothing behind.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { BrowserContext } from 'playwright-core';
import { BackendError } from '../errors';

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

/** $RETHINK_CHROMIUM, else Debian's /usr/bin/chromium. */
export function chromiumPath(executablePath?: string): string {
  return executablePath ?? process.env.RETHINK_CHROMIUM ?? '/usr/bin/chromium';
}

export interface ChromiumSession {
  /** A context with a fresh user-data-dir; pages opened in it share nothing with the user's browser. */
  context: BrowserContext;
  close(): Promise<void>;
}

/**
 * Starts Chromium with a fresh, temporary user-data-dir (removed on close). Throws a BackendError naming the
 * binary when it is missing or does not start.
 */
export async function launchChromium(
  options: { executablePath?: string; why: string; viewport?: { width: number; height: number } } = { why: 'a headless browser' },
): Promise<ChromiumSession> {
  const executablePath = chromiumPath(options.executablePath);
  if (!fs.existsSync(executablePath)) {
    throw new BackendError(
      `Chromium not found at ${executablePath}; install Debian's \`chromium\` or set RETHINK_CHROMIUM (needed for ${options.why})`,
      { file: executablePath },
    );
  }
  // Loaded lazily: notebooks import lib/plots for the builders and never need a browser driver.
  const { chromium } = await import('playwright-core');
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'rethink-chromium-'));
  let context: BrowserContext;
  try {
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath,
      args: CHROMIUM_ARGS,
      viewport: options.viewport ?? { width: 1280, height: 900 },
    });
  } catch (err) {
    fs.rmSync(userDataDir, { recursive: true, force: true });
    throw new BackendError(`could not start Chromium at ${executablePath}: ${(err as Error).message}`, { file: executablePath });
  }
  return {
    context,
    async close() {
      await context.close();
      fs.rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}
