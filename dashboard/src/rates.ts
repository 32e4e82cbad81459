// Consent rates of one site: the funnel, per-purpose consent and opt-in
// rates with their formulas, a trend chart, breakdowns and the GPC share.
// Changing the range fetches the numbers again and redraws in place.
import uPlot from 'uplot';
import { api, ApiError } from './api.ts';
import { announce, clear, h, scroller } from './dom.ts';
import {
  ACTION_LABEL,
  bucketLabel,
  isoDate,
  num,
  pct,
  presetOf,
  PRESETS,
  presetRange,
  PURPOSE_LABEL,
  rangeProblem,
  rangeQuery,
  segmentRows,
  type Range,
  type Report,
  type Segment,
} from './format.ts';
import type { Ctx, SiteSummary } from './main.ts';
import { copyButton } from './setup.ts';

const COLORS = { impressions: '#64748b', decisions: '#4f46e5', statistics: '#0f766e', marketing: '#b45309' };

export async function ratesView(_c: Ctx, s: SiteSummary, body: HTMLElement, query: URLSearchParams) {
  const today = isoDate(new Date());
  let range: Range = presetRange('30d', today);
  if (query.get('from') && query.get('to'))
    range = { from: query.get('from')!, to: query.get('to')!, by: query.get('by') == 'hour' ? 'hour' : 'day' };

  const preset = h(
    'select',
    { id: 'range-preset' },
    PRESETS.map((p) => h('option', { value: p.id }, p.label)),
    h('option', { value: 'custom' }, 'Custom range'),
  );
  const from = h('input', { type: 'date', id: 'range-from', max: today });
  const to = h('input', { type: 'date', id: 'range-to', max: today });
  const byDay = h('input', { type: 'radio', name: 'by', id: 'by-day', value: 'day' });
  const byHour = h('input', { type: 'radio', name: 'by', id: 'by-hour', value: 'hour' });
  const problem = h('p', { class: 'field-error', id: 'range-error', role: 'alert' });
  const csv = h('a', { class: 'button', id: 'export-csv', download: '' }, 'Export CSV');
  const controls = h(
    'form',
    { class: 'range card', 'aria-label': 'Choose the period', novalidate: true },
    h('div', { class: 'field' }, h('label', { for: 'range-preset' }, 'Period'), preset),
    h('div', { class: 'field' }, h('label', { for: 'range-from' }, 'From'), from),
    h('div', { class: 'field' }, h('label', { for: 'range-to' }, 'To (inclusive)'), to),
    h(
      'fieldset',
      { class: 'seg' },
      h('legend', {}, 'Show'),
      h('label', { for: 'by-day' }, byDay, ' By day'),
      h('label', { for: 'by-hour' }, byHour, ' By hour'),
    ),
    h('div', { class: 'range-actions' }, csv),
    problem,
  );
  const out = h('div', { class: 'rates', 'aria-live': 'polite', 'aria-busy': 'false' });
  clear(body, controls, out);

  const setControls = () => {
    preset.value = presetOf(range, today);
    from.value = range.from;
    to.value = range.to;
    byDay.checked = range.by == 'day';
    byHour.checked = range.by == 'hour';
    csv.href = `/dashboard/api/sites/${encodeURIComponent(s.id)}/stats.csv?${rangeQuery(range)}`;
  };
  let seq = 0;
  let chart: uPlot | null = null;
  const load = async () => {
    setControls();
    const p = rangeProblem(range);
    problem.textContent = p || '';
    if (p) return;
    const mine = ++seq;
    out.setAttribute('aria-busy', 'true');
    out.classList.add('loading');
    // Remember the range in the URL without adding history entries.
    history.replaceState(null, '', `#/sites/${encodeURIComponent(s.id)}/rates?from=${range.from}&to=${range.to}&by=${range.by}`);
    try {
      const rep = await api<Report>('GET', `/sites/${encodeURIComponent(s.id)}/stats?${rangeQuery(range)}`);
      if (mine != seq) return;
      chart?.destroy();
      chart = render(out, rep, s);
      announce(`Showing ${num(rep.funnel.impressions)} banner impressions and ${num(rep.funnel.decisions)} decisions.`);
    } catch (e) {
      if (mine != seq) return;
      const ae = e as ApiError;
      problem.textContent = ae.fields?.length ? ae.fields.map((f) => f.message).join('. ') : ae.message;
    } finally {
      if (mine == seq) {
        out.setAttribute('aria-busy', 'false');
        out.classList.remove('loading');
      }
    }
  };
  preset.addEventListener('change', () => {
    if (preset.value == 'custom') {
      from.focus();
      return;
    }
    range = presetRange(preset.value, today);
    load();
  });
  const custom = () => {
    range = { from: from.value, to: to.value, by: byHour.checked ? 'hour' : 'day' };
    load();
  };
  from.addEventListener('change', custom);
  to.addEventListener('change', custom);
  byDay.addEventListener('change', custom);
  byHour.addEventListener('change', custom);
  controls.addEventListener('submit', (e) => {
    e.preventDefault();
    custom();
  });
  await load();
}

