// The dashboard: sign-in, the site list, and per site the consent rates,
// the setup and the receipts. One page, routed by the URL hash, so a range
// change or a tab switch never reloads it.
import { api, ApiError, setCSRF, setOnSignedOut, type Session, type User } from './api.ts';
import { accountView } from './account.ts';
import { inviteToken, inviteView } from './invite.ts';
import { announce, clear, h } from './dom.ts';
import { failedSignInsText, parseRoute } from './format.ts';
import { ratesView } from './rates.ts';
import { receiptsView } from './receipts.ts';
import { newSiteView, setupView } from './setup.ts';
import { usersView } from './users.ts';
import { versionsView } from './versions.ts';

export interface SiteSummary {
  id: string;
  name: string;
  origins: string[];
  role: 'owner' | 'viewer';
  config_version: string;
  /** The tag to paste, built by the server. */
  script_tag: string;
}

export interface Ctx {
  user: User;
  sites: SiteSummary[];
  /** Whether the user may add sites: operators and owners of a site. */
  canCreate: boolean;
  main: HTMLElement;
  /** Increases with every navigation; a view that awaited compares it to
   * the value it started with and stops if the user has moved on. */
  seq: number;
  /** Moves focus to the content after a navigation, so screen readers
   * start there; not on the first page shown, where Tab must reach the
   * skip link first. */
  focusMain(): void;
  refreshSites(): Promise<void>;
  go(hash: string): void;
  /** Said once on the next page shown, such as that a site was deleted. */
  notice?: string;
}

const root = document.getElementById('app')!;
let ctx: Ctx | null = null;

async function boot() {
  setOnSignedOut((reason) => {
    // Only a session that was open ends: at the first load the sign-in
    // form needs no explanation.
    if (!ctx) return;
    ctx = null;
    showLogin(reason ? sentence(reason) : 'Your session has ended. Sign in again.');
  });
  // An invitation link opens its page whether or not someone is signed in.
  const invite = inviteToken(location.hash);
  if (invite) {
    await inviteView(root, invite, signedIn);
    return;
  }
  try {
    const s = await api<Session>('GET', '/session');
    await signedIn(s);
  } catch (e) {
    if (e instanceof ApiError && e.status == 401) showLogin();
    else fatal(e);
  }
}

/** "your session ended; sign in again" → "Your session ended; sign in again." */
function sentence(s: string) {
  return s.charAt(0).toUpperCase() + s.slice(1) + (/[.!]$/.test(s) ? '' : '.');
}

function fatal(e: unknown) {
  clear(
    root,
    h(
      'main',
      { class: 'center' },
      h('div', { class: 'card narrow' }, h('h1', {}, 'The dashboard could not start'), h('p', {}, String((e as Error)?.message || e))),
    ),
  );
}

