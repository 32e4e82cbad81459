// A site's history: every config version with the number and date an owner
// recognises, who saved it and whether it asked visitors again; the exact
// texts any version showed (the ones a receipt naming it was given under);
// what changed from the version before; and, for owners, the audit log.
import { api } from './api.ts';
import { clear, h, scroller } from './dom.ts';
import type { Ctx, SiteSummary } from './main.ts';

export interface VersionInfo {
  number: number;
  version: string;
  since: string;
  current: boolean;
  asked_again: boolean;
  author?: string;
  snapshot: boolean;
  reconstructed?: boolean;
}

interface PurposeShown {
  id: string;
  name: string;
  description: string;
  vendors: { id: string; name: string; provider: string; cookies: { name: string; duration_days: number; party: string }[] }[];
}

interface Snapshot {
  version: string;
  created_at: string;
  author?: string;
  reconstructed?: boolean;
  privacy_policy_url: string;
  consent_lifetime_days: number;
  texts: Record<string, Record<string, string>>;
  purposes: Record<string, PurposeShown[]>;
}

interface Change {
  field: string;
  from: string;
  to: string;
  material: boolean;
}

interface AuditEntry {
  at: string;
  actor: string;
  action: string;
  from_version?: string;
  to_version?: string;
  summary?: string;
}

/** "2026-11-23T10:00:00Z" → "2026-11-23 10:00 UTC" */
export const when = (t: string) => t.replace('T', ' ').replace(/:\d\d(\.\d+)?Z$/, ' UTC');

/** The label of a version in lists: its number and date, not only its hash. */
export const versionLabel = (v: VersionInfo) => `Version ${v.number} of ${when(v.since)}`;

export async function versionsView(c: Ctx, s: SiteSummary, body: HTMLElement, query: URLSearchParams) {
  const seq = c.seq;
  const id = encodeURIComponent(s.id);
  const [list, audit] = await Promise.all([
    api<{ versions: VersionInfo[] }>('GET', `/sites/${id}/versions`),
    s.role == 'owner' ? api<{ entries: AuditEntry[] }>('GET', `/sites/${id}/audit`) : Promise.resolve(null),
  ]);
  if (seq != c.seq) return;
  const versions = list.versions;
  const detail = h('section', { class: 'card', id: 'version-detail', 'aria-live': 'polite' });
  const show = async (v: VersionInfo) => {
    const [snap, diff] = await Promise.all([
      api<Snapshot>('GET', `/sites/${id}/versions/${encodeURIComponent(v.version)}`),
      v.number > 1 && versions[v.number - 2]?.snapshot
        ? api<{ material: boolean; changes: Change[] }>('GET', `/sites/${id}/versions/${encodeURIComponent(v.version)}/diff`)
        : Promise.resolve(null),
    ]);
    if (seq != c.seq) return;
    clear(detail, snapshotView(v, snap, diff));
  };
  const rows = versions
    .slice()
    .reverse()
    .map((v) => {
      const open = h('button', { type: 'button', class: 'link', 'data-version': v.version }, versionLabel(v));
      open.addEventListener('click', () => void show(v));
      return h(
        'tr',
        { id: 'version-' + v.version },
        h('th', { scope: 'row' }, v.snapshot ? open : versionLabel(v), v.current ? h('span', { class: 'badge owner' }, 'Current') : null),
        h('td', {}, v.author || '—'),
        h('td', {}, v.number == 1 ? 'First version' : v.asked_again ? 'Yes' : 'No, a minor change'),
        h('td', {}, h('code', {}, v.version)),
        h(
          'td',
          {},
          v.snapshot ? (v.reconstructed ? 'Stored (rebuilt from the settings)' : 'Stored') : 'Not stored (older than stored texts)',
        ),
      );
    });
  clear(
    body,
    h(
      'section',
      { class: 'card', 'aria-labelledby': 'versions-h' },
      h('h2', { id: 'versions-h' }, 'Banner versions'),
      h(
        'p',
        { class: 'muted small' },
        'Each version is what visitors were shown from its date on. Every receipt names its version, so you can show what a visitor was told.',
      ),
      scroller(
        'Banner versions',
        h(
          'table',
          { id: 'versions-table' },
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              ['Version', 'Saved by', 'Asked visitors again', 'Id in receipts', 'Texts'].map((t) => h('th', { scope: 'col' }, t)),
            ),
          ),
          h('tbody', {}, rows),
        ),
      ),
    ),
    detail,
    audit ? auditView(audit.entries, versions) : null,
  );
  const wanted = versions.find((v) => v.version == query.get('version')) || versions[versions.length - 1];
  if (wanted?.snapshot) await show(wanted);
  else clear(detail, h('p', { class: 'muted' }, 'The texts of this version were not stored: it is older than stored texts.'));
}

