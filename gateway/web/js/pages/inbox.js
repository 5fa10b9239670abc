// Notifications: the inbox, unread only or all, mark read / unread / all.

import { get, post } from '../api.js';
import { h, replace, time } from '../dom.js';
import { Pager, empty, errorBox } from '../widgets.js';

const PAGE_SIZE = 20;

export function renderInbox(ctx) {
  const root = ctx.page('Inbox', 'Inbox');
  const errors = errorBox();
  const results = h('div', { className: 'results' });
  const unreadOnly = h('input', { type: 'checkbox', id: 'unread-only', name: 'unreadOnly' });
  const markAll = h('button', { type: 'button', className: 'button', text: 'Mark all read' });
  const summary = h('p', { className: 'muted summary', aria: { live: 'polite' } });

  const item = (notification) => {
    const toggle = h('button', {
      type: 'button',
      className: 'button button-small',
      text: notification.read ? 'Mark unread' : 'Mark read',
      aria: { label: `${notification.read ? 'Mark unread' : 'Mark read'}: ${notification.subject}` },
      onclick: async () => {
        errors.clear();
        toggle.disabled = true;
        try {
          await post(`/v1/notifications/${notification.id}:${notification.read ? 'markUnread' : 'markRead'}`);
          ctx.bell.refresh();
          await pager.go(pager.index);
        } catch (error) {
          errors.show(error);
          toggle.disabled = false;
        }
      },
    });
    return h('li', { className: `notification ${notification.read ? 'read' : 'unread'}`, dataset: { notificationId: notification.id } },
      h('div', { className: 'notification-text' },
        h('p', { className: 'notification-subject' },
          notification.read ? null : h('span', { className: 'dot', aria: { hidden: 'true' } }),
          notification.read ? null : h('span', { className: 'visually-hidden', text: 'Unread: ' }),
          notification.ticketId && notification.ticketId !== '0'
            ? h('a', { href: `#/tickets/${notification.ticketId}`, text: notification.subject })
            : notification.subject),
        h('p', { className: 'notification-message', text: notification.message }),
        h('p', { className: 'note-meta' }, time(notification.createTime))),
      toggle);
  };

  const pager = new Pager(async (pageToken) => {
    errors.clear();
    try {
      const page = await get('/v1/notifications', { unreadOnly: unreadOnly.checked || '', pageSize: PAGE_SIZE, pageToken });
      if (!ctx.isCurrent()) return undefined;
      const list = page.notifications || [];
      const unread = Number(page.unreadCount || 0);
      summary.textContent = unread === 0 ? 'Nothing unread.' : `${unread} unread.`;
      markAll.disabled = unread === 0;
      replace(results, list.length === 0 ? empty(unreadOnly.checked ? 'No unread notifications.' : 'No notifications yet.')
        : h('ul', { className: 'notifications' }, list.map(item)));
      return page.nextPageToken || '';
    } catch (error) {
      errors.show(error);
      return undefined;
    }
  }, 'Notification pages');

  markAll.addEventListener('click', async () => {
    errors.clear();
    try {
      const { updatedCount } = await post('/v1/notifications:markAllRead');
      ctx.announce(`${updatedCount || 0} marked read.`, 'success');
      ctx.bell.refresh();
      await pager.reset();
    } catch (error) {
      errors.show(error);
    }
  });
  unreadOnly.addEventListener('change', () => pager.reset());

  // New notifications arrive over the bell's stream.
  const onNotification = () => {
    if (!ctx.isCurrent()) {
      window.removeEventListener('helpdesk:notification', onNotification);
      return;
    }
    if (pager.index === 0) pager.go(0);
  };
  window.addEventListener('helpdesk:notification', onNotification);

  root.appendChild(h('section', { className: 'card', aria: { label: 'Notifications' } },
    h('div', { className: 'toolbar' },
      h('div', { className: 'checkbox' }, unreadOnly, h('label', { htmlFor: 'unread-only', text: 'Unread only' })),
      markAll),
    summary, errors, results, pager.element));
  pager.reset();
}
