// "Cookie scans": the scanner's findings for a site (server/scanner). A
// scan visits the site's pages in a headless Chromium three times each
// (no choice, "Reject all", "Accept all"); the card shows the latest scan
// with its violations first, then what is undeclared (with "Declare as"),
// what was declared but never seen, and what changed since the scan
// before, and links its JSON export.
import { api, type ApiError } from './api.ts';
import { announce, clear, h } from './dom.ts';
import { copyButton } from './setup.ts';

type Phase = 'before_decision' | 'after_reject' | 'after_accept';

interface Violation {
  kind: string;
  name: string;
  vendor: string;
  vendor_name?: string;
  purpose: string;
  phase: Phase;
  page: string;
  source?: string;
  tag?: string;
  fix: string;
}
interface Undeclared {
  kind: string;
  name: string;
  vendor?: string;
  vendor_name?: string;
  purpose?: string;
  pages: string[];
}
interface Report {
  counts: Record<string, number>;
  violations: Violation[];
  undeclared: Undeclared[];
  unseen: { vendor: string; vendor_name?: string; cookie: string }[];
  diff?: { previous: string; added: string[]; removed: string[]; new_violations: string[]; resolved: string[] };
}
interface Scan {
  id: string;
  status: 'running' | 'done' | 'failed';
  trigger: string;
  started_at: string;
  finished_at?: string;
  error?: string;
  progress: { pages_found: number; pages_done: number };
  report?: Report;
}

const PHASE: Record<Phase, string> = {
  before_decision: 'before the visitor chose',
  after_reject: 'after "Reject all"',
  after_accept: 'after "Accept all"',
};
const KIND: Record<string, string> = { cookie: 'Cookie', storage: 'Storage key', request: 'Requests to' };

export interface ScansOptions {
  siteId: string;
  owner: boolean;
}

