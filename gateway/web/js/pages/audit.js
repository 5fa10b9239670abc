// Admins: the audit log, filtered by actor, action and entity, with paging.

import { get } from '../api.js';
import { field, h, replace, select, time } from '../dom.js';
import { ACTION_LABELS, Pager, actionLabel, describeChange, empty, errorBox, table, userLabel, users } from '../widgets.js';

const PAGE_SIZE = 20;

function entityCell(event, directory) {
  if (event.entityType === 'ticket' && event.entityId !== '0') {
    return h('a', { href: `#/tickets/${event.entityId}`, text: `ticket #${event.entityId}` });
  }
  if (event.entityType === 'user' && directory?.has(event.entityId)) {
    return `user ${userLabel(directory, event.entityId)}`;
  }
  return `${event.entityType} #${event.entityId}`;
}

export function renderAudit(ctx) {
  const root = ctx.page('Audit log', 'Audit log');
  const errors = errorBox();
  const results = h('div', { className: 'results' });
  let directory = new Map();
  let filters = {};

  const actor = select([['', 'Anyone']], { className: 'input', name: 'actorId' });
  const action = select([['', 'Any action'], ...Object.entries(ACTION_LABELS)], { className: 'input', name: 'action' });
  const entityType = select([['', 'Any'], ['ticket', 'Ticket'], ['user', 'User']], { className: 'input', name: 'entityType' });
  const entityId = h('input', { type: 'text', className: 'input', name: 'entityId', inputMode: 'numeric', pattern: '[0-9]*', autocomplete: 'off' });

  const pager = new Pager(async (pageToken) => {
    errors.clear();
    try {
      const page = await get('/v1/auditEvents', { ...filters, pageSize: PAGE_SIZE, pageToken });
      if (!ctx.isCurrent()) return undefined;
      const events = page.auditEvents || [];
      replace(results, events.length === 0 ? empty('No audit events match.')
        : table('Audit events', ['When', 'Actor', 'Action', 'Entity', 'Change'], events.map((event) => h('tr', {},
          h('td', {}, time(event.createTime)),
          h('td', { text: userLabel(directory, event.actorId) }),
          h('td', {}, h('code', { text: event.action }), h('span', { className: 'visually-hidden', text: ` (${actionLabel(event.action)})` })),
          h('td', {}, entityCell(event, directory)),
          h('td', { className: 'change', text: describeChange(event, directory) || '—' }))), 'table-audit'));
      return page.nextPageToken || '';
    } catch (error) {
      errors.show(error);
      return undefined;
    }
  }, 'Audit pages');

  const form = h('form', { className: 'filters', role: 'search', aria: { label: 'Filter audit events' } },
    field('Actor', actor),
    field('Action', action),
    field('Entity type', entityType),
    field('Entity id', entityId),
    h('div', { className: 'filters-actions' }, h('button', { type: 'submit', className: 'button', text: 'Filter' })));
  const apply = () => {
    filters = { actorId: actor.value, action: action.value, entityType: entityType.value, entityId: entityId.value.trim() };
    pager.reset();
  };
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    apply();
  });
  for (const control of [actor, action, entityType]) control.addEventListener('change', apply);

  root.appendChild(h('section', { className: 'card', aria: { label: 'Audit events' } }, form, errors, results, pager.element));
  (async () => {
    try {
      directory = await users();
      const sorted = [...directory.values()].sort((a, b) => (a.name || a.email).localeCompare(b.name || b.email));
      for (const user of sorted) actor.appendChild(h('option', { value: user.id, text: `${user.name || user.email} (${user.email})` }));
    } catch (error) {
      errors.show(error);
    }
    if (ctx.isCurrent()) pager.reset();
  })();
}
