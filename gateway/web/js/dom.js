// Small DOM helpers. Text from the API only ever goes in through
// textContent (h() children and the `text` attribute), never as HTML.

let idCounter = 0;

/** A unique element id with a readable prefix. */
export function uid(prefix) {
  idCounter += 1;
  return `${prefix}-${idCounter}`;
}

/**
 * Creates an element. `attrs`: properties such as `className`, `type`,
 * `value`, `disabled`, `hidden`; `on*` functions become listeners
 * (onclick → click); `dataset` and `aria` objects set data-* and aria-*;
 * anything else is set as an attribute. Children are nodes or strings
 * (text); null, undefined and false are skipped; arrays are flattened.
 */
export function h(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith('on') && typeof value === 'function') {
      node.addEventListener(key.slice(2).toLowerCase(), value);
    } else if (key === 'dataset') {
      Object.assign(node.dataset, value);
    } else if (key === 'aria') {
      for (const [name, v] of Object.entries(value)) node.setAttribute(`aria-${name}`, String(v));
    } else if (key === 'text') {
      node.textContent = String(value);
    } else if (key in node && typeof node[key] !== 'function' && !key.includes('-')) {
      node[key] = value;
    } else {
      node.setAttribute(key, value === true ? '' : String(value));
    }
  }
  append(node, children);
  return node;
}

function append(node, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(node, child);
    else if (child instanceof Node) node.appendChild(child);
    else node.appendChild(document.createTextNode(String(child)));
  }
}

/** Replaces every child of `node`. */
export function replace(node, ...children) {
  node.replaceChildren();
  append(node, children);
  return node;
}

/** A labelled form field: <div class="field"><label>…</label>control hint</div>. */
export function field(labelText, control, hint) {
  if (!control.id) control.id = uid('f');
  const parts = [h('label', { htmlFor: control.id, text: labelText }), control];
  if (hint) {
    if (!hint.id) hint.id = uid('hint');
    const described = control.getAttribute('aria-describedby');
    control.setAttribute('aria-describedby', described ? `${described} ${hint.id}` : hint.id);
    parts.push(hint);
  }
  return h('div', { className: 'field' }, parts);
}

/** A <select> from [value, label] pairs. */
export function select(options, attrs = {}) {
  return h('select', attrs, options.map(([value, label]) => h('option', { value, text: label })));
}

/** Words as the services count them: runs of non-(ASCII-)space bytes. */
export function countWords(text) {
  const words = text.split(/[ \t\n\v\f\r]+/).filter((word) => word !== '');
  return words.length;
}

const dateFormat = new Intl.DateTimeFormat(undefined, {
  dateStyle: 'medium',
  timeStyle: 'short',
});

/** An RFC 3339 timestamp as a <time> element ('—' when missing). */
export function time(value) {
  if (!value) return h('span', { text: '—' });
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return h('span', { text: value });
  return h('time', { dateTime: value, title: date.toISOString(), text: dateFormat.format(date) });
}

export const STATUS_LABELS = {
  OPEN: 'Open',
  IN_PROGRESS: 'In progress',
  RESOLVED: 'Resolved',
};

/** A status badge (the text says the status; colour only repeats it). */
export function statusBadge(status) {
  return h('span', {
    className: `badge badge-${String(status).toLowerCase().replace(/_/g, '-')}`,
    text: STATUS_LABELS[status] || status,
  });
}

/** Moves keyboard focus to the page's main heading (after navigation). */
export function focusHeading(root) {
  const heading = root.querySelector('h1');
  if (heading) {
    heading.tabIndex = -1;
    heading.focus({ preventScroll: false });
  }
}
