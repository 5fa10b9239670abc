// Dead jobs for real: a job that used up its attempts is put in jobs.db (as
// the queue leaves one when notifications stay unreachable), an admin
// retries it from the console, it runs, and its notification reaches the
// admin's bell without a reload.

import assert from 'node:assert/strict';
import { test } from 'node:test';

import { signIn } from '../lib/browser.js';
import { bellCount, useConsole } from '../lib/console.js';
import { insertDeadJob } from '../lib/jobs.js';

const fixture = useConsole();

test('an admin retries a dead job and its notification arrives', async () => {
  const { page } = await fixture.open();
  await signIn(page, 'admina@example.com');
  await page.getByRole('heading', { level: 1, name: 'All tickets' }).waitFor();
  const unreadBefore = await bellCount(page);

  const id = insertDeadJob(fixture.server.dataDir, 'Dead letter from the browser test');
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
});