function showLogin(notice = '') {
  document.title = 'Sign in · Samtykke';
  let useToken = false;
  const err = h('p', { class: 'form-error', id: 'login-error', role: 'alert' });
  const email = h('input', {
    id: 'login-email',
    type: 'email',
    name: 'email',
    autocomplete: 'username',
    required: true,
    'aria-describedby': 'login-error',
  });
  const pw = h('input', {
    id: 'login-password',
    type: 'password',
    name: 'password',
    autocomplete: 'current-password',
    required: true,
    'aria-describedby': 'login-error',
  });
  const token = h('input', {
    id: 'login-token',
    type: 'password',
    name: 'admin_token',
    autocomplete: 'off',
    'aria-describedby': 'login-error',
  });
  const userFields = h('div', {}, field('login-email', 'E-mail address', email), field('login-password', 'Password', pw));
  const tokenFields = h(
    'div',
    { hidden: true },
    field('login-token', 'Admin token', token, 'The token consentd printed on its first start, or SAMTYKKE_ADMIN_TOKEN.'),
  );
  const toggle = h('button', { type: 'button', class: 'link' }, 'Sign in with the admin token instead');
  toggle.addEventListener('click', () => {
    useToken = !useToken;
    userFields.hidden = useToken;
    tokenFields.hidden = !useToken;
    toggle.textContent = useToken ? 'Sign in with e-mail and password instead' : 'Sign in with the admin token instead';
    (useToken ? token : email).focus();
  });
  const submit = h('button', { type: 'submit', class: 'primary wide' }, 'Sign in');
  const form = h(
    'form',
    { class: 'card narrow login', novalidate: true },
    h('div', { class: 'brand big' }, logo(), h('span', {}, 'Samtykke')),
    h('h1', {}, 'Sign in to the dashboard'),
    notice ? h('p', { class: 'notice' }, notice) : null,
    err,
    userFields,
    tokenFields,
    submit,
    toggle,
  );
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    err.textContent = '';
    submit.disabled = true;
    try {
      const body = useToken ? { admin_token: token.value } : { email: email.value, password: pw.value };
      const s = await api<Session>('POST', '/login', body);
      await signedIn(s);
    } catch (x) {
      const ae = x as ApiError;
      err.textContent = ae.fields?.length
        ? ae.fields
            .map(
              (f) =>
                (f.field == 'email' ? 'E-mail address ' : f.field == 'password' ? (ae.code == 'invalid' ? 'Password ' : '') : '') +
                f.message,
            )
            .join('. ')
        : ae.message;
      err.textContent = err.textContent.charAt(0).toUpperCase() + err.textContent.slice(1) + (/[.!]$/.test(err.textContent) ? '' : '.');
      (useToken ? token : pw).focus();
    } finally {
      submit.disabled = false;
    }
  });
  clear(root, h('main', { class: 'center', id: 'main' }, form));
  email.focus();
}

export function field(id: string, label: string, input: HTMLElement, hint = '') {
  const hintEl = hint ? h('p', { class: 'hint', id: id + '-hint' }, hint) : null;
  if (hint) input.setAttribute('aria-describedby', [input.getAttribute('aria-describedby'), id + '-hint'].filter(Boolean).join(' '));
  return h('div', { class: 'field' }, h('label', { for: id }, label), hintEl, input, h('p', { class: 'field-error', id: id + '-error' }));
}

export function logo() {
  const svg = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('aria-hidden', 'true');
  svg.setAttribute('class', 'logo');
  svg.innerHTML =
    '<circle cx="12" cy="12" r="10" fill="currentColor" opacity=".15"/><path d="M7 12.5l3.2 3.2L17 9" fill="none" stroke="currentColor" stroke-width="2.2" stroke-linecap="round" stroke-linejoin="round"/>';
  return svg;
}

async function signedIn(s: Session) {
  setCSRF(s.csrf_token);
  const main = h('main', { id: 'main', tabindex: -1 });
  const c: Ctx = {
    user: s.user,
    sites: [],
    canCreate: false,
    main,
    seq: 0,
    focusMain() {
      if (c.seq > 1) main.focus({ preventScroll: true });
    },
    async refreshSites() {
      const list = await api<{ sites: SiteSummary[]; can_create: boolean }>('GET', '/sites');
      c.sites = list.sites;
      c.canCreate = list.can_create;
    },
    go(hash: string) {
      if (location.hash == hash) route();
      else location.hash = hash;
    },
  };
  ctx = c;
  await c.refreshSites();
  const who = s.user.admin_token ? 'Operator (admin token)' : s.user.email + (s.user.operator ? ' · operator' : '');
  const logout = h('button', { type: 'button', class: 'ghost' }, 'Sign out');
  logout.addEventListener('click', async () => {
    try {
      await api('POST', '/logout');
    } catch {}
    signedOut('You have signed out.');
  });
  const header = h(
    'header',
    { class: 'top' },
    h('a', { href: '#/', class: 'brand' }, logo(), h('span', {}, 'Samtykke')),
    h(
      'nav',
      { 'aria-label': 'Main' },
      h('a', { href: '#/', id: 'nav-sites' }, 'Sites'),
      s.user.operator ? h('a', { href: '#/users', id: 'nav-users' }, 'People') : null,
      s.user.admin_token ? null : h('a', { href: '#/account', id: 'nav-account' }, 'Your account'),
    ),
    h('div', { class: 'who' }, h('span', { class: 'muted' }, who), logout),
  );
  // The skip link moves focus itself: "#main" would be read as a route.
  const skip = h('a', { href: '#main', class: 'skip' }, 'Skip to content');
  skip.addEventListener('click', (e) => {
    e.preventDefault();
    main.focus();
  });
  clear(root, skip, header, failedSignInsNotice(s), main);
  route();
}

