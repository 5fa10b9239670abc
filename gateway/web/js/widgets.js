// Pieces several pages share: error boxes, token paging, user names,
// tables, ticket forms, filters and rows, and audit events in words.

import { describeError, get } from './api.js';
import { countWords, field, h, replace, select, statusBadge, time } from './dom.js';

/** An area for a page's errors, read out when it changes. */
export function errorBox() {
  const box = h('div', { className: 'error-box', role: 'alert' });
  box.show = (error) => {
    replace(box, error ? h('p', { className: 'error', text: typeof error === 'string' ? error : describeError(error) }) : null);
  };
  box.clear = () => box.show(null);
  return box;
}

/**
 * Paging by opaque tokens (AIP-158): `load(pageToken)` fetches a page and
 * returns its nextPageToken. Previous pages are the tokens seen so far.
 */
export class Pager {
  constructor(load, label = 'Pages') {
    this.load = load;
    this.tokens = [''];  // tokens[i] fetches page i
    this.index = 0;
    this.prev = h('button', { type: 'button', className: 'button', text: 'Previous', onclick: () => this.go(this.index - 1) });
    this.next = h('button', { type: 'button', className: 'button', text: 'Next', onclick: () => this.go(this.index + 1) });
    this.status = h('span', { className: 'pager-status', aria: { live: 'polite' } });
    this.element = h('nav', { className: 'pager', aria: { label: label } }, this.prev, this.status, this.next);
    this.update(false);
  }

  /** Back to the first page (new filters). */
  reset() {
    this.tokens = [''];
    return this.go(0);
  }

  async go(index) {
    if (index < 0 || index >= this.tokens.length) return;
    this.prev.disabled = true;
    this.next.disabled = true;
    const nextToken = await this.load(this.tokens[index]);
    if (nextToken === undefined) {  // failed: keep where we were
      this.update(Boolean(this.tokens[this.index + 1]));
      return;
    }
    this.index = index;
    this.tokens.length = index + 1;
    if (nextToken) this.tokens.push(nextToken);
    this.update(Boolean(nextToken));
  }

  update(hasNext) {
    this.prev.disabled = this.index === 0;
    this.next.disabled = !hasNext;
    this.status.textContent = `Page ${this.index + 1}`;
    this.element.hidden = this.index === 0 && !hasNext;
  }
}

let userDirectory = null;

/**
 * Every user by id (admins only: GET /v1/users), fetched once per sign-in
 * (see forgetUsers); a failed fetch is tried again on the next call.
 */
export async function users() {
  if (!userDirectory) {
    const pending = (async () => {
      const byId = new Map();
      let pageToken = '';
      do {
        // One page after another: each needs the previous page's token.
        const page = await get('/v1/users', { pageSize: 500, pageToken });
        for (const user of page.users || []) byId.set(user.id, user);
        pageToken = page.nextPageToken || '';
      } while (pageToken);
      return byId;
    })();
    userDirectory = pending;
    pending.catch(() => {
      if (userDirectory === pending) userDirectory = null;
    });
  }
  return userDirectory;
}

/**
 * Forgets the cached user directory. Called at sign-out, so that the next
 * admin to sign in on this page load sees the users registered meanwhile
 * and the directory does not outlive the session that fetched it.
 */
export function forgetUsers() {
  userDirectory = null;
}

/** The admins, for assignment: [{id, name, email}], by name. */
export async function admins() {
  const all = await users();
  return [...all.values()].filter((user) => user.role === 'ADMIN')
    .sort((a, b) => (a.name || a.email).localeCompare(b.name || b.email));
}

/** "Name <email>" or "#id" when unknown. */
export function userLabel(directory, id) {
  if (!id || id === '0') return 'system';
  const user = directory?.get(String(id));
  return user ? (user.name || user.email) : `user #${id}`;
}

/**
 * A table with a caption (for screen readers) and header cells. Each cell
 * also carries its column's name (data-label): on phones rows become cards
 * that show it.
 */
export function table(caption, headers, rows, className = '') {
  for (const row of rows) {
    [...row.cells].forEach((cell, i) => {
      if (headers[i]) cell.dataset.label = headers[i];
    });
  }
  return h('div', { className: 'table-wrap' },
    h('table', { className: `table ${className}` },
      h('caption', { className: 'visually-hidden', text: caption }),
      h('thead', {}, h('tr', {}, headers.map((text) => h('th', { scope: 'col', text })))),
      h('tbody', {}, rows)));
}

/** "Nothing here" line inside a results area. */
export function empty(text) {
  return h('p', { className: 'empty', text });
}

// Tickets (my tickets, all tickets, one ticket).

// The ticket service's word limits for a title and a description.
export const TITLE_WORDS = 15;
export const BODY_WORDS = 300;
const STATUS_FILTER = [['', 'Any status'], ['OPEN', 'Open'], ['IN_PROGRESS', 'In progress'], ['RESOLVED', 'Resolved']];