function kpi(id: string, label: string, value: string, formula: string, detail?: string) {
  return h(
    'div',
    { class: 'kpi card', id },
    h('p', { class: 'kpi-label' }, label),
    h('p', { class: 'kpi-value' }, value),
    detail ? h('p', { class: 'kpi-detail' }, detail) : null,
    h('p', { class: 'formula' }, formula),
  );
}

function render(out: HTMLElement, r: Report, s: SiteSummary): uPlot | null {
  const f = r.funnel;
  if (f.impressions == 0 && f.decisions == 0) {
    clear(
      out,
      h(
        'div',
        { class: 'card empty', id: 'rates-empty' },
        h('h2', {}, 'No banner impressions in this period'),
        h(
          'p',
          {},
          'Numbers appear here as soon as visitors see the banner. If the site is new, paste this tag as the first script in the <head> of every page:',
        ),
        h(
          'div',
          { class: 'tag' },
          h('code', { id: 'empty-tag' }, s.script_tag),
          copyButton(() => s.script_tag, 'Copy tag'),
        ),
        h(
          'p',
          { class: 'muted' },
          'Already installed? Choose a longer period above, or check that the page’s address is one of the site’s origins under Setup.',
        ),
      ),
    );
    return null;
  }
  const F = r.formulas;
  const purpose = (p: 'statistics' | 'marketing') => r.purposes.find((x) => x.purpose == p)!;
  const kpis = h(
    'section',
    { class: 'kpis', 'aria-label': 'Key figures' },
    kpi('kpi-impressions', 'Banner impressions', num(f.impressions), 'Every time the banner was shown', `${num(f.decisions)} decisions`),
    kpi(
      'kpi-interaction',
      'Interaction rate',
      pct(f.interaction_rate),
      '= ' + F.interaction_rate,
      `${num(f.no_decision)} impressions without a decision`,
    ),
    kpi(
      'kpi-statistics',
      'Statistics consent rate',
      pct(purpose('statistics').consent_rate),
      '= statistics ' + F.consent_rate.replace('the purpose', ''),
      `Opt-in rate ${pct(purpose('statistics').opt_in_rate)}`,
    ),
    kpi(
      'kpi-marketing',
      'Marketing consent rate',
      pct(purpose('marketing').consent_rate),
      '= marketing ' + F.consent_rate.replace('the purpose', ''),
      `Opt-in rate ${pct(purpose('marketing').opt_in_rate)}`,
    ),
  );

  // The funnel: impressions → decisions → what was decided.
  const max = Math.max(f.impressions, f.decisions, 1);
  const bar = (id: string, label: string, n: number, share: string, kind: string, formula: string) =>
    h(
      'li',
      { class: 'bar-row', id },
      h('span', { class: 'bar-label' }, label),
      h('span', { class: 'bar-track', 'aria-hidden': 'true' }, h('span', { class: 'bar ' + kind, style: null, 'data-w': String(n / max) })),
      h('span', { class: 'bar-num' }, num(n)),
      h('span', { class: 'bar-share' }, share),
      formula ? h('span', { class: 'formula bar-formula' }, formula) : null,
    );
  const funnel = h(
    'section',
    { class: 'card funnel', 'aria-labelledby': 'funnel-h' },
    h('h2', { id: 'funnel-h' }, 'Funnel'),
    h(
      'ol',
      { class: 'bars' },
      bar('funnel-impressions', 'Banner impressions', f.impressions, '100 %', 'impressions', ''),
      bar('funnel-decisions', 'Decisions', f.decisions, pct(f.interaction_rate), 'decisions', 'interaction rate = ' + F.interaction_rate),
      r.actions
        .filter((a) => a.count > 0 || ['accept_all', 'reject_all', 'custom'].includes(a.action))
        .map((a) =>
          bar('funnel-' + a.action, ACTION_LABEL[a.action], a.count, pct(a.share), 'action ' + a.action, 'share = ' + F.action_share),
        ),
      bar('funnel-none', 'No decision', f.no_decision, pct(f.no_decision_rate), 'none', '= ' + F.no_decision),
    ),
  );
  for (const el of funnel.querySelectorAll<HTMLElement>('.bar')) el.style.width = (Number(el.dataset.w) * 100).toFixed(2) + '%';

  const purposes = h(
    'section',
    { class: 'card', 'aria-labelledby': 'purposes-h' },
    h('h2', { id: 'purposes-h' }, 'Per purpose'),
    scroller(
      'Per purpose',
      h(
        'table',
        { id: 'purpose-table' },
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            h('th', { scope: 'col' }, 'Purpose'),
            h('th', { scope: 'col', class: 'n' }, 'Granted'),
            h('th', { scope: 'col', class: 'n' }, 'Consent rate', h('span', { class: 'formula' }, 'granted ÷ decisions')),
            h('th', { scope: 'col', class: 'n' }, 'Opt-in rate', h('span', { class: 'formula' }, 'granted ÷ impressions')),
          ),
        ),
        h(
          'tbody',
          {},
          r.purposes.map((p) =>
            h(
              'tr',
              { 'data-purpose': p.purpose },
              h('th', { scope: 'row' }, PURPOSE_LABEL[p.purpose]),
              h('td', { class: 'n' }, num(p.granted)),
              h('td', { class: 'n consent-rate' }, pct(p.consent_rate)),
              h('td', { class: 'n opt-in-rate' }, pct(p.opt_in_rate)),
            ),
          ),
        ),
      ),
    ),
    h('p', { class: 'formula', id: 'purpose-formulas' }, 'Consent rate = ' + F.consent_rate + '. Opt-in rate = ' + F.opt_in_rate + '.'),
    h(
      'p',
      { class: 'muted small' },
      'Consent rate counts only visitors who decided; opt-in rate counts everyone who saw the banner, so it shows how much of your traffic you may measure.',
    ),
  );

  const gpc = h(
    'section',
    { class: 'card', 'aria-labelledby': 'gpc-h', id: 'gpc' },
    h('h2', { id: 'gpc-h' }, 'Global Privacy Control'),
    h('p', { class: 'kpi-value small' }, pct(r.gpc.impression_share)),
    h(
      'p',
      {},
      `${num(r.gpc.impressions)} of ${num(f.impressions)} banner impressions came from browsers sending the GPC signal, which the banner honours.`,
    ),
    h('p', { class: 'formula' }, '= ' + F.gpc_share),
  );

  const trend = h('section', { class: 'card trend', 'aria-labelledby': 'trend-h' }, h('h2', { id: 'trend-h' }, 'Trend'));
  const chartBox = h('div', {
    class: 'chart',
    id: 'trend-chart',
    role: 'img',
    'aria-label': `Chart of banner impressions, decisions and consent rates ${r.granularity == 'hour' ? 'by hour' : 'by day'}; the same numbers are in the table below it.`,
  });
  const table = h(
    'details',
    { class: 'data-table' },
    h('summary', {}, 'Show the numbers as a table'),
    scroller(
      'Trend numbers',
      h(
        'table',
        { id: 'trend-table' },
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            [
              'Period (UTC)',
              'Impressions',
              'Decisions',
              'Accept all',
              'Reject all',
              'Custom',
              'Statistics consent',
              'Marketing consent',
            ].map((t, i) => h('th', { scope: 'col', class: i ? 'n' : null }, t)),
          ),
        ),
        h(
          'tbody',
          {},
          r.series.map((p) =>
            h(
              'tr',
              {},
              h('th', { scope: 'row' }, bucketLabel(p.start, r.granularity)),
              [p.impressions, p.decisions, p.actions.accept_all, p.actions.reject_all, p.actions.custom].map((n) =>
                h('td', { class: 'n' }, num(n)),
              ),
              h('td', { class: 'n' }, pct(p.consent_rate.statistics)),
              h('td', { class: 'n' }, pct(p.consent_rate.marketing)),
            ),
          ),
        ),
      ),
    ),
  );
  append(trend, chartBox, table);

  const breakdowns = h(
    'section',
    { class: 'card', 'aria-labelledby': 'breakdowns-h' },
    h('h2', { id: 'breakdowns-h' }, 'Breakdowns'),
    h(
      'p',
      { class: 'muted small' },
      'Compare languages, devices and banner versions. A new banner version starts whenever the texts, vendors, policy link or consent lifetime change.',
    ),
    breakdown('by-language', 'By language', segmentRows(r.languages), F),
    breakdown('by-device', 'By device', segmentRows(r.devices), F),
    breakdown('by-version', 'By banner version', segmentRows(r.config_versions), F),
  );
  const notes = h(
    'ul',
    { class: 'notes muted small' },
    r.notes.map((n) => h('li', {}, n)),
  );

  clear(out, kpis, h('div', { class: 'grid2' }, funnel, h('div', { class: 'stack' }, purposes, gpc)), trend, breakdowns, notes);
  return drawChart(chartBox, r);
}

