// People (operators only): create users, grant them sites as owner or
// viewer, take grants back, reset passwords and remove users, and sign
// everyone out at once.
import { api, type ApiError } from './api.ts';
import { announce, clear, h, scroller } from './dom.ts';
import { showFieldErrors } from './account.ts';
import { field, signedOut, type Ctx } from './main.ts';
import { copyButton } from './setup.ts';

interface UserRow {
  id: string;
  email: string;
  operator: boolean;
  created_at: string;
  grants: { site_id: string; site_name: string; role: 'owner' | 'viewer' }[];
}

export async function usersView(c: Ctx) {
  document.title = 'People · Samtykke';
  const my = c.seq;
  const { users } = await api<{ users: UserRow[] }>('GET', '/users');
  await c.refreshSites();
  if (my != c.seq) return;

  const email = h('input', { id: 'u-email', type: 'email', autocomplete: 'off' });
  const pw = h('input', { id: 'u-password', type: 'password', autocomplete: 'new-password' });
  const op = h('input', { id: 'u-operator', type: 'checkbox' });
  const site = h(
    'select',
    { id: 'u-site' },
    h('option', { value: '' }, 'No site yet'),
    c.sites.map((s) => h('option', { value: s.id }, s.name)),
  );
  const role = h(
    'select',
    { id: 'u-role' },
    h('option', { value: 'viewer' }, 'Viewer: sees the numbers'),
    h('option', { value: 'owner' }, 'Owner: may also change the setup'),
  );
  const status = h('p', { class: 'status', role: 'status' });
  const create = h(
    'form',
    { class: 'card', novalidate: true, id: 'user-form', 'aria-labelledby': 'new-user-h' },
    h('h2', { id: 'new-user-h' }, 'Add a person'),
    h(
      'div',
      { class: 'grid2 tight' },
      field('u-email', 'E-mail address', email),
      field('u-password', 'Password', pw, 'At least 10 characters. Give it to the person in a safe way; they can keep it.'),
    ),
    h('div', { class: 'grid2 tight' }, field('u-site', 'Site', site), field('u-role', 'Role on the site', role)),
    h('div', { class: 'field check' }, op, h('label', { for: 'u-operator' }, 'Operator: sees every site and manages people')),
    h('div', { class: 'form-actions' }, h('button', { type: 'submit', class: 'primary' }, 'Add person'), status),
  );
  create.addEventListener('submit', async (e) => {
    e.preventDefault();
    for (const el of create.querySelectorAll('.field-error')) el.textContent = '';
    try {
      await api('POST', '/users', {
        email: email.value,
        password: pw.value,
        operator: op.checked,
        grants: site.value ? [{ site_id: site.value, role: role.value }] : [],
      });
      announce('Person added.');
      await usersView(c);
    } catch (x) {
      const ae = x as ApiError;
      for (const f of ae.fields || []) {
        const id = f.field == 'email' ? 'u-email' : f.field == 'password' ? 'u-password' : f.field.includes('site') ? 'u-site' : 'u-role';
        document.getElementById(id + '-error')!.textContent = f.message;
        document.getElementById(id)?.setAttribute('aria-invalid', 'true');
      }
      status.textContent = ae.fields?.length ? '' : ae.message;
      (create.querySelector('[aria-invalid="true"]') as HTMLElement | null)?.focus();
    }
  });

  // Inviting: the person sets their own password through a one-time link,
  // so no password passes through the operator.
  const iEmail = h('input', { id: 'inv-email', type: 'email', autocomplete: 'off' });
  const iOp = h('input', { id: 'inv-operator', type: 'checkbox' });
  const iSite = h(
    'select',
    { id: 'inv-site' },
    h('option', { value: '' }, 'No site yet'),
    c.sites.map((s) => h('option', { value: s.id }, s.name)),
  );
  const iRole = h(
    'select',
    { id: 'inv-role' },
    h('option', { value: 'viewer' }, 'Viewer: sees the numbers'),
    h('option', { value: 'owner' }, 'Owner: may also change the setup'),
  );
  const iStatus = h('p', { class: 'status', role: 'status' });
  const iResult = h('div', { id: 'invite-result', 'aria-live': 'polite' });
  const inviteForm = h(
    'form',
    { class: 'card', novalidate: true, id: 'invite-form', 'aria-labelledby': 'invite-h' },
    h('h2', { id: 'invite-h' }, 'Invite a person'),
    h(
      'p',
      { class: 'muted small' },
      'Makes a link for this address. The person opens it and chooses their own password, once, within 7 days. The link is shown only here, only now.',
    ),
    h('div', { class: 'grid2 tight' }, field('inv-email', 'E-mail address', iEmail), h('div', {})),
    h('div', { class: 'grid2 tight' }, field('inv-site', 'Site', iSite), field('inv-role', 'Role on the site', iRole)),
    h('div', { class: 'field check' }, iOp, h('label', { for: 'inv-operator' }, 'Operator: sees every site and manages people')),
    h('div', { class: 'form-actions' }, h('button', { type: 'submit', class: 'primary' }, 'Create invitation link'), iStatus),
    iResult,
  );
  inviteForm.addEventListener('submit', async (e) => {
    e.preventDefault();
    iStatus.textContent = '';
    clear(iResult);
    showFieldErrors(inviteForm, []);
    try {
      const inv = await api<{ email: string; url: string; expires_at: string }>('POST', '/users/invites', {
        email: iEmail.value,
        operator: iOp.checked,
        grants: iSite.value ? [{ site_id: iSite.value, role: iRole.value }] : [],
      });
      const until = new Date(inv.expires_at).toLocaleString('en-GB', { dateStyle: 'long', timeStyle: 'short' });
      clear(
        iResult,
        h(
          'div',
          { class: 'notice invite-link' },
          h(
            'p',
            {},
            `Give this link to ${inv.email} yourself (consentd sends no e-mail). It works once, until ${until}, and is not shown again:`,
          ),
          h(
            'div',
            { class: 'tag' },
            h('code', { id: 'invite-link' }, inv.url),
            copyButton(() => inv.url, 'Copy link'),
          ),
        ),
      );
      inviteForm.reset();
      announce(`Invitation link made for ${inv.email}.`);
    } catch (x) {
      const ae = x as ApiError;
      const errs: [string, string][] = (ae.fields || []).map((f) => [
        f.field == 'email' ? 'inv-email' : f.field.endsWith('site_id') ? 'inv-site' : 'inv-role',
        f.message,
      ]);
      if (errs.length) showFieldErrors(inviteForm, errs);
      else iStatus.textContent = ae.message;
    }
  });

  const act = async (fn: () => Promise<unknown>, msg: string) => {
    try {
      await fn();
      announce(msg);
      await usersView(c);
    } catch (x) {
      status.textContent = (x as ApiError).message;
    }
  };
  const rows = users.map((u) => {
    const grantSite = h(
      'select',
      { 'aria-label': `Site to grant ${u.email}` },
      c.sites.map((s) => h('option', { value: s.id }, s.name)),
    );
    const grantRole = h(
      'select',
      { 'aria-label': `Role for ${u.email}` },
      h('option', { value: 'viewer' }, 'Viewer'),
      h('option', { value: 'owner' }, 'Owner'),
    );
    const grantBtn = h('button', { type: 'button' }, 'Grant');
    grantBtn.addEventListener('click', () =>
      act(() => api('PUT', `/users/${u.id}/grants/${encodeURIComponent(grantSite.value)}`, { role: grantRole.value }), 'Site granted.'),
    );
    const del = h('button', { type: 'button', class: 'danger' }, 'Remove');
    del.addEventListener('click', () => {
      if (confirm(`Remove ${u.email}? They can no longer sign in.`)) act(() => api('DELETE', `/users/${u.id}`), 'Person removed.');
    });
    const reset = h('button', { type: 'button', 'aria-label': `New password for ${u.email}` }, 'New password');
    reset.addEventListener('click', () =>
      resetDialog(u, async () => {
        await usersView(c);
        const done = document.getElementById('people-status');
        if (done) done.textContent = `New password set for ${u.email}; their sessions ended.`;
      }),
    );
    return h(
      'tr',
      { 'data-user': u.email },
      h('th', { scope: 'row' }, u.email, u.operator ? h('span', { class: 'badge owner' }, 'operator') : null),
      h(
        'td',
        {},
        u.grants.length
          ? h(
              'ul',
              { class: 'grants' },
              u.grants.map((g) => {
                const rm = h(
                  'button',
                  { type: 'button', class: 'link', 'aria-label': `Remove ${g.site_name || g.site_id} from ${u.email}` },
                  'Remove',
                );
                rm.addEventListener('click', () =>
                  act(() => api('DELETE', `/users/${u.id}/grants/${encodeURIComponent(g.site_id)}`), 'Grant removed.'),
                );
                return h('li', {}, `${g.site_name || g.site_id} · ${g.role} `, rm);
              }),
            )
          : h('span', { class: 'muted' }, u.operator ? 'Every site' : 'No sites'),
      ),
      h('td', {}, c.sites.length ? h('div', { class: 'inline-controls' }, grantSite, grantRole, grantBtn) : null),
      h('td', {}, h('div', { class: 'inline-controls' }, reset, del)),
    );
  });
  const endAll = h('button', { type: 'button', class: 'danger', id: 'end-sessions' }, 'Sign everyone out');
  const endStatus = h('p', { class: 'status', role: 'status' });
  endAll.addEventListener('click', async () => {
    if (!confirm('Sign everyone out of the dashboard, you too?')) return;
    try {
      await api('DELETE', '/users/sessions');
      signedOut('Everyone was signed out of the dashboard, you too. Sign in again.');
    } catch (x) {
      endStatus.textContent = (x as ApiError).message;
    }
  });
  const sessions = h(
    'section',
    { class: 'card', 'aria-labelledby': 'sessions-h' },
    h('h2', { id: 'sessions-h' }, 'Sessions'),
    h(
      'p',
      {},
      'Ends every signed-in dashboard session at once, yours too: for when a session may have been stolen, on a shared computer or with a leaked cookie. Sessions opened with the admin token also end when SAMTYKKE_ADMIN_TOKEN changes.',
    ),
    h('div', { class: 'form-actions' }, endAll, endStatus),
  );
  clear(
    c.main,
    h('div', { class: 'page-head' }, h('h1', {}, 'People')),
    inviteForm,
    create,
    h(
      'section',
      { class: 'card', 'aria-labelledby': 'people-h' },
      h('h2', { id: 'people-h' }, 'Everyone who can sign in'),
      h('p', { class: 'status', role: 'status', id: 'people-status' }),
      users.length
        ? scroller(
            'People',
            h(
              'table',
              { id: 'users-table' },
              h(
                'thead',
                {},
                h(
                  'tr',
                  {},
                  ['Person', 'Sites', 'Grant a site', ''].map((t) => h('th', { scope: 'col' }, t)),
                ),
              ),
              h('tbody', {}, rows),
            ),
          )
        : h('p', { class: 'muted' }, 'Nobody yet. Add the first person above.'),
    ),
    sessions,
  );
}