/**
 * A text control with a live "N of MAX words" counter (read to screen
 * readers as its description) that flags a count outside 1..max.
 */
export function wordCounted(control, max) {
  const counter = h('p', { className: 'hint word-count', aria: { live: 'polite' } });
  const update = () => {
    const words = countWords(control.value);
    const ok = words >= 1 && words <= max;
    counter.textContent = `${words} of ${max} words`;
    counter.classList.toggle('over', words > max);
    control.setAttribute('aria-invalid', String(!ok && control.value !== ''));
    return ok;
  };
  control.addEventListener('input', update);
  update();
  return { counter, valid: update };
}

/** The search/status filter bar; calls onChange({query, status}). */
export function ticketFilters(onChange, extra = []) {
  const query = h('input', { type: 'search', className: 'input', name: 'query', placeholder: 'Words in title or body' });
  const status = select(STATUS_FILTER, { className: 'input', name: 'status' });
  const form = h('form', { className: 'filters', role: 'search' },
    field('Search', query),
    field('Status', status),
    extra,
    h('div', { className: 'filters-actions' }, h('button', { type: 'submit', className: 'button', text: 'Search' })));
  const values = () => ({ query: query.value.trim(), status: status.value, extra: extra.map((c) => c.querySelector('select,input')?.value) });
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    onChange(values());
  });
  status.addEventListener('change', () => onChange(values()));
  for (const control of extra) control.querySelector('select')?.addEventListener('change', () => onChange(values()));
  return { form, values };
}

/**
 * One ticket as a table row (title links to the detail page); `controls`
 * (cells) replace the status and assignee cells.
 */
export function ticketRow(ticket, controls = null) {
  return h('tr', { dataset: { ticketId: ticket.id } },
    h('td', { className: 'num', text: `#${ticket.id}` }),
    h('td', { className: 'title-cell' }, h('a', { href: `#/tickets/${ticket.id}`, text: ticket.title })),
    controls || [
      h('td', {}, statusBadge(ticket.status)),
      h('td', { text: ticket.assigneeName || (ticket.assigneeId !== '0' ? `#${ticket.assigneeId}` : 'Unassigned') }),
    ],
    h('td', {}, time(ticket.updateTime)));
}

// Audit events (the audit log, a ticket's history).

/** The words for each audit action. */
export const ACTION_LABELS = {
  'user.registered': 'Registered',
  'user.login': 'Signed in',
  'user.logout': 'Signed out',
  'ticket.created': 'Ticket created',
  'ticket.edited': 'Ticket edited',
  'ticket.status_changed': 'Status changed',
  'ticket.assigned': 'Ticket assigned',
  'ticket.unassigned': 'Ticket unassigned',
  'note.created': 'Note added',
  'ticket.escalated': 'Ticket escalated',
};

/** An audit action in words (the action itself when unknown). */
export function actionLabel(action) {
  return ACTION_LABELS[action] || action;
}

// Snapshot fields that name users, shown by name.
const USER_FIELDS = { assigneeId: 'assignee', requesterId: 'requester', authorId: 'author' };
// Shown first, in this order; ids of the entity itself are left out.
const FIELD_ORDER = ['title', 'status', 'assigneeId', 'body'];
const HIDDEN_FIELDS = new Set(['id', 'noteId', 'ticketId']);

function valueText(value) {
  if (value === null || value === undefined || value === '') return '—';
  if (typeof value === 'string') return value.length > 80 ? `${value.slice(0, 77)}…` : value;
  return JSON.stringify(value);
}

function fieldText(key, value, directory) {
  if (key in USER_FIELDS) {
    const id = String(value ?? '0');
    return id === '0' ? 'nobody' : userLabel(directory, id);
  }
  return valueText(value);
}

/**
 * The change an event records, from its before/after snapshots, e.g.
 * "status: OPEN → IN_PROGRESS" or "assignee: nobody → Admin A"; for a
 * creation, the new values.
 */
export function describeChange(event, directory = null) {
  const before = event.before || {};
  const after = event.after || {};
  const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])]
    .filter((key) => !HIDDEN_FIELDS.has(key) && JSON.stringify(before[key]) !== JSON.stringify(after[key]))
    .sort((a, b) => {
      const rank = (key) => (FIELD_ORDER.includes(key) ? FIELD_ORDER.indexOf(key) : FIELD_ORDER.length);
      return rank(a) - rank(b) || a.localeCompare(b);
    });
  return keys
    .map((key) => {
      const name = USER_FIELDS[key] || key;
      return key in before
        ? `${name}: ${fieldText(key, before[key], directory)} → ${fieldText(key, after[key], directory)}`
        : `${name}: ${fieldText(key, after[key], directory)}`;
    })
    .join('; ');
}
