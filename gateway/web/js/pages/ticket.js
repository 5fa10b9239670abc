// One ticket: its fields; the owner edits title and description; admins
// change status and assignee, read and add internal notes, and see the
// ticket's audit history.

import { get, patch, post } from '../api.js';
import { field, h, replace, select, statusBadge, time, STATUS_LABELS } from '../dom.js';
import { BODY_WORDS, TITLE_WORDS, actionLabel, admins, describeChange, errorBox, userLabel, users, wordCounted } from '../widgets.js';

function facts(ticket) {
  const row = (term, value) => [h('dt', { text: term }), h('dd', {}, value)];
  return h('dl', { className: 'facts' },
    row('Status', statusBadge(ticket.status)),
    row('Requester', `${ticket.requesterName || ''}${ticket.requesterEmail ? ` <${ticket.requesterEmail}>` : ''}`.trim() || `#${ticket.requesterId}`),
    row('Assignee', ticket.assigneeName || (ticket.assigneeId !== '0' ? `#${ticket.assigneeId}` : 'Unassigned')),
    row('Created', time(ticket.createTime)),
    row('Updated', time(ticket.updateTime)),
    ticket.escalateTime ? row('Escalated', time(ticket.escalateTime)) : null);
}

function editForm(ctx, ticket, onSaved) {
  const title = h('input', { type: 'text', className: 'input', name: 'title', value: ticket.title, required: true });
  const body = h('textarea', { className: 'input', name: 'body', rows: 6, required: true });
  body.value = ticket.body;
  const titleCount = wordCounted(title, TITLE_WORDS);
  const bodyCount = wordCounted(body, BODY_WORDS);
  const errors = errorBox();
  const form = h('form', { className: 'form', aria: { label: 'Edit ticket' } },
    field('Title', title, titleCount.counter),
    field('Description', body, bodyCount.counter),
    errors,
    h('div', { className: 'form-actions' },
      h('button', { type: 'submit', className: 'button button-primary', text: 'Save changes' }),
      h('button', { type: 'button', className: 'button', text: 'Cancel', onclick: () => onSaved(null) })));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    errors.clear();
    const changes = {};
    if (title.value.trim() !== ticket.title) changes.title = title.value.trim();
    if (body.value.trim() !== ticket.body) changes.body = body.value.trim();
    if (Object.keys(changes).length === 0) {
      onSaved(null);
      return;
    }
    try {
      const saved = await patch(`/v1/tickets/${ticket.id}`, changes);
      ctx.announce('Ticket saved.', 'success');
      onSaved(saved);
    } catch (error) {
      errors.show(error);
    }
  });
  setTimeout(() => title.focus(), 0);
  return form;
}