function snapshotView(v: VersionInfo, snap: Snapshot, diff: { material: boolean; changes: Change[] } | null) {
  const langs = Object.keys(snap.texts).sort();
  const lang = h(
    'select',
    { id: 'version-lang', 'aria-label': 'Language' },
    langs.map((l) => h('option', { value: l, selected: l == 'en' }, l)),
  );
  const texts = h('div', { id: 'version-texts' });
  const render = () => {
    const t = snap.texts[lang.value] || {};
    const purposes = snap.purposes[lang.value] || [];
    clear(
      texts,
      h(
        'dl',
        { class: 'snapshot-texts' },
        Object.keys(t)
          .sort()
          .map((k) => [h('dt', {}, h('code', {}, k)), h('dd', {}, t[k])]),
      ),
      h('h4', {}, 'Purposes and vendors'),
      h(
        'ul',
        {},
        purposes.map((p) =>
          h(
            'li',
            {},
            h('strong', {}, p.name),
            ': ',
            p.description,
            h(
              'ul',
              {},
              p.vendors.map((vd) =>
                h(
                  'li',
                  {},
                  `${vd.name} (${vd.provider}): `,
                  vd.cookies.map((ck) => `${ck.name} ${ck.duration_days} days, ${ck.party} party`).join('; ') || 'no cookies',
                ),
              ),
            ),
          ),
        ),
      ),
    );
  };
  lang.addEventListener('change', render);
  render();
  return [
    h('h2', { id: 'version-h' }, versionLabel(v)),
    h(
      'p',
      { class: 'muted small' },
      `Id ${snap.version}. Saved ${when(snap.created_at)}${snap.author ? ' by ' + snap.author : ''}. Privacy policy: ${snap.privacy_policy_url}. Choices kept ${snap.consent_lifetime_days} days.`,
      snap.reconstructed ? ' Rebuilt from the site’s settings when stored texts were introduced.' : '',
    ),
    diff
      ? h(
          'div',
          { id: 'version-diff' },
          h('h3', {}, diff.material ? 'What changed (visitors were asked again)' : 'What changed (a minor change)'),
          diff.changes.length
            ? h(
                'ul',
                {},
                diff.changes.map((ch) =>
                  h(
                    'li',
                    { class: ch.material ? 'material' : '' },
                    h('code', {}, ch.field),
                    ': ',
                    ch.from ? h('del', {}, ch.from) : '(none)',
                    ' → ',
                    ch.to ? h('ins', {}, ch.to) : '(removed)',
                  ),
                ),
              )
            : h('p', {}, 'Nothing listed changed.'),
        )
      : null,
    h('h3', {}, 'Texts as shown'),
    h('div', { class: 'field' }, h('label', { for: 'version-lang' }, 'Language'), lang),
    texts,
  ];
}

function auditView(entries: AuditEntry[], versions: VersionInfo[]) {
  const label = (ver?: string) => {
    const v = versions.find((x) => x.version == ver);
    return v ? `version ${v.number}` : ver || '';
  };
  return h(
    'section',
    { class: 'card', 'aria-labelledby': 'audit-h' },
    h('h2', { id: 'audit-h' }, 'Audit log'),
    h('p', { class: 'muted small' }, 'Who changed this site, when, and from which version to which.'),
    scroller(
      'Audit log',
      h(
        'table',
        { id: 'audit-table' },
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            ['Time', 'Who', 'What', 'Versions', 'Details'].map((t) => h('th', { scope: 'col' }, t)),
          ),
        ),
        h(
          'tbody',
          {},
          entries
            .slice()
            .reverse()
            .map((e) =>
              h(
                'tr',
                {},
                h('th', { scope: 'row' }, when(e.at)),
                h('td', {}, e.actor),
                h('td', {}, e.action),
                h(
                  'td',
                  {},
                  e.from_version && e.to_version && e.from_version != e.to_version
                    ? `${label(e.from_version)} → ${label(e.to_version)}`
                    : label(e.to_version || e.from_version),
                ),
                h('td', { class: 'wrap' }, e.summary || ''),
              ),
            ),
        ),
      ),
    ),
  );
}
