// My tickets: create (with live word counts), search, status filter, paging.

import { get, post } from '../api.js';
import { countWords, field, h, replace, select, statusBadge, time } from '../dom.js';
import { Pager, empty, errorBox, table } from '../widgets.js';

export const TITLE_WORDS = 15;
export const BODY_WORDS = 300;
const PAGE_SIZE = 10;

export const STATUS_FILTER = [['', 'Any status'], ['OPEN', 'Open'], ['IN_PROGRESS', 'In progress'], ['RESOLVED', 'Resolved']];

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

export function renderMyTickets(ctx) {
  const root = ctx.page('My tickets', 'My tickets');

  // Create.
  const title = h('input', { type: 'text', className: 'input', name: 'title', required: true, autocomplete: 'off' });
  const body = h('textarea', { className: 'input', name: 'body', rows: 5, required: true });
  const titleCount = wordCounted(title, TITLE_WORDS);
  const bodyCount = wordCounted(body, BODY_WORDS);
  const createErrors = errorBox();
  const createButton = h('button', { type: 'submit', className: 'button button-primary', text: 'Create ticket' });
  const createForm = h('form', { className: 'form', aria: { labelledby: 'new-ticket-heading' } },
    field('Title', title, titleCount.counter),
    field('Description', body, bodyCount.counter),
    createErrors,
    h('div', { className: 'form-actions' }, createButton));
  createForm.addEventListener('submit', async (event) => {
    event.preventDefault();
    createErrors.clear();
    const titleOk = titleCount.valid();
    const bodyOk = bodyCount.valid();
    if (!titleOk || !bodyOk) {
      createErrors.show(`${!titleOk ? `The title needs 1 to ${TITLE_WORDS} words. ` : ''}${!bodyOk ? `The description needs 1 to ${BODY_WORDS} words.` : ''}`.trim());
      (titleOk ? body : title).focus();
      return;
    }
    createButton.disabled = true;
    try {
      const ticket = await post('/v1/tickets', { title: title.value.trim(), body: body.value.trim() });
      title.value = '';
      body.value = '';
      titleCount.valid();
      bodyCount.valid();
      ctx.announce(`Ticket #${ticket.id} created.`, 'success');
      pager.reset();
    } catch (error) {
      createErrors.show(error);
    } finally {
      createButton.disabled = false;
    }
  });
  root.appendChild(h('section', { className: 'card' },
    h('h2', { id: 'new-ticket-heading', text: 'New ticket' }), createForm));

  // List.
  let filters = { query: '', status: '' };
  const results = h('div', { className: 'results', aria: { live: 'polite', busy: 'false' } });
  const summary = h('p', { className: 'muted summary' });
  const listErrors = errorBox();
  const pager = new Pager(async (pageToken) => {
    listErrors.clear();
    results.setAttribute('aria-busy', 'true');
    try {
      const page = await get('/v1/tickets', { query: filters.query, status: filters.status, pageSize: PAGE_SIZE, pageToken });
      if (!ctx.isCurrent()) return undefined;
      const tickets = page.tickets || [];
      summary.textContent = `${page.totalSize ?? tickets.length} ticket${page.totalSize === 1 ? '' : 's'}`;
      replace(results, tickets.length === 0 ? empty(filters.query || filters.status ? 'No tickets match.' : 'You have no tickets yet.')
        : table('My tickets', ['#', 'Title', 'Status', 'Assignee', 'Updated'], tickets.map((t) => ticketRow(t))));
      return page.nextPageToken || '';
    } catch (error) {
      listErrors.show(error);
      return undefined;
    } finally {
      results.setAttribute('aria-busy', 'false');
    }
  }, 'Ticket pages');
  const { form: filterForm } = ticketFilters((values) => {
    filters = values;
    pager.reset();
  });
  root.appendChild(h('section', { className: 'card', aria: { labelledby: 'my-tickets-heading' } },
    h('h2', { id: 'my-tickets-heading', text: 'Your tickets' }),
    filterForm, summary, listErrors, results, pager.element));
  pager.reset();
}
