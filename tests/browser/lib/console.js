// The fixture every browser test file shares: one helpdeskd (rate limits
// off, demo data) and one Chromium for the file, and fresh signed-out pages
// on demand, all closed after the file's tests.

import { after, before } from 'node:test';

import { launchChromium, openConsole } from './browser.js';
import { startHelpdeskd } from './helpdeskd.js';

export function useConsole(flags = ['--rate_limits=false']) {
  let server;
  let browser;
  const contexts = [];
  before(async () => {
    server = await startHelpdeskd(flags);
    browser = await launchChromium();
  });
  after(async () => {
    for (const context of contexts) await context.close().catch(() => {});
    if (browser) await browser.close();
    if (server) await server.stop();
  });
  return {
    /** The running helpdeskd ({ url, dataDir, ... }); set once `before` ran. */
    get server() {
      return server;
    },
    /** A new context (its own cookies) and page at the console's sign-in. */
    async open(options) {
      const opened = await openConsole(browser, server.url, options);
      contexts.push(opened.context);
      return opened;
    },
  };
}

/** The unread count the bell shows. */
export function bellCount(page) {
  return page.locator('#bell-count').evaluate((node) => Number(node.dataset.count));
}