export function scansCard(o: ScansOptions) {
  const base = `/sites/${encodeURIComponent(o.siteId)}/scans`;
  const body = h('div', { id: 'scans' }, h('p', { class: 'muted' }, 'Loading…'));
  const status = h('p', { class: 'status', role: 'status', id: 'scans-status' });
  const start = o.owner ? h('button', { type: 'button', class: 'primary', id: 'scan-start' }, 'Scan now') : null;
  const el = h(
    'section',
    { class: 'card', 'aria-labelledby': 'scans-h', id: 'cookie-scans' },
    h('h2', { id: 'scans-h', tabindex: -1 }, 'Cookie scans'),
    h(
      'p',
      { class: 'muted small' },
      'The scanner visits your pages in a browser three times each: without a choice, after "Reject all" and after "Accept all", and lists every cookie, storage key and third-party request. Its own choices are never counted.',
    ),
    start ? h('div', { class: 'form-actions plain' }, start) : null,
    body,
    status,
  );

  start?.addEventListener('click', async () => {
    start.disabled = true;
    status.textContent = 'Starting a scan…';
    try {
      await api('POST', base);
      status.textContent = 'The scan is running.';
      announce('The scan started.');
    } catch (e) {
      status.textContent = 'The scan could not start: ' + (e as ApiError).message;
    }
    start.disabled = false;
    load();
  });

  const declareAs = (scanId: string, u: Undeclared) => {
    if (!o.owner) return null;
    const send = async (body: unknown, what: string) => {
      status.textContent = `Declaring ${u.name}…`;
      try {
        await api('POST', `${base}/${encodeURIComponent(scanId)}/declare`, body);
        status.textContent = `${u.name} is declared as ${what}.`;
        announce(status.textContent);
        // The site changed: draw the page again from the stored site.
        window.dispatchEvent(new HashChangeEvent('hashchange'));
      } catch (e) {
        const ae = e as ApiError;
        const fields = (ae.fields || []).map((f) => `${f.field} ${f.message}`).join('; ');
        status.textContent = `${u.name} could not be declared: ${fields || ae.message}`;
      }
    };
    if (u.vendor) {
      return h(
        'button',
        { type: 'button', onclick: () => send({ kind: u.kind, name: u.name, vendor: u.vendor }, u.vendor_name || u.vendor!) },
        `Declare ${u.vendor_name || u.vendor}`,
      );
    }
    if (u.kind == 'storage') return h('p', { class: 'muted small' }, 'Declare the vendor that writes this key.');
    const id = `declare-${u.kind}-${u.name.replace(/[^a-z0-9]/gi, '_')}`;
    const name = h('input', { id: `${id}-name`, required: true });
    const provider = h('input', { id: `${id}-provider` });
    const purpose = h(
      'select',
      { id: `${id}-purpose` },
      h('option', { value: 'statistics' }, 'Statistics'),
      h('option', { value: 'marketing' }, 'Marketing'),
    );
    const policy = h('input', { id: `${id}-policy`, type: 'url', placeholder: 'https://' });
    const desc = u.kind == 'cookie' ? h('input', { id: `${id}-desc`, placeholder: 'What the cookie is for' }) : null;
    const form = h(
      'form',
      { class: 'declare-as' },
      h('label', { for: name.id }, 'Vendor name'),
      name,
      h('label', { for: provider.id }, 'Provider'),
      provider,
      h('label', { for: purpose.id }, 'Purpose'),
      purpose,
      h('label', { for: policy.id }, 'Privacy policy'),
      policy,
      desc ? [h('label', { for: desc.id }, 'Description (English)'), desc] : null,
      h('button', { type: 'submit' }, 'Declare as a new vendor'),
    );
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      send(
        {
          kind: u.kind,
          name: u.name,
          new_vendor: { name: name.value, provider: provider.value, purpose: purpose.value, privacy_policy_url: policy.value },
          description: desc?.value ? { en: desc.value } : undefined,
        },
        name.value,
      );
    });
    return h('details', {}, h('summary', {}, 'Declare as…'), form);
  };

  const report = (s: Scan) => {
    const r = s.report!;
    const download = h(
      'a',
      { href: `/dashboard/api${base}/${encodeURIComponent(s.id)}?download=1`, download: `scan-${s.id}.json` },
      'Download JSON',
    );
    return [
      h(
        'p',
        { class: 'small' },
        `Scanned ${r.counts.pages} pages on ${new Date(s.finished_at || s.started_at).toLocaleString()}: ${r.counts.cookies} cookies, ${r.counts.storage} storage keys, requests to ${r.counts.requests} third-party hosts. `,
        download,
      ),
      h('h3', { id: 'scan-violations-h' }, `Violations (${r.violations.length})`),
      r.violations.length
        ? h(
            'ol',
            { class: 'tag-warnings', 'aria-labelledby': 'scan-violations-h' },
            r.violations.map((v) =>
              h(
                'li',
                { class: 'tag-warning', 'data-kind': v.kind },
                h('h4', {}, `${KIND[v.kind] || v.kind} ${v.name}`, h('span', { class: 'badge' }, v.vendor_name || v.vendor)),
                h('p', {}, `${v.purpose} ran ${PHASE[v.phase]}, on `, h('code', {}, v.page)),
                v.source ? h('p', { class: 'muted small' }, 'Caused by ', h('code', {}, v.source)) : null,
                v.fix.startsWith('<')
                  ? h(
                      'div',
                      { class: 'tag' },
                      h('code', {}, v.fix),
                      copyButton(() => v.fix, 'Copy markup'),
                    )
                  : h('p', {}, v.fix),
              ),
            ),
          )
        : h('p', { class: 'muted' }, 'Nothing of statistics or marketing ran before a choice or after a reject.'),
      h('h3', { id: 'scan-undeclared-h' }, `Undeclared (${r.undeclared.length})`),
      r.undeclared.length
        ? h(
            'ul',
            { class: 'tag-warnings', 'aria-labelledby': 'scan-undeclared-h' },
            r.undeclared.map((u) =>
              h(
                'li',
                { class: 'tag-warning' },
                h('h4', {}, `${KIND[u.kind] || u.kind} ${u.name}`, h('span', { class: 'badge' }, u.vendor_name || 'unknown')),
                declareAs(s.id, u),
              ),
            ),
          )
        : h('p', { class: 'muted' }, 'Everything found is declared.'),
      r.unseen.length
        ? [
            h('h3', {}, `Declared but not seen (${r.unseen.length})`),
            h(
              'p',
              { class: 'small' },
              r.unseen.map((u, i) => [i ? ', ' : '', h('code', {}, u.cookie), ` (${u.vendor_name || u.vendor})`]),
            ),
          ]
        : null,
      r.diff
        ? [
            h('h3', {}, 'Since the scan before'),
            h(
              'ul',
              { class: 'small' },
              h('li', {}, `New: ${r.diff.added.join(', ') || 'nothing'}`),
              h('li', {}, `Gone: ${r.diff.removed.join(', ') || 'nothing'}`),
              h('li', {}, `New violations: ${r.diff.new_violations.join(', ') || 'none'}`),
              h('li', {}, `Resolved: ${r.diff.resolved.join(', ') || 'none'}`),
            ),
          ]
        : null,
    ];
  };

  let seq = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  async function load() {
    const mine = ++seq;
    clearTimeout(timer);
    let scans: Scan[];
    try {
      scans = (await api<{ scans: Scan[] }>('GET', base)).scans || [];
    } catch (e) {
      if (mine == seq) clear(body, h('p', { class: 'form-error' }, 'The scans could not be loaded: ' + (e as ApiError).message));
      return;
    }
    if (mine != seq || !el.isConnected) return;
    const running = scans.find((s) => s.status == 'running');
    const last = scans.find((s) => s.status != 'running');
    let full: Scan | null = null;
    if (last?.status == 'done') {
      try {
        full = await api<Scan>('GET', `${base}/${encodeURIComponent(last.id)}`);
      } catch {
        full = null;
      }
      if (mine != seq) return;
    }
    if (start) start.disabled = !!running;
    clear(
      body,
      running
        ? h(
            'p',
            { id: 'scan-progress' },
            `Scanning: ${running.progress.pages_done} of ${running.progress.pages_found || '?'} pages visited…`,
          )
        : null,
      !last
        ? h('p', { class: 'muted' }, 'No scan yet.')
        : last.status == 'failed'
          ? h('p', { class: 'form-error' }, `The last scan failed: ${last.error || 'no reason given'}`)
          : full?.report
            ? report(full)
            : null,
    );
    if (running) timer = setTimeout(load, 2000);
  }
  load();
  return { el, load };
}
