// Your account: change your own password. The current one is asked for, so
// a session left open elsewhere cannot take the account over; every other
// session of yours ends, this one stays.
import { api, type ApiError } from './api.ts';
import { announce, clear, h } from './dom.ts';
import { field, type Ctx } from './main.ts';

/** Shows field errors next to their inputs and focuses the first. */
export function showFieldErrors(form: HTMLElement, errors: [id: string, message: string][]) {
  for (const el of form.querySelectorAll('.field-error')) el.textContent = '';
  for (const el of form.querySelectorAll('[aria-invalid]')) el.removeAttribute('aria-invalid');
  for (const [id, message] of errors) {
    const el = document.getElementById(id);
    const err = document.getElementById(id + '-error');
    if (!el || !err) continue;
    err.textContent = message.charAt(0).toUpperCase() + message.slice(1) + (/[.!]$/.test(message) ? '' : '.');
    el.setAttribute('aria-invalid', 'true');
    el.setAttribute(
      'aria-describedby',
      [...new Set([...(el.getAttribute('aria-describedby') || '').split(' ').filter(Boolean), id + '-error'])].join(' '),
    );
  }
  (form.querySelector('[aria-invalid="true"]') as HTMLElement | null)?.focus();
}

export function accountView(c: Ctx) {
  document.title = 'Your account · Samtykke';
  const current = h('input', { id: 'a-current', type: 'password', autocomplete: 'current-password' });
  const next = h('input', { id: 'a-new', type: 'password', autocomplete: 'new-password' });
  const repeat = h('input', { id: 'a-repeat', type: 'password', autocomplete: 'new-password' });
  const submit = h('button', { type: 'submit', class: 'primary' }, 'Change password');
  const status = h('p', { class: 'status', role: 'status', id: 'password-status' });
  const form = h(
    'form',
    { class: 'card narrow-form', novalidate: true, id: 'password-form', 'aria-labelledby': 'password-h' },
    h('h2', { id: 'password-h' }, 'Change your password'),
    // For password managers: which account the new password belongs to.
    h('input', {
      type: 'email',
      autocomplete: 'username',
      value: c.user.email,
      hidden: true,
      readonly: true,
      tabindex: -1,
      'aria-hidden': 'true',
    }),
    field('a-current', 'Current password', current),
    field('a-new', 'New password', next, 'At least 10 characters; a few unrelated words make a good one.'),
    field('a-repeat', 'New password again', repeat),
    h('p', { class: 'muted small' }, 'You stay signed in here; every other browser signed in as you is signed out.'),
    h('div', { class: 'form-actions' }, submit, status),
  );
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    status.textContent = '';
    if (next.value && next.value != repeat.value) {
      showFieldErrors(form, [['a-repeat', 'is not the same as the new password']]);
      return;
    }
    showFieldErrors(form, []);
    submit.disabled = true;
    try {
      await api('POST', '/password', { current_password: current.value, new_password: next.value });
      form.reset();
      status.textContent = 'Password changed. Every other browser signed in as you was signed out.';
      announce(status.textContent);
    } catch (x) {
      const ae = x as ApiError;
      const ids: Record<string, string> = { current_password: 'a-current', new_password: 'a-new' };
      const fs = (ae.fields || []).filter((f) => ids[f.field]);
      if (fs.length)
        showFieldErrors(
          form,
          fs.map((f) => [ids[f.field], f.message]),
        );
      else status.textContent = ae.message;
    } finally {
      submit.disabled = false;
    }
  });
  clear(
    c.main,
    h('div', { class: 'page-head' }, h('h1', {}, 'Your account')),
    h('p', { class: 'muted' }, `Signed in as ${c.user.email}.`),
    form,
  );
  c.focusMain();
}
