// Writes PNGs of the console's main pages (tools/screenshots): a fresh
// helpdeskd with demo data, a user and an admin in headless Chromium.
//
//   node screenshots.js OUTPUT_DIR

import { mkdirSync } from 'node:fs';
import path from 'node:path';

import { launchChromium, openConsole, signIn } from './lib/browser.js';
import { startHelpdeskd } from './lib/helpdeskd.js';
import { insertDeadJob } from './lib/jobs.js';

const out = path.resolve(process.argv[2] || 'screenshots');
mkdirSync(out, { recursive: true });

async function shot(page, name, { fullPage = true } = {}) {
  // Nothing focused or hovered, no caret: stable pictures.
  await page.evaluate(() => document.activeElement?.blur());
  await page.mouse.move(0, 0);
  const file = path.join(out, `${name}.png`);
  await page.screenshot({ path: file, fullPage, caret: 'hide', animations: 'disabled' });
  console.log(file);
}

async function settle(page) {
  await page.waitForLoadState('networkidle').catch(() => {});
  await page.evaluate(() => document.fonts.ready);
}

const server = await startHelpdeskd(['--rate_limits=false']);
const browser = await launchChromium();
try {
  const { page: signin } = await openConsole(browser, server.url);
  await signin.getByRole('heading', { name: 'Sign in' }).waitFor();
  await settle(signin);
  await shot(signin, '01-sign-in', { fullPage: false });

  const { page: user } = await openConsole(browser, server.url);
  await signIn(user, 'usera@example.com');
  await user.getByLabel('Title').fill('Laptop battery drains overnight');
  await user.getByLabel('Description').fill('The battery goes from full to empty overnight, even when the laptop is closed and asleep.');
  await user.getByRole('button', { name: 'Create ticket' }).click();
  const created = await user.getByText(/^Ticket #\d+ created\.$/).textContent();
  const id = /#(\d+)/.exec(created)[1];
  await user.getByLabel('Title').fill('VPN disconnects every hour');
  await user.getByText('4 of 15 words').waitFor();
  await user.locator('tbody tr').first().waitFor();
  await settle(user);
  await shot(user, '02-my-tickets');

  const { page: admin } = await openConsole(browser, server.url);
  await signIn(admin, 'admina@example.com');
  await admin.getByLabel(`Assignee of ticket #${id}`).selectOption({ label: 'Admin A' });
  await admin.getByText(`Ticket #${id} assigned to Admin A.`).waitFor();
  await admin.getByLabel(`Status of ticket #${id}`).selectOption('IN_PROGRESS');
  await admin.getByText(`Ticket #${id} is now In progress.`).waitFor();
  await admin.evaluate(() => window.scrollTo(0, 0));
  await settle(admin);
  await shot(admin, '04-admin-tickets');

  await admin.goto(`/#/tickets/${id}`);
  await admin.getByLabel('New internal note').fill('Asked for the battery report (powercfg /batteryreport).');
  await admin.getByRole('button', { name: 'Add note' }).click();
  await admin.locator('.note-body').first().waitFor();
  await admin.getByRole('heading', { name: 'History' }).waitFor();
  await settle(admin);
  await shot(admin, '03-ticket-detail');

  await admin.goto('/#/audit');
  await admin.locator('.table-audit tbody tr').first().waitFor();
  await settle(admin);
  await shot(admin, '05-audit-log');

  insertDeadJob(server.dataDir, 'Printer on floor 3 jams');
  await admin.goto('/#/jobs');
  await admin.getByRole('heading', { level: 1, name: 'Dead jobs' }).waitFor();
  await admin.locator('.results').filter({ hasText: /\S/ }).waitFor();
  await settle(admin);
  await shot(admin, '07-dead-jobs');

  await user.waitForFunction(() => Number(document.querySelector('#bell-count').dataset.count) > 0, null, { timeout: 20_000 });
  await user.goto('/#/inbox');
  await user.locator('.notification').first().waitFor();
  await settle(user);
  await shot(user, '06-inbox');

  const { page: phone } = await openConsole(browser, server.url, { viewport: { width: 390, height: 844 } });
  await signIn(phone, 'usera@example.com');
  await phone.locator('tbody tr').first().waitFor();
  await settle(phone);
  await shot(phone, '08-phone-my-tickets');
} finally {
  await browser.close();
  await server.stop();
}
