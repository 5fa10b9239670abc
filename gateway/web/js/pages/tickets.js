// My tickets: create (with live word counts), search, status filter, paging.

import { get, post } from '../api.js';
import { field, h, replace } from '../dom.js';
import { BODY_WORDS, Pager, TITLE_WORDS, empty, errorBox, table, ticketFilters, ticketRow, wordCounted } from '../widgets.js';

const PAGE_SIZE = 10;

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
