// Admins: every ticket, filtered by assignee (me / unassigned), status and
// words, with status change and assignment in each row.

import { get, patch, post } from '../api.js';
import { field, h, replace, select, STATUS_LABELS } from '../dom.js';
import { Pager, admins, empty, errorBox, table, ticketFilters, ticketRow } from '../widgets.js';

const PAGE_SIZE = 15;
const ASSIGNEE_FILTER = [['', 'Anyone'], ['me', 'Assigned to me'], ['unassigned', 'Unassigned']];

function rowControls(ctx, ticket, adminList, errors, onChanged) {
  const status = select(Object.entries(STATUS_LABELS), {
    className: 'input input-small',
    aria: { label: `Status of ticket #${ticket.id}` },
  });
  status.value = ticket.status;
  status.addEventListener('change', async () => {
    errors.clear();
    status.disabled = true;
    try {
      await patch(`/v1/tickets/${ticket.id}`, { status: status.value });
      ctx.announce(`Ticket #${ticket.id} is now ${STATUS_LABELS[status.value]}.`, 'success');
      onChanged();
    } catch (error) {
      status.value = ticket.status;
      errors.show(error);
    } finally {
      status.disabled = false;
    }
  });

  const assignee = select([['0', 'Unassigned'], ...adminList.map((a) => [a.id, a.name || a.email])], {
    className: 'input input-small',
    aria: { label: `Assignee of ticket #${ticket.id}` },
  });
  assignee.value = ticket.assigneeId || '0';
  assignee.addEventListener('change', async () => {
    errors.clear();
    assignee.disabled = true;
    try {
      const saved = await post(`/v1/tickets/${ticket.id}:assign`, { assigneeId: assignee.value });
      ctx.announce(saved.assigneeName ? `Ticket #${ticket.id} assigned to ${saved.assigneeName}.`
        : `Ticket #${ticket.id} unassigned.`, 'success');
      onChanged();
    } catch (error) {
      assignee.value = ticket.assigneeId || '0';
      errors.show(error);
    } finally {
      assignee.disabled = false;
    }
  });
  return [h('td', {}, status), h('td', {}, assignee)];
}

export function renderAdminTickets(ctx) {
  const root = ctx.page('All tickets', 'All tickets');
  const errors = errorBox();
  const results = h('div', { className: 'results', aria: { busy: 'false' } });
  const summary = h('p', { className: 'muted summary', aria: { live: 'polite' } });
  let filters = { query: '', status: '', assignee: ctx.query.get('assignee') || '' };
  let adminList = [];

  const pager = new Pager(async (pageToken) => {
    errors.clear();
    results.setAttribute('aria-busy', 'true');
    try {
      const page = await get('/v1/tickets', {
        query: filters.query,
        status: filters.status,
        assignee: filters.assignee,
        pageSize: PAGE_SIZE,
        pageToken,
      });
      if (!ctx.isCurrent()) return undefined;
      const tickets = page.tickets || [];
      summary.textContent = `${page.totalSize ?? tickets.length} ticket${page.totalSize === 1 ? '' : 's'}`;
      replace(results, tickets.length === 0 ? empty('No tickets match.')
        : table('All tickets', ['#', 'Title', 'Status', 'Assignee', 'Updated'],
          tickets.map((t) => ticketRow(t, rowControls(ctx, t, adminList, errors, () => pager.go(pager.index)))),
          'table-admin'));
      return page.nextPageToken || '';
    } catch (error) {
      errors.show(error);
      return undefined;
    } finally {
      results.setAttribute('aria-busy', 'false');
    }
  }, 'Ticket pages');

  const assigneeSelect = select(ASSIGNEE_FILTER, { className: 'input', name: 'assignee' });
  assigneeSelect.value = filters.assignee;
  const { form } = ticketFilters((values) => {
    filters = { query: values.query, status: values.status, assignee: values.extra[0] || '' };
    pager.reset();
  }, [field('Assignee', assigneeSelect)]);

  root.appendChild(h('section', { className: 'card', aria: { label: 'Tickets' } }, form, summary, errors, results, pager.element));
  (async () => {
    try {
      adminList = await admins();
    } catch (error) {
      errors.show(error);
    }
    if (ctx.isCurrent()) pager.reset();
  })();
}
