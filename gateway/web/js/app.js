// The Helpdesk web console: the shell (header, navigation, bell, sign-out),
// the session, and the routes. Pages live in js/pages/.

import { ApiError, describeError, get, onUnauthenticated, post } from './api.js';
import { Bell } from './bell.js';
import { focusHeading, h, replace } from './dom.js';
import { current, match, navigate, route } from './router.js';
import { forgetUsers } from './widgets.js';
import { renderAdminTickets } from './pages/admin.js';
import { renderAudit } from './pages/audit.js';
import { renderInbox } from './pages/inbox.js';
import { renderJobs } from './pages/jobs.js';
import { renderRegister, renderSignIn } from './pages/signin.js';
import { renderTicket } from './pages/ticket.js';
import { renderMyTickets } from './pages/tickets.js';

const main = document.getElementById('main');
const nav = document.getElementById('nav');
const session = document.getElementById('session');
const whoami = document.getElementById('whoami');
const flash = document.getElementById('flash');
const bell = new Bell(document.getElementById('bell'), document.getElementById('bell-count'));

const state = { user: null };

const isAdmin = () => state.user?.role === 'ADMIN';

const NAV = {
  USER: [['/tickets', 'My tickets'], ['/inbox', 'Inbox']],
  ADMIN: [['/admin', 'Tickets'], ['/audit', 'Audit log'], ['/jobs', 'Dead jobs'], ['/inbox', 'Inbox']],
};

// A message shown while navigating stays on the page navigated to.
let keepFlash = false;

/**
 * Shows a short message for everyone (screen readers too) until the user
 * moves to another page; `forNextPage`: until the one after that.
 */
export function announce(text, kind = 'info', forNextPage = false) {
  keepFlash = forNextPage && Boolean(text);
  replace(flash, text ? h('p', { className: `flash-message flash-${kind}`, text }) : null);
}

function homePath() {
  return isAdmin() ? '/admin' : '/tickets';
}

function updateChrome() {
  const user = state.user;
  nav.hidden = !user;
  session.hidden = !user;
  if (!user) {
    replace(nav);
    whoami.textContent = '';
    return;
  }
  replace(nav, (NAV[user.role] || NAV.USER).map(([path, label]) => h('a', { href: `#${path}`, dataset: { path }, text: label })));
  whoami.textContent = user.name || user.email;
  whoami.title = `${user.email} (${user.role === 'ADMIN' ? 'admin' : 'user'})`;
}

function signedIn(user, next) {
  state.user = user;
  updateChrome();
  bell.start();
  announce('');
  navigate(next && next !== '/signin' && next !== '/register' ? next : homePath(), {}, { replace: true });
}

function signedOut(message) {
  const next = current().path;
  state.user = null;
  bell.stop();
  forgetUsers();
  updateChrome();
  announce(message || '', message ? 'warning' : 'info', true);
  navigate('/signin', next.startsWith('/signin') || next === '/' ? {} : { next }, { replace: true });
}

async function signOut() {
  try {
    await post('/v1/auth/logout');
  } catch (error) {
    if (!(error instanceof ApiError && error.status === 401)) {
      announce(describeError(error), 'error');
      return;
    }
  }
  signedOut('You have signed out.');
}

function page(title, heading) {
  document.title = `${title} · Helpdesk`;
  const root = h('div', { className: 'page' });
  replace(main, root);
  if (heading) root.appendChild(h('h1', { text: heading }));
  return root;
}

function notFound(ctx) {
  const root = ctx.page('Not found', 'Page not found');
  root.appendChild(h('p', {}, 'There is nothing here. ', h('a', { href: `#${homePath()}`, text: 'Go to the start page' }), '.'));
}

function forbidden(ctx) {
  const root = ctx.page('Admins only', 'Admins only');
  root.appendChild(h('p', { text: 'This page is for admins.' }));
}

route('/signin', (ctx) => renderSignIn(ctx, signedIn));
route('/register', (ctx) => renderRegister(ctx, signedIn));
route('/tickets', renderMyTickets);
route('/tickets/:id', renderTicket);
route('/admin', (ctx) => (isAdmin() ? renderAdminTickets(ctx) : forbidden(ctx)));
route('/audit', (ctx) => (isAdmin() ? renderAudit(ctx) : forbidden(ctx)));
route('/jobs', (ctx) => (isAdmin() ? renderJobs(ctx) : forbidden(ctx)));
route('/inbox', renderInbox);

let renderCount = 0;

function render() {
  const { path, query } = current();
  const publicPage = path === '/signin' || path === '/register';
  if (!state.user && !publicPage) {
    navigate('/signin', path === '/' ? {} : { next: path }, { replace: true });
    return;
  }
  if (state.user && (publicPage || path === '/')) {
    navigate(homePath(), {}, { replace: true });
    return;
  }
  renderCount += 1;
  const id = renderCount;
  const found = match(path);
  const ctx = {
    user: state.user,
    isAdmin: isAdmin(),
    params: found?.params || {},
    query,
    announce,
    bell,
    // A fresh page container; `heading` becomes its <h1>.
    page,
    // False once the user has moved on (late answers are dropped).
    isCurrent: () => id === renderCount,
  };
  for (const link of nav.querySelectorAll('a')) {
    const active = path === link.dataset.path || path.startsWith(`${link.dataset.path}/`);
    if (active) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  const moved = path !== lastPath;
  if (moved && lastPath !== null) {
    if (keepFlash) keepFlash = false;
    else announce('');
  }
  lastPath = path;
  (found?.render || notFound)(ctx);
  // A new page: keyboard and screen-reader users start at its heading.
  if (moved && !publicPage) focusHeading(main);
}

let lastPath = null;

async function start() {
  onUnauthenticated(() => {
    if (state.user) signedOut('Your session has ended. Please sign in again.');
  });
  document.getElementById('sign-out').addEventListener('click', signOut);
  document.getElementById('skip-link').addEventListener('click', (event) => {
    event.preventDefault();
    focusHeading(main);
    if (document.activeElement === document.body) main.focus();
  });
  window.addEventListener('hashchange', render);
  try {
    state.user = await get('/v1/auth/me');
  } catch (error) {
    state.user = null;
    if (!(error instanceof ApiError && error.status === 401)) announce(describeError(error), 'error');
  }
  updateChrome();
  if (state.user) bell.start();
  render();
}

start();
