// Hash routing: #/tickets, #/tickets/12, #/admin, #/audit, #/inbox, #/jobs,
// #/signin. A route is a pattern with :params; query parameters after '?'
// in the hash keep a page's filters in the address (and the history).

const routes = [];

/** Registers `render(params, query)` for `pattern`, e.g. '/tickets/:id'. */
export function route(pattern, render) {
  const names = [];
  const regex = new RegExp(
    `^${pattern.replace(/:([a-zA-Z]+)/g, (_, name) => {
      names.push(name);
      return '([^/]+)';
    })}$`,
  );
  routes.push({ regex, names, render });
}

/** The current hash as { path, query } ('/' when empty). */
export function current() {
  const hash = window.location.hash.replace(/^#/, '') || '/';
  const [path, search = ''] = hash.split('?');
  return { path: path || '/', query: new URLSearchParams(search) };
}

/** Finds the route for `path`: { render, params } or null. */
export function match(path) {
  for (const { regex, names, render } of routes) {
    const found = regex.exec(path);
    if (found) {
      const params = {};
      names.forEach((name, i) => {
        params[name] = decodeURIComponent(found[i + 1]);
      });
      return { render, params };
    }
  }
  return null;
}

/** Goes to `path` with `query` (an object; empty values left out). */
export function navigate(path, query = {}, { replace = false } = {}) {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined && value !== null && value !== '') search.set(key, value);
  }
  const text = search.toString();
  const hash = `#${path}${text ? `?${text}` : ''}`;
  if (window.location.hash === hash) {
    window.dispatchEvent(new HashChangeEvent('hashchange'));
  } else if (replace) {
    window.location.replace(hash);
  } else {
    window.location.hash = hash;
  }
}
