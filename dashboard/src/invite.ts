// The invitation page (#/invite/<token>), shown without a session: the
// invited person sets their own password once, and is signed in. The token
// stays in the URL's fragment, which is never sent to the server, and goes
// to the API in request bodies only.
import { api, type ApiError, type Session } from './api.ts';
import { clear, h } from './dom.ts';
import { showFieldErrors } from './account.ts';
import { field, logo } from './main.ts';

export function inviteToken(hash: string): string | null {
  const m = /^#\/invite\/([A-Za-z0-9_-]+)$/.exec(hash);
  return m ? m[1] : null;
}

export async function inviteView(root: HTMLElement, token: string, signedIn: (s: Session) => Promise<void>) {
  document.title = 'Set your password · Samtykke';
  const card = h('div', { class: 'card narrow login' }, h('div', { class: 'brand big' }, logo(), h('span', {}, 'Samtykke')));
  clear(root, h('main', { class: 'center', id: 'main' }, card));
  let email = '';
  try {
    ({ email } = await api<{ email: string; expires_at: string }>('POST', '/invites/lookup', { token }));
  } catch (x) {
    card.append(
      h('h1', {}, 'This link does not work'),
      h('p', { id: 'invite-error' }, (x as ApiError).message.replace(/^./, (c) => c.toUpperCase()) + '.'),
      h('p', {}, h('a', { href: '#/' }, 'Go to the sign-in page')),
    );
    return;
  }
  const pw = h('input', { id: 'i-password', type: 'password', autocomplete: 'new-password' });
  const repeat = h('input', { id: 'i-repeat', type: 'password', autocomplete: 'new-password' });
  const submit = h('button', { type: 'submit', class: 'primary wide' }, 'Create my account');
  const status = h('p', { class: 'form-error', role: 'alert', id: 'invite-status' });
  const form = h(
    'form',
    { novalidate: true, id: 'invite-form' },
    h('h1', {}, 'Set your password'),
    h('p', {}, `You were invited to the consent dashboard as ${email}. Choose a password; this link works only once.`),
    h('input', {
      type: 'email',
      autocomplete: 'username',
      value: email,
      hidden: true,
      readonly: true,
      tabindex: -1,
      'aria-hidden': 'true',
    }),
    field('i-password', 'Password', pw, 'At least 10 characters; a few unrelated words make a good one.'),
    field('i-repeat', 'Password again', repeat),
    status,
    submit,
  );
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    status.textContent = '';
    if (pw.value && pw.value != repeat.value) {
      showFieldErrors(form, [['i-repeat', 'is not the same as the password']]);
      return;
    }
    showFieldErrors(form, []);
    submit.disabled = true;
    try {
      await api('POST', '/invites/accept', { token, password: pw.value });
      // The link is spent: take it out of the address bar and history.
      history.replaceState(null, '', location.pathname);
      const s = await api<Session>('POST', '/login', { email, password: pw.value });
      await signedIn(s);
    } catch (x) {
      const ae = x as ApiError;
      const fe = ae.fields?.find((f) => f.field == 'password');
      if (fe) showFieldErrors(form, [['i-password', fe.message]]);
      else status.textContent = ae.message.replace(/^./, (c) => c.toUpperCase()) + '.';
    } finally {
      submit.disabled = false;
    }
  });
  card.append(form);
  pw.focus();
}
