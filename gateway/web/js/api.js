// The /v1 JSON API (proto3 JSON; ids are strings), over fetch with the
// HttpOnly session cookie, which page scripts never see.

/** An API failure: the HTTP status plus the google.rpc.Status body. */
export class ApiError extends Error {
  constructor(status, body, retryAfter) {
    super(body?.message || `HTTP ${status}`);
    this.name = 'ApiError';
    this.status = status;
    this.code = body?.code ?? 0;
    this.details = Array.isArray(body?.details) ? body.details : [];
    this.retryAfter = retryAfter;
  }
}

const unauthenticatedListeners = new Set();

/** Calls `listener(error)` whenever a request comes back 401. */
export function onUnauthenticated(listener) {
  unauthenticatedListeners.add(listener);
}

function queryString(params) {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(params || {})) {
    if (value === undefined || value === null || value === '') continue;
    query.set(key, String(value));
  }
  const text = query.toString();
  return text ? `?${text}` : '';
}

/**
 * One API call. `path` starts with /v1; `query` becomes the query string
 * (empty values left out); `body` is sent as JSON. Resolves to the parsed
 * JSON; rejects with ApiError (or a TypeError when the network failed).
 */
export async function call(method, path, { query, body, signal } = {}) {
  const init = {
    method,
    credentials: 'same-origin',
    headers: { Accept: 'application/json' },
    signal,
  };
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  const response = await fetch(`${path}${queryString(query)}`, init);
  const text = await response.text();
  let json = null;
  if (text) {
    try {
      json = JSON.parse(text);
    } catch {
      json = { message: text.slice(0, 200) };
    }
  }
  if (!response.ok) {
    const retry = Number.parseInt(response.headers.get('Retry-After') || '', 10);
    const error = new ApiError(response.status, json, Number.isFinite(retry) ? retry : undefined);
    if (response.status === 401) {
      for (const listener of unauthenticatedListeners) listener(error);
    }
    throw error;
  }
  return json || {};
}

export const get = (path, query) => call('GET', path, { query });
export const post = (path, body = {}) => call('POST', path, { body });
export const patch = (path, body) => call('PATCH', path, { body });

function fieldName(path) {
  const last = String(path || '').split('.').pop();
  return last ? last.charAt(0).toUpperCase() + last.slice(1).replace(/_/g, ' ') : '';
}

/**
 * An error in words for people: what went wrong and, where it helps, what
 * to do about it.
 */
export function describeError(error) {
  if (!(error instanceof ApiError)) {
    if (error?.name === 'AbortError') return 'The request was cancelled.';
    return 'Cannot reach the server. Check your connection and try again.';
  }
  if (error.status === 429) {
    const wait = error.retryAfter;
    const when = wait === undefined ? 'in a little while'
      : wait < 90 ? `in ${wait} second${wait === 1 ? '' : 's'}`
        : `in about ${Math.ceil(wait / 60)} minutes`;
    return `Too many attempts. Please try again ${when}.`;
  }
  const violations = [];
  for (const detail of error.details) {
    for (const violation of detail.fieldViolations || []) {
      const name = fieldName(violation.field);
      violations.push(name ? `${name}: ${violation.description}` : violation.description);
    }
  }
  const message = error.message ? error.message.charAt(0).toUpperCase() + error.message.slice(1) : '';
  const sentence = (text) => (/[.!?]$/.test(text) ? text : `${text}.`);
  if (violations.length > 0) {
    return `${sentence(message || 'Please check the form')} ${violations.map(sentence).join(' ')}`;
  }
  switch (error.status) {
    case 401:
      return message ? sentence(message) : 'Your session has ended. Please sign in again.';
    case 403:
      return message ? sentence(message) : 'You are not allowed to do that.';
    case 404:
      return message ? sentence(message) : 'Not found.';
    case 503:
      return 'The service is unavailable right now. Please try again shortly.';
    default:
      if (error.status >= 500) return 'Something went wrong on the server. Please try again.';
      return message ? sentence(message) : `The request failed (HTTP ${error.status}).`;
  }
}
