// Dead jobs for real: a job that used up its attempts is put in jobs.db (as
// the queue leaves one when notifications stay unreachable), an admin
// retries it from the console, it runs, and its notification reaches the
// admin's bell without a reload.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { launchChromium, openConsole, signIn } from '../lib/browser.js';
import { startHelpdeskd } from '../lib/helpdeskd.js';
import { insertDeadJob } from '../lib/jobs.js';

let server;
let browser;

before(async () => {
  server = await startHelpdeskd(['--rate_limits=false']);
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

test('an admin retries a dead job and its notification arrives', async () => {
  const { context, page } = await openConsole(browser, server.url);
  await signIn(page, 'admina@example.com');
  await page.getByRole('heading', { level: 1, name: 'All tickets' }).waitFor();
  const unreadBefore = await page.locator('#bell-count').evaluate((node) => Number(node.dataset.count));

  const id = insertDeadJob(server.dataDir, 'Dead letter from the browser test');
  await page.getByRole('link', { name: 'Dead jobs' }).click();
  await page.getByRole('heading', { level: 1, name: 'Dead jobs' }).waitFor();
  const row = page.locator(`tr[data-job-id="${id}"]`);
  await row.waitFor();
  assert.match(await row.innerText(), /ticket\.assigned[\s\S]*DEAD[\s\S]*5 of 5[\s\S]*notification service unreachable/);

  await page.getByRole('button', { name: `Retry job #${id}` }).click();
  await page.getByText(`Job #${id} queued again.`).waitFor();
  // The job runs and notifies its assignee (admina): the bell rises by itself.
  await page.waitForFunction(
    (count) => Number(document.querySelector('#bell-count').dataset.count) > count,
    unreadBefore,
    { timeout: 20_000 },
  );
  // Not dead any more: it succeeded.
  await page.getByLabel('State').selectOption('SUCCEEDED');
  await page.locator(`tr[data-job-id="${id}"]`).waitFor();
  assert.match(await page.locator(`tr[data-job-id="${id}"]`).innerText(), /SUCCEEDED/);
  assert.deepEqual(page.problems, []);
  await context.close();
});