function append(el: HTMLElement, ...c: Node[]) {
  for (const x of c) el.appendChild(x);
}

function breakdown(id: string, title: string, rows: Segment[], F: Record<string, string>) {
  if (!rows.length) return null;
  return h(
    'div',
    { class: 'breakdown', id },
    h('h3', {}, title),
    scroller(
      title,
      h(
        'table',
        {},
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            h(
              'th',
              { scope: 'col' },
              title.replace('By ', '').replace(/^./, (x) => x.toUpperCase()),
            ),
            h('th', { scope: 'col', class: 'n' }, 'Impressions'),
            h('th', { scope: 'col', class: 'n' }, 'Decisions'),
            h('th', { scope: 'col', class: 'n', title: F.interaction_rate }, 'Interaction rate'),
            h('th', { scope: 'col', class: 'n', title: F.consent_rate }, 'Statistics consent'),
            h('th', { scope: 'col', class: 'n', title: F.consent_rate }, 'Marketing consent'),
            h('th', { scope: 'col', class: 'n', title: F.opt_in_rate }, 'Statistics opt-in'),
            h('th', { scope: 'col', class: 'n', title: F.opt_in_rate }, 'Marketing opt-in'),
          ),
        ),
        h(
          'tbody',
          {},
          rows.map((s) =>
            h(
              'tr',
              { 'data-key': s.key },
              h('th', { scope: 'row' }, s.label, s.current ? h('span', { class: 'badge' }, 'current') : null),
              h('td', { class: 'n' }, num(s.impressions)),
              h('td', { class: 'n' }, num(s.decisions)),
              h('td', { class: 'n' }, pct(s.interaction_rate)),
              h('td', { class: 'n' }, pct(s.consent_rate.statistics)),
              h('td', { class: 'n' }, pct(s.consent_rate.marketing)),
              h('td', { class: 'n' }, pct(s.opt_in_rate.statistics)),
              h('td', { class: 'n' }, pct(s.opt_in_rate.marketing)),
            ),
          ),
        ),
      ),
    ),
  );
}