async function adminPanel(ctx, ticket, reload) {
  const errors = errorBox();
  const status = select(Object.entries(STATUS_LABELS), { className: 'input', name: 'status' });
  status.value = ticket.status;
  const statusForm = h('form', { className: 'inline-form' },
    field('Status', status),
    h('button', { type: 'submit', className: 'button', text: 'Change status' }));
  statusForm.addEventListener('submit', async (event) => {
    event.preventDefault();
    errors.clear();
    if (status.value === ticket.status) return;
    try {
      await patch(`/v1/tickets/${ticket.id}`, { status: status.value });
      ctx.announce(`Status changed to ${STATUS_LABELS[status.value]}.`, 'success');
      reload();
    } catch (error) {
      errors.show(error);
    }
  });

  const assignee = select([['0', 'Unassigned']], { className: 'input', name: 'assignee' });
  const assignForm = h('form', { className: 'inline-form' },
    field('Assignee', assignee),
    h('button', { type: 'submit', className: 'button', text: 'Assign' }));
  try {
    for (const admin of await admins()) {
      assignee.appendChild(h('option', { value: admin.id, text: admin.name || admin.email }));
    }
  } catch (error) {
    errors.show(error);
  }
  assignee.value = ticket.assigneeId || '0';
  assignForm.addEventListener('submit', async (event) => {
    event.preventDefault();
    errors.clear();
    try {
      const saved = await post(`/v1/tickets/${ticket.id}:assign`, { assigneeId: assignee.value });
      ctx.announce(saved.assigneeName ? `Assigned to ${saved.assigneeName}.` : 'Ticket unassigned.', 'success');
      reload();
    } catch (error) {
      errors.show(error);
    }
  });

  // Notes.
  const notes = (ticket.notes || []).map((note) => h('li', { className: 'note' },
    h('p', { className: 'note-meta' }, h('strong', { text: note.authorName || `#${note.authorId}` }), ' · ', time(note.createTime)),
    h('p', { className: 'note-body', text: note.body })));
  const noteBody = h('textarea', { className: 'input', name: 'note', rows: 3, required: true });
  const noteErrors = errorBox();
  const noteForm = h('form', { className: 'form' },
    field('New internal note', noteBody),
    noteErrors,
    h('div', { className: 'form-actions' }, h('button', { type: 'submit', className: 'button', text: 'Add note' })));
  noteForm.addEventListener('submit', async (event) => {
    event.preventDefault();
    noteErrors.clear();
    try {
      await post(`/v1/tickets/${ticket.id}/notes`, { body: noteBody.value.trim() });
      ctx.announce('Note added.', 'success');
      reload();
    } catch (error) {
      noteErrors.show(error);
    }
  });

  // History.
  let directory = null;
  try {
    directory = await users();
  } catch {
    // Names fall back to ids.
  }
  const history = (ticket.history || []).map((event) => h('li', { className: 'history-item' },
    h('p', { className: 'note-meta' }, time(event.createTime), ' · ', h('strong', { text: userLabel(directory, event.actorId) })),
    h('p', { text: `${actionLabel(event.action)}${describeChange(event, directory) ? `: ${describeChange(event, directory)}` : ''}` })));

  return [
    h('section', { className: 'card', aria: { labelledby: 'triage-heading' } },
      h('h2', { id: 'triage-heading', text: 'Triage' }),
      h('div', { className: 'triage' }, statusForm, assignForm), errors),
    h('section', { className: 'card', aria: { labelledby: 'notes-heading' } },
      h('h2', { id: 'notes-heading', text: 'Internal notes' }),
      notes.length ? h('ul', { className: 'notes' }, notes) : h('p', { className: 'empty', text: 'No notes yet.' }),
      noteForm),
    h('section', { className: 'card', aria: { labelledby: 'history-heading' } },
      h('h2', { id: 'history-heading', text: 'History' }),
      history.length ? h('ol', { className: 'history' }, history) : h('p', { className: 'empty', text: 'No history.' })),
  ];
}

export function renderTicket(ctx) {
  const { id } = ctx.params;
  const root = ctx.page(`Ticket #${id}`, `Ticket #${id}`);
  const heading = root.querySelector('h1');
  const errors = errorBox();
  const content = h('div', { className: 'stack' });
  root.append(h('p', { className: 'back' }, h('a', { href: ctx.isAdmin ? '#/admin' : '#/tickets', text: ctx.isAdmin ? '← All tickets' : '← My tickets' })), errors, content);

  const show = async (ticket) => {
    heading.textContent = `#${ticket.id} ${ticket.title}`;
    document.title = `#${ticket.id} ${ticket.title} · Helpdesk`;
    const own = ticket.requesterId === ctx.user.id;
    const details = h('section', { className: 'card', aria: { label: 'Details' } },
      facts(ticket),
      h('h2', { text: 'Description' }),
      h('p', { className: 'ticket-body', text: ticket.body }),
      own ? h('div', { className: 'form-actions' }, h('button', {
        type: 'button',
        className: 'button',
        text: 'Edit',
        onclick: () => replace(details, editForm(ctx, ticket, (saved) => (saved ? load() : show(ticket)))),
      })) : null);
    const panels = ctx.isAdmin ? await adminPanel(ctx, ticket, load) : [];
    if (ctx.isCurrent()) replace(content, details, panels);
  };

  async function load() {
    errors.clear();
    try {
      const ticket = await get(`/v1/tickets/${encodeURIComponent(id)}`, ctx.isAdmin ? { view: 'TICKET_VIEW_FULL' } : {});
      if (ctx.isCurrent()) await show(ticket);
    } catch (error) {
      if (ctx.isCurrent()) {
        replace(content);
        errors.show(error);
      }
    }
  }
  load();
}
