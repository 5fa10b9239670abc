// Sign in and register.

import { post } from '../api.js';
import { field, h } from '../dom.js';
import { errorBox } from '../widgets.js';

function input(attrs) {
  return h('input', { className: 'input', required: true, ...attrs });
}

function card(ctx, title, ...children) {
  const root = ctx.page(title);
  root.classList.add('auth-page');
  root.appendChild(h('section', { className: 'card auth-card' }, h('h1', { text: title }), ...children));
  return root;
}

/** Submitting state: disables the button while the request runs. */
async function submitting(button, work) {
  const label = button.textContent;
  button.disabled = true;
  button.textContent = `${label}…`;
  try {
    await work();
  } finally {
    button.disabled = false;
    button.textContent = label;
  }
}

export function renderSignIn(ctx, onSignedIn) {
  const email = input({ type: 'email', name: 'email', autocomplete: 'username', inputMode: 'email' });
  const password = input({ type: 'password', name: 'password', autocomplete: 'current-password' });
  const errors = errorBox();
  const button = h('button', { type: 'submit', className: 'button button-primary', text: 'Sign in' });
  const form = h('form', { className: 'form', noValidate: false },
    field('Email', email),
    field('Password', password),
    errors,
    h('div', { className: 'form-actions' }, button));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    errors.clear();
    submitting(button, async () => {
      try {
        const { user } = await post('/v1/auth/login', { email: email.value.trim(), password: password.value });
        onSignedIn(user, ctx.query.get('next'));
      } catch (error) {
        errors.show(error);
        password.select();
      }
    });
  });
  card(ctx, 'Sign in', form,
    h('p', { className: 'muted' }, 'New here? ', h('a', { href: '#/register', text: 'Create an account' }), '.'));
  email.focus();
}

export function renderRegister(ctx, onSignedIn) {
  const name = input({ type: 'text', name: 'name', autocomplete: 'name' });
  const email = input({ type: 'email', name: 'email', autocomplete: 'email', inputMode: 'email' });
  const password = input({ type: 'password', name: 'password', autocomplete: 'new-password', minLength: 8 });
  const errors = errorBox();
  const button = h('button', { type: 'submit', className: 'button button-primary', text: 'Create account' });
  const form = h('form', { className: 'form' },
    field('Name', name),
    field('Email', email),
    field('Password', password, h('p', { className: 'hint', text: 'At least 8 characters.' })),
    errors,
    h('div', { className: 'form-actions' }, button));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    errors.clear();
    submitting(button, async () => {
      try {
        await post('/v1/auth/register', { name: name.value.trim(), email: email.value.trim(), password: password.value });
        const { user } = await post('/v1/auth/login', { email: email.value.trim(), password: password.value });
        onSignedIn(user);
        ctx.announce(`Welcome, ${user.name || user.email}. Your account is ready.`, 'success', true);
      } catch (error) {
        errors.show(error);
      }
    });
  });
  card(ctx, 'Create an account', form,
    h('p', { className: 'muted' }, 'Already registered? ', h('a', { href: '#/signin', text: 'Sign in' }), '.'));
  name.focus();
}