/** Shows the sign-in form after the session was ended on purpose. */
export function signedOut(notice: string) {
  ctx = null;
  location.hash = '';
  showLogin(notice);
}

/** Tells the owner of the account of wrong passwords given for it since
 * their previous sign-in, until they dismiss it. */
function failedSignInsNotice(s: Session) {
  const f = s.failed_sign_ins;
  if (!f?.count || sessionStorage.getItem('samtykke-notice-seen') == s.csrf_token) return null;
  const ok = h('button', { type: 'button', class: 'ghost' }, 'Dismiss');
  const box = h('div', { class: 'notice failed-sign-ins', id: 'failed-sign-ins', role: 'alert' }, h('p', {}, failedSignInsText(f)), ok);
  ok.addEventListener('click', () => {
    sessionStorage.setItem('samtykke-notice-seen', s.csrf_token);
    box.remove();
  });
  return box;
}

window.addEventListener('hashchange', () => route());

let routeSeq = 0;
async function route() {
  const c = ctx;
  if (!c) return;
  const seq = ++routeSeq;
  c.seq = seq;
  const { path, query } = parseRoute(location.hash);
  for (const a of document.querySelectorAll('header nav a')) a.removeAttribute('aria-current');
  try {
    if (path[0] == 'sites' && path[1]) {
      document.getElementById('nav-sites')?.setAttribute('aria-current', 'page');
      await siteView(c, path[1], path[2] || 'rates', query, seq);
    } else if (path[0] == 'new' && c.canCreate) {
      newSiteView(c);
    } else if (path[0] == 'account' && !c.user.admin_token) {
      document.getElementById('nav-account')?.setAttribute('aria-current', 'page');
      accountView(c);
    } else if (path[0] == 'users' && c.user.operator) {
      document.getElementById('nav-users')?.setAttribute('aria-current', 'page');
      await usersView(c);
    } else {
      document.getElementById('nav-sites')?.setAttribute('aria-current', 'page');
      sitesList(c);
    }
  } catch (e) {
    if (seq != routeSeq) return;
    if (e instanceof ApiError && e.status == 401) return;
    clear(
      c.main,
      h(
        'div',
        { class: 'card' },
        h('h1', {}, 'Something went wrong'),
        h('p', {}, (e as Error).message),
        h('p', {}, h('a', { href: '#/' }, 'Back to your sites')),
      ),
    );
  }
}

interface DeletedSite {
  id: string;
  name: string;
  deleted_at: string;
  deleted_by: string;
  purge_after: string;
}

/** The deleted sites the user owns, each with "Restore" until it is purged. */
async function deletedSites(c: Ctx, seq: number) {
  const list = await api<{ sites: DeletedSite[] }>('GET', '/deleted-sites');
  if (seq != c.seq || !list.sites.length) return;
  const status = h('p', { class: 'status', role: 'status' });
  const section = h(
    'section',
    { class: 'card', id: 'deleted-sites', 'aria-labelledby': 'deleted-h' },
    h('h2', { id: 'deleted-h' }, 'Deleted sites'),
    h('p', { class: 'muted small' }, 'Hidden, with their receipts kept until the date shown; restore one to bring it back as it was.'),
    h(
      'ul',
      { class: 'deleted-list' },
      list.sites.map((d) => {
        const btn = h('button', { type: 'button', 'data-site': d.id }, `Restore ${d.name}`);
        btn.addEventListener('click', async () => {
          btn.disabled = true;
          try {
            await api('POST', `/deleted-sites/${encodeURIComponent(d.id)}/restore`);
            await c.refreshSites();
            c.notice = `${d.name} was restored.`;
            c.go('#/');
          } catch (e) {
            status.textContent = (e as Error).message;
            btn.disabled = false;
          }
        });
        return h(
          'li',
          {},
          h('span', { class: 'site-name' }, d.name),
          h(
            'span',
            { class: 'muted' },
            ` deleted ${d.deleted_at.slice(0, 10)} by ${d.deleted_by}; purged after ${d.purge_after.slice(0, 10)}. `,
          ),
          btn,
        );
      }),
    ),
    status,
  );
  c.main.append(section);
}

