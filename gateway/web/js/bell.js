// The notifications bell: the unread count, kept live by the
// WatchNotifications stream (Server-Sent Events). Every event carries the
// current `unreadCount`; notifications are also announced to the page as a
// `helpdesk:notification` window event, so an open inbox can refresh.

import { get } from './api.js';

export class Bell {
  constructor(link, badge) {
    this.link = link;
    this.badge = badge;
    this.source = null;
    this.retryTimer = null;
    this.stopped = true;
  }

  start() {
    this.stopped = false;
    this.refresh();
    this.connect();
  }

  stop() {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    if (this.source) this.source.close();
    this.source = null;
    this.show(0);
  }

  /** Asks the API for the count (after marking read, or on reconnect). */
  async refresh() {
    try {
      const { count } = await get('/v1/notifications:unreadCount');
      if (!this.stopped) this.show(Number(count));
    } catch {
      // The stream (or the next page load) brings the count; a 401 is
      // handled by the API layer.
    }
  }

  show(count) {
    const n = Number.isFinite(count) && count > 0 ? count : 0;
    this.badge.textContent = n > 99 ? '99+' : String(n);
    this.badge.dataset.count = String(n);
    this.link.setAttribute('aria-label', n === 0 ? 'Notifications, none unread'
      : `Notifications, ${n} unread`);
  }

  connect() {
    if (this.stopped) return;
    const source = new EventSource('/v1/notifications:watch');
    this.source = source;
    source.onmessage = (event) => {
      let data;
      try {
        data = JSON.parse(event.data);
      } catch {
        return;
      }
      if (data.unreadCount !== undefined) this.show(Number(data.unreadCount));
      if (data.notification) {
        window.dispatchEvent(new CustomEvent('helpdesk:notification', { detail: data.notification }));
      }
    };
    source.onerror = () => {
      // EventSource retries by itself after a dropped stream; after a
      // refused one (an error status, e.g. 401) it gives up: check the
      // session (a 401 signs the page out) and try again later.
      if (source.readyState === EventSource.CLOSED && !this.stopped) {
        this.source = null;
        this.refresh();
        this.retryTimer = setTimeout(() => this.connect(), 5000);
      }
    };
    // The gateway ends a failed stream with `event: status`.
    source.addEventListener('status', () => {
      source.close();
      if (!this.stopped) {
        this.source = null;
        this.refresh();
        this.retryTimer = setTimeout(() => this.connect(), 3000);
      }
    });
  }
}
