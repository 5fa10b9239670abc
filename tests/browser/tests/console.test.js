// The web console end to end: a real helpdeskd (rate limits off, so the
// many sign-ins of one run are not throttled) and headless Chromium.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { signIn } from '../lib/browser.js';
import { bellCount, useConsole } from '../lib/console.js';
import { eventually } from '../lib/wait.js';

const fixture = useConsole();
const open = (options) => fixture.open(options);

/** A word no other ticket has, for full-text search. */
function uniqueWord() {
  return `kiwi${Math.random().toString(36).slice(2, 8).replace(/[0-9]/g, 'x')}`;
}

describe('web console', () => {
  test('a user files a ticket, an admin assigns it and changes its status, the user is notified live, the admin audits it', async () => {
    const { page: user } = await open();
    await signIn(user, 'usera@example.com');
    await user.getByRole('heading', { level: 1, name: 'My tickets' }).waitFor();

    // Live word counts while typing.
    const word = uniqueWord();
    const title = `Printer on floor three jams ${word}`;
    await user.getByLabel('Title').fill(title);
    await user.getByText('6 of 15 words').waitFor();
    await user.getByLabel('Description').fill('It jams on every page since this morning.');
    await user.getByText('8 of 300 words').waitFor();
    await user.getByRole('button', { name: 'Create ticket' }).click();
    const created = await user.getByText(/^Ticket #\d+ created\.$/).textContent();
    const id = /#(\d+)/.exec(created)[1];
    await user.getByRole('link', { name: title }).waitFor();

    // Nothing reloads the user's page from here on.
    await user.evaluate(() => { window.stillTheSamePage = true; });
    const unreadBefore = await bellCount(user);

    const { page: admin } = await open();
    await signIn(admin, 'admina@example.com');
    await admin.getByRole('heading', { level: 1, name: 'All tickets' }).waitFor();
    await admin.getByLabel('Search').fill(word);
    await admin.getByRole('button', { name: 'Search' }).click();
    await admin.getByRole('link', { name: title }).waitFor();
    await admin.getByLabel(`Assignee of ticket #${id}`).selectOption({ label: 'Admin A' });
    await admin.getByText(`Ticket #${id} assigned to Admin A.`).waitFor();
    await admin.getByLabel(`Status of ticket #${id}`).selectOption('IN_PROGRESS');
    await admin.getByText(`Ticket #${id} is now In progress.`).waitFor();

    // The status change notifies the requester: the bell rises by itself.
    await user.waitForFunction(
      (count) => Number(document.querySelector('#bell-count').dataset.count) > count,
      unreadBefore,
      { timeout: 20_000 },
    );
    assert.equal(await user.evaluate(() => window.stillTheSamePage), true);
    assert.match(await user.locator('#bell').getAttribute('aria-label'), /^Notifications, \d+ unread$/);

    // The user sees the new state of the ticket.
    await user.getByRole('link', { name: title }).click();
    await user.getByRole('heading', { level: 1, name: `#${id} ${title}` }).waitFor();
    await user.locator('.facts').getByText('In progress').waitFor();
    await user.locator('.facts').getByText('Admin A').waitFor();

    // The admin reads the ticket's audit trail.
    await admin.getByRole('link', { name: 'Audit log' }).click();
    await admin.getByRole('heading', { level: 1, name: 'Audit log' }).waitFor();
    await admin.getByLabel('Entity type').selectOption('ticket');
    await admin.getByLabel('Entity id').fill(id);
    await eventually('the ticket\'s audit events', async () => {
      await admin.getByRole('button', { name: 'Filter' }).click();
      const actions = await admin.locator('.table-audit tbody td code').allTextContents();
      return ['ticket.created', 'ticket.assigned', 'ticket.status_changed'].every((a) => actions.includes(a));
    });
    await admin.getByRole('cell', { name: 'status: OPEN → IN_PROGRESS' }).waitFor();

    // And the admin's ticket page shows history and takes notes.
    await admin.getByRole('link', { name: `ticket #${id}` }).first().click();
    await admin.getByRole('heading', { name: 'History' }).waitFor();
    await admin.getByLabel('New internal note').fill('Called the vendor.');
    await admin.getByRole('button', { name: 'Add note' }).click();
    await admin.locator('.note-body', { hasText: 'Called the vendor.' }).waitFor();

    assert.deepEqual(user.problems, []);
    assert.deepEqual(admin.problems, []);
  });

  test('the owner edits the title and description', async () => {
    const { page } = await open();
    await signIn(page, 'userb@example.com');
    const word = uniqueWord();
    await page.getByLabel('Title').fill(`Cannot print ${word}`);
    await page.getByLabel('Description').fill('Nothing comes out.');
    await page.getByRole('button', { name: 'Create ticket' }).click();
    await page.getByRole('link', { name: `Cannot print ${word}` }).click();
    await page.getByRole('button', { name: 'Edit' }).click();
    await page.getByLabel('Title').fill(`Cannot print anything ${word}`);
    await page.getByText('4 of 15 words').waitFor();
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByRole('heading', { level: 1, name: new RegExp(`Cannot print anything ${word}$`) }).waitFor();
    await page.getByText('Ticket saved.').waitFor();
  });

  test('my tickets: search, status filter and paging', async () => {
    const { page } = await open();
    await signIn(page, 'userc@example.com');
    const word = uniqueWord();
    for (let i = 1; i <= 11; i += 1) {
      await page.getByLabel('Title').fill(`Batch ticket ${i} ${word}`);
      await page.getByLabel('Description').fill(`Body ${i}.`);
      await page.getByRole('button', { name: 'Create ticket' }).click();
      await page.getByText(`Ticket #`).filter({ hasText: 'created' }).waitFor();
      await page.getByRole('link', { name: `Batch ticket ${i} ${word}` }).waitFor();
    }
    await page.getByLabel('Search').fill(word);
    await page.getByRole('button', { name: 'Search' }).click();
    await page.getByText('11 tickets').waitFor();
    await eventually('10 rows on page 1', async () => (await page.locator('tbody tr').count()) === 10);
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByText('Page 2').waitFor();
    await eventually('1 row on page 2', async () => (await page.locator('tbody tr').count()) === 1);
    await page.getByRole('button', { name: 'Previous' }).click();
    await page.getByText('Page 1').waitFor();
    await page.getByLabel('Status').selectOption('RESOLVED');
    await page.getByText('No tickets match.').waitFor();
  });

  test('an expired session (401) returns to sign-in and back', async () => {
    const { context, page } = await open();
    // Every signed-in response renews the sliding cookie: let the page's
    // first requests answer before the cookie goes, or one still in flight
    // would bring it back.
    const settled = Promise.all([
      page.waitForResponse((r) => r.url().includes('/v1/notifications:unreadCount')),
      page.waitForResponse((r) => new URL(r.url()).pathname === '/v1/tickets'),
    ]);
    await signIn(page, 'userd@example.com');
    await page.getByRole('heading', { level: 1, name: 'My tickets' }).waitFor();
    await settled;
    await context.clearCookies();
    await page.getByRole('link', { name: 'Inbox' }).click();
    await page.getByRole('heading', { level: 1, name: 'Sign in' }).waitFor();
    await page.getByText('Your session has ended. Please sign in again.').waitFor();
    assert.match(page.url(), /#\/signin\?next=%2Finbox$/);
    await signIn(page, 'userd@example.com');
    await page.getByRole('heading', { level: 1, name: 'Inbox' }).waitFor();
  });

  test('API errors are shown in words', async () => {
    const { page } = await open();
    await page.getByLabel('Email').fill('usera@example.com');
    await page.getByLabel('Password').fill('wrong-password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').getByText('Invalid email or password.').waitFor();
    await signIn(page, 'usera@example.com');
    await page.goto('/#/tickets/999999');
    await page.getByRole('alert').getByText('No such ticket.').waitFor();
  });

  test('429 says when to retry', async () => {
    const { page } = await open();
    await page.route('**/v1/auth/login', (route) => route.fulfill({
      status: 429,
      headers: { 'Content-Type': 'application/json', 'Retry-After': '42' },
      body: JSON.stringify({ code: 8, message: 'too many login attempts', details: [] }),
    }));
    await page.getByLabel('Email').fill('usera@example.com');
    await page.getByLabel('Password').fill('demo123');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').getByText('Too many attempts. Please try again in 42 seconds.').waitFor();
  });

  test('register creates an account and signs in', async () => {
    const { page } = await open();
    await page.getByRole('link', { name: 'Create an account' }).click();
    await page.getByRole('heading', { level: 1, name: 'Create an account' }).waitFor();
    const email = `${uniqueWord()}@example.com`;
    await page.getByLabel('Name').fill('New Person');
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill('short');
    await page.getByRole('button', { name: 'Create account' }).click();
    // The browser's own check (minlength) or the API's BadRequest, in words.
    const tooShort = await page.getByLabel('Password').evaluate((input) => !input.checkValidity());
    assert.equal(tooShort, true);
    await page.getByLabel('Password').fill('a-good-password');
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.getByRole('heading', { level: 1, name: 'My tickets' }).waitFor();
    await page.getByText('Welcome, New Person. Your account is ready.').waitFor();
    assert.equal(await page.locator('#whoami').textContent(), 'New Person');
    // Registering the same email again is refused in words.
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('link', { name: 'Create an account' }).click();
    await page.getByLabel('Name').fill('Someone Else');
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill('another-password');
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.getByRole('alert').filter({ hasText: /\S/ }).waitFor();
    assert.match(await page.getByRole('alert').first().textContent(), /already/i);
  });
});