function sitesList(c: Ctx) {
  document.title = 'Sites · Samtykke';
  void deletedSites(c, c.seq).catch(() => {});
  const notice = c.notice ? h('p', { class: 'notice', id: 'sites-notice' }, c.notice) : null;
  c.notice = undefined;
  const add = c.canCreate ? h('a', { href: '#/new', class: 'button primary' }, 'Add a site') : null;
  if (!c.sites.length) {
    clear(
      c.main,
      h('div', { class: 'page-head' }, h('h1', {}, 'Your sites')),
      notice,
      h(
        'div',
        { class: 'card empty' },
        h('h2', {}, 'No sites yet'),
        h(
          'p',
          {},
          c.user.operator
            ? 'Add the first website that will show the consent banner. You can then invite people and grant them the site.'
            : c.canCreate
              ? 'Add a website to set up its consent banner, or ask an operator to grant you an existing one.'
              : 'Ask an operator to grant you a site.',
        ),
        add,
      ),
    );
    return;
  }
  const list = h(
    'ul',
    { class: 'site-list' },
    c.sites.map((s) =>
      h(
        'li',
        {},
        h(
          'a',
          { href: `#/sites/${encodeURIComponent(s.id)}`, class: 'site-card' },
          h('span', { class: 'site-name' }, s.name),
          h('span', { class: 'muted' }, s.origins.join(', ')),
          h('span', { class: 'badge ' + s.role }, s.role == 'owner' ? 'Owner' : 'Viewer'),
        ),
      ),
    ),
  );
  clear(c.main, h('div', { class: 'page-head' }, h('h1', {}, 'Your sites'), add), notice, list);
  c.focusMain();
}

const TABS: [string, string][] = [
  ['rates', 'Consent rates'],
  ['setup', 'Setup'],
  ['receipts', 'Receipts'],
  ['history', 'History'],
];

let lastSite = '';
async function siteView(c: Ctx, id: string, tab: string, query: URLSearchParams, seq: number) {
  const s = c.sites.find((x) => x.id == id);
  if (!s) {
    clear(
      c.main,
      h(
        'div',
        { class: 'card empty' },
        h('h1', {}, 'No such site'),
        h('p', {}, 'You have no site with this id. It may have been removed, or you were not granted it.'),
        h('a', { href: '#/', class: 'button' }, 'Back to your sites'),
      ),
    );
    return;
  }
  if (!TABS.some(([t]) => t == tab)) tab = 'rates';
  const switcher = h(
    'select',
    { id: 'site-switch', 'aria-label': 'Site' },
    c.sites.map((x) => h('option', { value: x.id, selected: x.id == id }, x.name)),
  );
  switcher.addEventListener('change', () => c.go(`#/sites/${encodeURIComponent(switcher.value)}/${tab}`));
  const tabs = h(
    'nav',
    { class: 'tabs', 'aria-label': 'Site sections' },
    TABS.map(([t, label]) => h('a', { href: `#/sites/${encodeURIComponent(id)}/${t}`, 'aria-current': t == tab ? 'page' : null }, label)),
  );
  const body = h('div', { class: 'tab-body' });
  clear(
    c.main,
    h(
      'div',
      { class: 'site-head' },
      h('div', {}, h('h1', {}, s.name), h('p', { class: 'muted' }, s.origins.join(', '))),
      c.sites.length > 1 ? switcher : null,
    ),
    tabs,
    body,
  );
  document.title = `${TABS.find(([t]) => t == tab)![1]} · ${s.name} · Samtykke`;
  if (lastSite != id + tab) c.focusMain();
  lastSite = id + tab;
  if (seq != c.seq) return;
  if (tab == 'setup') await setupView(c, s, body);
  else if (tab == 'receipts') await receiptsView(c, s, body);
  else if (tab == 'history') await versionsView(c, s, body, query);
  else await ratesView(c, s, body, query);
  announce(`${s.name}: ${TABS.find(([t]) => t == tab)![1]}`);
}

boot();
