// Dead jobs for real: a job that used up its attempts is put in jobs.db (as
// the queue leaves one when notifications stay unreachable), an admin
// retries it from the console, it runs, and its notification reaches the
// admin's bell without a reload.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { after, before, test } from 'node:test';

import { launchChromium, openConsole, signIn } from '../lib/browser.js';
import { startHelpdeskd } from '../lib/helpdeskd.js';

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

// Protocol-buffer wire format, enough for the job payload.
function varint(value) {
  const bytes = [];
  let rest = BigInt(value);
  do {
    let byte = Number(rest & 0x7fn);
    rest >>= 7n;
    if (rest > 0n) byte |= 0x80;
    bytes.push(byte);
  } while (rest > 0n);
  return Buffer.from(bytes);
}
const varintField = (number, value) => Buffer.concat([varint(number << 3), varint(value)]);
const bytesField = (number, bytes) => Buffer.concat([varint((number << 3) | 2), varint(bytes.length), bytes]);

/** google.protobuf.Any holding helpdesk.jobs.v1.TicketAssignedPayload. */
function assignedPayload(ticketId, title, assigneeId) {
  const payload = Buffer.concat([
    varintField(1, ticketId),
    bytesField(2, Buffer.from(title)),
    varintField(3, assigneeId),
    varintField(4, assigneeId),
  ]);
  return Buffer.concat([
    bytesField(1, Buffer.from('type.googleapis.com/helpdesk.jobs.v1.TicketAssignedPayload')),
    bytesField(2, payload),
  ]);
}

/** Inserts a DEAD ticket.assigned job (5 of 5 attempts used); returns its id. */
function insertDeadJob(title) {
  const now = BigInt(Date.now()) * 1000n;
  const sql = `INSERT INTO jobs (type, state, attempts, max_attempts, run_time, last_error,
      dedupe_key, payload, create_time, update_time)
    VALUES ('ticket.assigned', 4, 5, 5, ${now}, 'UNAVAILABLE: notification service unreachable',
      'browser-test/${now}', X'${assignedPayload(1, title, 1).toString('hex')}', ${now}, ${now});
    SELECT last_insert_rowid();`;
  const out = execFileSync('sqlite3', ['-cmd', '.timeout 5000', path.join(server.dataDir, 'data', 'jobs.db'), sql]);
  return Number(String(out).trim());
}

test('an admin retries a dead job and its notification arrives', async () => {
  const { context, page } = await openConsole(browser, server.url);
  await signIn(page, 'admina@example.com');
  await page.getByRole('heading', { level: 1, name: 'All tickets' }).waitFor();
  const unreadBefore = await page.locator('#bell-count').evaluate((node) => Number(node.dataset.count));

  const id = insertDeadJob('Dead letter from the browser test');
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
