// Receipts of one site: export a period for an audit (CSV or NDJSON,
// streamed by the server), and look up one visitor's consent id.
import { api, type ApiError } from './api.ts';
import { announce, clear, h, scroller } from './dom.ts';
import { addDays, isoDate } from './format.ts';
import { field, type Ctx, type SiteSummary } from './main.ts';
import type { Receipt } from './wire.gen.ts';

// visitorActions offers the visitor's proof bundle (their receipts with
// the signed checkpoints that seal them) and, to owners, erasure (GDPR
// Art. 17): the receipts go, the site's numbers and the sealed hashes stay.
function visitorActions(s: SiteSummary, consentID: string, n: number): HTMLElement {
  const path = `/sites/${encodeURIComponent(s.id)}/consents/${encodeURIComponent(consentID)}`;
  const proof = h(
    'a',
    { class: 'button', id: 'proof-bundle', href: `/dashboard/api${path}/proof?download=1`, download: '' },
    'Download proof bundle',
  );
  const box = h('div', { class: 'row-actions', id: 'visitor-actions' }, proof);
  if (s.role != 'owner') return box;
  const erase = h('button', { type: 'button', class: 'danger', id: 'erase-consent' }, 'Erase this visitor’s receipts');
  erase.addEventListener('click', async () => {
    const what = n == 1 ? 'its receipt' : `all ${n} of its receipts`;
    if (!confirm(`Erase consent id ${consentID} and ${what}? This cannot be undone. The site’s numbers stay as they are.`)) return;
    erase.disabled = true;
    try {
      const r = await api<{ erased: unknown[] }>('DELETE', path);
      clear(
        document.getElementById('lookup-result')!,
        h(
          'p',
          { class: 'notice', id: 'erased-notice' },
          `Erased ${r.erased.length} receipt${r.erased.length == 1 ? '' : 's'} of ${consentID}.`,
        ),
      );
      announce('Receipts erased.');
    } catch (x) {
      erase.disabled = false;
      box.append(h('p', { class: 'field-error', role: 'alert' }, (x as ApiError).message));
    }
  });
  box.append(erase);
  return box;
}