/** The operator sets a new password for someone in a modal dialog: typed
 * masked (it can be shown on purpose), never in a browser prompt(), which
 * shows it in clear and cannot say what was wrong with it. */
function resetDialog(u: UserRow, done: () => Promise<void>) {
  document.getElementById('reset-dialog')?.remove();
  const pw = h('input', { id: 'reset-password', type: 'password', autocomplete: 'new-password' });
  const show = h('input', { id: 'reset-show', type: 'checkbox' });
  show.addEventListener('change', () => (pw.type = show.checked ? 'text' : 'password'));
  const submit = h('button', { type: 'submit', class: 'primary' }, 'Set password');
  const cancel = h('button', { type: 'button' }, 'Cancel');
  const status = h('p', { class: 'status', role: 'status' });
  const form = h(
    'form',
    { novalidate: true },
    h('h2', { id: 'reset-h' }, `New password for ${u.email}`),
    field('reset-password', 'New password', pw, 'At least 10 characters. Every session of theirs ends; give it to them in a safe way.'),
    h('div', { class: 'field check' }, show, h('label', { for: 'reset-show' }, 'Show the password')),
    h('div', { class: 'form-actions' }, submit, cancel, status),
  );
  const dlg = h('dialog', { id: 'reset-dialog', class: 'dialog', 'aria-labelledby': 'reset-h' }, form);
  cancel.addEventListener('click', () => dlg.close());
  dlg.addEventListener('close', () => dlg.remove());
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    status.textContent = '';
    showFieldErrors(form, []);
    submit.disabled = true;
    try {
      await api('PATCH', `/users/${u.id}`, { password: pw.value });
      dlg.close();
      announce(`New password set for ${u.email}.`);
      await done();
    } catch (x) {
      const ae = x as ApiError;
      const fe = ae.fields?.find((f) => f.field == 'password');
      if (fe) showFieldErrors(form, [['reset-password', fe.message]]);
      else status.textContent = ae.message;
    } finally {
      submit.disabled = false;
    }
  });
  document.body.append(dlg);
  dlg.showModal();
  pw.focus();
}
