// Pieces several pages share: error boxes, token paging, user names.

import { describeError, get } from './api.js';
import { h, replace } from './dom.js';

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

/** Every user by id (admins only: GET /v1/users), fetched once per page load. */
export async function users() {
  if (!userDirectory) {
    userDirectory = (async () => {
      const byId = new Map();
      let pageToken = '';
      do {
        // eslint-disable-next-line no-await-in-loop
        const page = await get('/v1/users', { pageSize: 500, pageToken });
        for (const user of page.users || []) byId.set(user.id, user);
        pageToken = page.nextPageToken || '';
      } while (pageToken);
      return byId;
    })();
    userDirectory.catch(() => {
      userDirectory = null;
    });
  }
  return userDirectory;
}

/** Forgets the cached user directory (sign-out, new registrations). */
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