export async function receiptsView(_c: Ctx, s: SiteSummary, body: HTMLElement) {
  const today = isoDate(new Date());
  const from = h('input', { type: 'date', id: 'export-from', value: addDays(today, -29), max: today });
  const to = h('input', { type: 'date', id: 'export-to', value: today, max: today });
  const csv = h('input', { type: 'radio', name: 'format', id: 'fmt-csv', value: 'csv', checked: true });
  const ndjson = h('input', { type: 'radio', name: 'format', id: 'fmt-ndjson', value: 'ndjson' });
  const link = h('a', { class: 'button primary', id: 'export-receipts', download: '' }, 'Download receipts');
  const problem = h('p', { class: 'field-error', role: 'alert' });
  const update = () => {
    const bad = !from.value || !to.value || from.value > to.value;
    problem.textContent = bad ? 'Choose a start date that is not after the end date.' : '';
    link.setAttribute('aria-disabled', String(bad));
    link.href = bad
      ? '#'
      : `/dashboard/api/sites/${encodeURIComponent(s.id)}/receipts?from=${from.value}&to=${to.value}&format=${ndjson.checked ? 'ndjson' : 'csv'}`;
  };
  for (const el of [from, to, csv, ndjson]) el.addEventListener('change', update);
  link.addEventListener('click', (e) => {
    if (link.getAttribute('aria-disabled') == 'true') e.preventDefault();
  });
  update();

  const cid = h('input', {
    id: 'lookup-id',
    name: 'consent_id',
    autocomplete: 'off',
    spellcheck: 'false',
    placeholder: '3b241101-e2bb-4255-8caf-4136c566a962',
  });
  const result = h('div', { id: 'lookup-result', 'aria-live': 'polite' });
  const lookup = h(
    'form',
    { class: 'inline', novalidate: true },
    field('lookup-id', 'Consent id', cid, 'The visitor finds it in the banner’s cookie settings, under “Your consent”.'),
    h('button', { type: 'submit', class: 'primary' }, 'Look up'),
  );
  lookup.addEventListener('submit', async (e) => {
    e.preventDefault();
    const err = document.getElementById('lookup-id-error')!;
    err.textContent = '';
    cid.removeAttribute('aria-invalid');
    try {
      const r = await api<{ consent_id: string; receipts: Receipt[] }>(
        'GET',
        `/sites/${encodeURIComponent(s.id)}/consents/${encodeURIComponent(cid.value.trim())}`,
      );
      if (!r.receipts.length) {
        clear(
          result,
          h(
            'p',
            { class: 'notice' },
            `No receipts for consent id ${r.consent_id} on this site. Check the id, or it may be older than the site’s retention.`,
          ),
        );
        announce('No receipts found.');
        return;
      }
      clear(
        result,
        h('p', {}, `${r.receipts.length} receipt${r.receipts.length == 1 ? '' : 's'} for ${r.consent_id}, oldest first:`),
        scroller(
          'Receipts',
          h(
            'table',
            { id: 'lookup-table' },
            h(
              'thead',
              {},
              h(
                'tr',
                {},
                ['Time (UTC)', 'Action', 'Statistics', 'Marketing', 'Banner version', 'Language', 'Page', 'GPC', 'Expires'].map((t) =>
                  h('th', { scope: 'col' }, t),
                ),
              ),
            ),
            h(
              'tbody',
              {},
              r.receipts.map((x) =>
                h(
                  'tr',
                  {},
                  h('th', { scope: 'row' }, x.server_time.replace('T', ' ').replace(/\.\d+Z$|Z$/, '')),
                  h('td', {}, x.action.replace('_', ' ')),
                  h('td', {}, x.choices.statistics ? 'Allowed' : 'Refused'),
                  h('td', {}, x.choices.marketing ? 'Allowed' : 'Refused'),
                  h(
                    'td',
                    {},
                    // The exact texts this receipt was given under.
                    h(
                      'a',
                      { href: `#/sites/${encodeURIComponent(s.id)}/history?version=${encodeURIComponent(x.config_version)}` },
                      h('code', {}, x.config_version),
                    ),
                  ),
                  h('td', {}, x.language),
                  h('td', { class: 'wrap' }, x.page_url),
                  h('td', {}, x.gpc ? 'Yes' : 'No'),
                  h('td', {}, x.expires_at.slice(0, 10)),
                ),
              ),
            ),
          ),
        ),
      );
      result.append(visitorActions(s, r.consent_id, r.receipts.length));
      announce(`${r.receipts.length} receipts found.`);
    } catch (x) {
      const ae = x as ApiError;
      err.textContent = ae.fields?.[0]?.message ? 'The consent id ' + ae.fields[0].message + '.' : ae.message;
      cid.setAttribute('aria-invalid', 'true');
      clear(result);
      cid.focus();
    }
  });

  clear(
    body,
    h(
      'div',
      { class: 'grid2' },
      h(
        'section',
        { class: 'card', 'aria-labelledby': 'export-h' },
        h('h2', { id: 'export-h' }, 'Export receipts'),
        h(
          'p',
          { class: 'muted small' },
          'Every decision is kept as a receipt: what the visitor chose, when, on which page and which version of the banner they saw. Download a period for an audit or a records request.',
        ),
        h('div', { class: 'row2' }, field('export-from', 'From', from), field('export-to', 'To (inclusive)', to)),
        h(
          'fieldset',
          { class: 'seg' },
          h('legend', {}, 'Format'),
          h('label', { for: 'fmt-csv' }, csv, ' CSV (spreadsheets)'),
          h('label', { for: 'fmt-ndjson' }, ndjson, ' NDJSON (one JSON receipt per line)'),
        ),
        problem,
        link,
      ),
      h(
        'section',
        { class: 'card', 'aria-labelledby': 'lookup-h' },
        h('h2', { id: 'lookup-h' }, 'Look up a consent id'),
        h('p', { class: 'muted small' }, 'See every receipt of one visitor, for example to answer their request for access.'),
        lookup,
        result,
      ),
    ),
  );
}
