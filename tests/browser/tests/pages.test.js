// The console's other pages, phone widths, keyboard and labels: a real
// helpdeskd (rate limits off) and headless Chromium.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { signIn } from '../lib/browser.js';
import { bellCount, useConsole } from '../lib/console.js';
import { eventually } from '../lib/wait.js';

const fixture = useConsole();
const open = (options) => fixture.open(options);

/** Calls the API as the context's signed-in user (no Origin: not a page). */
async function api(context, method, path, data) {
  const response = await context.request.fetch(`${fixture.server.url}${path}`, { method, data });
  assert.ok(response.ok(), `${method} ${path}: ${response.status()} ${await response.text()}`);
  return response.json();
}

describe('web console pages', () => {
  test('inbox: mark read, mark unread, mark all read, the bell follows', async () => {
    const { context: userContext, page: user } = await open();
    await signIn(user, 'userb@example.com');
    await user.getByRole('link', { name: 'Inbox' }).click();
    await user.getByRole('heading', { level: 1, name: 'Inbox' }).waitFor();
    // Start from nothing unread.
    const unread = await bellCount(user);
    if (unread > 0) {
      await user.getByRole('button', { name: 'Mark all read' }).click();
      await user.waitForFunction(() => document.querySelector('#bell-count').dataset.count === '0');
    }

    // Two status changes of one of the user's tickets: two notifications.
    const ticket = await api(userContext, 'POST', '/v1/tickets', { title: 'Inbox test ticket', body: 'For notifications.' });
    const { context: adminContext, page: admin } = await open();
    await signIn(admin, 'adminb@example.com');
    await api(adminContext, 'PATCH', `/v1/tickets/${ticket.id}`, { status: 'IN_PROGRESS' });
    await api(adminContext, 'PATCH', `/v1/tickets/${ticket.id}`, { status: 'RESOLVED' });

    // They arrive in the open inbox without a reload.
    await user.waitForFunction(() => document.querySelector('#bell-count').dataset.count === '2', null, { timeout: 20_000 });
    await eventually('two unread notifications listed', async () => (await user.locator('.notification.unread').count()) === 2);
    await user.getByText('2 unread.').waitFor();

    await user.getByRole('button', { name: /^Mark read: .*resolved/i }).click();
    await user.getByText('1 unread.').waitFor();
    await user.waitForFunction(() => document.querySelector('#bell-count').dataset.count === '1');

    await user.getByRole('button', { name: /^Mark unread: / }).click();
    await user.getByText('2 unread.').waitFor();
    await user.waitForFunction(() => document.querySelector('#bell-count').dataset.count === '2');

    await user.getByLabel('Unread only').check();
    await eventually('only unread listed', async () => (await user.locator('.notification').count()) === 2
      && (await user.locator('.notification.read').count()) === 0);

    await user.getByRole('button', { name: 'Mark all read' }).click();
    await user.getByText('2 marked read.').waitFor();
    await user.getByText('No unread notifications.').waitFor();
    await user.waitForFunction(() => document.querySelector('#bell-count').dataset.count === '0');
    assert.equal(await user.locator('#bell').getAttribute('aria-label'), 'Notifications, none unread');

    // The notification links to its ticket.
    await user.getByLabel('Unread only').uncheck();
    await user.getByRole('link', { name: /Inbox test ticket/ }).first().click();
    await user.getByRole('heading', { level: 1, name: `#${ticket.id} Inbox test ticket` }).waitFor();
    assert.deepEqual(user.problems, []);
    assert.deepEqual(admin.problems, []);
  });

  test('dead jobs page renders for admins, with the job list by state', async () => {
    const { page } = await open();
    await signIn(page, 'admina@example.com');
    await page.getByRole('link', { name: 'Dead jobs' }).click();
    await page.getByRole('heading', { level: 1, name: 'Dead jobs' }).waitFor();
    await page.locator('.results').filter({ hasText: /\S/ }).waitFor();
    const text = await page.locator('.results').textContent();
    assert.ok(/No dead jobs/.test(text) || (await page.getByRole('button', { name: /^Retry job #/ }).count()) > 0, text);
    // The seeded assignments ran as jobs: the other states list them.
    await page.getByLabel('State').selectOption('SUCCEEDED');
    await page.getByRole('heading', { level: 1, name: 'Jobs' }).waitFor();
    await page.locator('.table-jobs tbody tr').first().waitFor();
    assert.deepEqual(page.problems, []);
  });

  test('admin pages are refused to users', async () => {
    const { page } = await open();
    await signIn(page, 'userc@example.com');
    assert.equal(await page.getByRole('link', { name: 'Audit log' }).count(), 0);
    await page.goto('/#/audit');
    await page.getByRole('heading', { level: 1, name: 'Admins only' }).waitFor();
  });

  test('admin filters: assigned to me and unassigned', async () => {
    const { page } = await open();
    await signIn(page, 'admina@example.com');
    await page.getByRole('heading', { level: 1, name: 'All tickets' }).waitFor();
    await page.locator('tbody tr').first().waitFor();
    await page.getByLabel('Assignee', { exact: true }).selectOption('me');
    await eventually('only tickets assigned to Admin A', async () => {
      const selected = await page.locator('tbody select[aria-label^="Assignee of"]').evaluateAll(
        (selects) => selects.map((s) => s.options[s.selectedIndex].text),
      );
      return selected.length > 0 && selected.every((name) => name === 'Admin A');
    });
    await page.getByLabel('Assignee', { exact: true }).selectOption('unassigned');
    await eventually('only unassigned tickets', async () => {
      const selected = await page.locator('tbody select[aria-label^="Assignee of"]').evaluateAll(
        (selects) => selects.map((s) => s.options[s.selectedIndex].text),
      );
      return selected.length > 0 && selected.every((name) => name === 'Unassigned');
    });
  });

  test('phone width: no page scrolls sideways', async () => {
    const phone = { viewport: { width: 360, height: 740 } };
    const { page: user } = await open(phone);
    const fits = () => user.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);
    assert.equal(await fits(), true, 'sign-in');
    await signIn(user, 'usera@example.com');
    await user.locator('tbody tr').first().waitFor();
    assert.equal(await fits(), true, 'my tickets');
    await user.locator('tbody a').first().click();
    await user.locator('.facts').waitFor();
    assert.equal(await fits(), true, 'ticket');

    const { page: admin } = await open(phone);
    const adminFits = () => admin.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);
    await signIn(admin, 'admina@example.com');
    for (const [path, ready] of [['/#/admin', 'tbody tr'], ['/#/audit', 'tbody tr'], ['/#/jobs', '.results > *'],
      ['/#/inbox', '.results > *'], ['/#/tickets/1', '.facts']]) {
      await admin.goto(path);
      await admin.locator(ready).first().waitFor();
      assert.equal(await adminFits(), true, path);
    }
  });

  test('keyboard only: sign in, create a ticket, open it', async () => {
    const { page } = await open();
    await page.getByLabel('Email').waitFor();
    // The sign-in form starts focused on the email field.
    assert.equal(await page.evaluate(() => document.activeElement?.name), 'email');
    await page.keyboard.type('usera@example.com');
    await page.keyboard.press('Tab');
    await page.keyboard.type('demo123');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { level: 1, name: 'My tickets' }).waitFor();
    // After navigation the page heading has focus; Tab reaches the title.
    await eventually('focus on the heading', () => page.evaluate(() => document.activeElement?.tagName === 'H1'));
    for (let i = 0; i < 5 && await page.evaluate(() => document.activeElement?.name) !== 'title'; i += 1) {
      await page.keyboard.press('Tab');
    }
    assert.equal(await page.evaluate(() => document.activeElement?.name), 'title');
    await page.keyboard.type('Keyboard only ticket');
    await page.keyboard.press('Tab');
    await page.keyboard.type('Typed without a mouse.');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    await page.getByText(/^Ticket #\d+ created\.$/).waitFor();
    await page.getByRole('link', { name: 'Keyboard only ticket' }).focus();
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { level: 1, name: /Keyboard only ticket$/ }).waitFor();
    // Focus is visible (an outline) on keyboard focus.
    await page.keyboard.press('Tab');
    const outline = await page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle);
    assert.notEqual(outline, 'none');
  });

  test('every control on every page has a label', async () => {
    const { page } = await open();
    const unlabelled = () => page.evaluate(() => [...document.querySelectorAll('input, select, textarea, button')]
      .filter((control) => {
        if (control.closest('[hidden]')) return false;
        const labelled = control.labels?.length > 0 || control.getAttribute('aria-label')
          || control.getAttribute('aria-labelledby') || (control.tagName === 'BUTTON' && control.textContent.trim());
        return !labelled;
      })
      .map((control) => control.outerHTML.slice(0, 80)));
    assert.deepEqual(await unlabelled(), [], 'sign-in');
    await signIn(page, 'admina@example.com');
    for (const [path, ready] of [['/#/admin', 'tbody tr'], ['/#/audit', 'tbody tr'], ['/#/jobs', '.results > *'],
      ['/#/inbox', '.results > *'], ['/#/tickets/1', '.facts']]) {
      await page.goto(path);
      await page.locator(ready).first().waitFor();
      assert.deepEqual(await unlabelled(), [], path);
    }
  });
});