function drawChart(box: HTMLElement, r: Report): uPlot {
  const xs = r.series.map((p) => Date.parse(p.start) / 1000);
  const rate = (v: number | null) => (v == null ? null : Math.round(v * 1000) / 10);
  const data: uPlot.AlignedData = [
    xs,
    r.series.map((p) => p.impressions),
    r.series.map((p) => p.decisions),
    r.series.map((p) => rate(p.consent_rate.statistics)),
    r.series.map((p) => rate(p.consent_rate.marketing)),
  ];
  const width = () => Math.max(280, box.clientWidth || box.parentElement!.clientWidth - 32);
  const opts: uPlot.Options = {
    width: width(),
    height: 280,
    tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), 'Etc/UTC'),
    cursor: { points: { size: 7 } },
    legend: { live: true },
    scales: { x: { time: true }, pct: { range: [0, 100] } },
    series: [
      {
        label: r.granularity == 'hour' ? 'Hour (UTC)' : 'Day (UTC)',
        value: (_u, v) => (v == null ? '' : bucketLabel(new Date(v * 1000).toISOString(), r.granularity)),
      },
      {
        label: 'Impressions',
        stroke: COLORS.impressions,
        width: 2,
        fill: 'rgba(100,116,139,0.08)',
        value: (_u, v) => (v == null ? '–' : num(v)),
      },
      { label: 'Decisions', stroke: COLORS.decisions, width: 2, value: (_u, v) => (v == null ? '–' : num(v)) },
      {
        label: 'Statistics consent %',
        stroke: COLORS.statistics,
        width: 2,
        dash: [6, 4],
        scale: 'pct',
        value: (_u, v) => (v == null ? '–' : v.toFixed(1) + ' %'),
      },
      {
        label: 'Marketing consent %',
        stroke: COLORS.marketing,
        width: 2,
        dash: [2, 3],
        scale: 'pct',
        value: (_u, v) => (v == null ? '–' : v.toFixed(1) + ' %'),
      },
    ],
    axes: [
      {
        stroke: '#475569',
        grid: { stroke: '#e2e8f0' },
        ticks: { stroke: '#e2e8f0' },
        space: r.granularity == 'hour' ? 90 : 60,
        values: (_u, vs) => vs.map((v) => bucketLabel(new Date(v * 1000).toISOString(), r.granularity)),
      },
      { stroke: '#475569', grid: { stroke: '#e2e8f0' }, ticks: { show: false }, size: 56, values: (_u, vs) => vs.map((v) => num(v)) },
      {
        side: 1,
        scale: 'pct',
        stroke: '#475569',
        grid: { show: false },
        ticks: { show: false },
        values: (_u, vs) => vs.map((v) => v + ' %'),
      },
    ],
  };
  const u = new uPlot(opts, data, box);
  const ro = new ResizeObserver(() => u.setSize({ width: width(), height: 280 }));
  ro.observe(box);
  const destroy = u.destroy.bind(u);
  u.destroy = () => {
    ro.disconnect();
    destroy();
  };
  return u;
}

export { ApiError };
