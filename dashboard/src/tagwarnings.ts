// "Tags to fix": the tracker tags the banner found pasted unmarked on the
// site's pages (the snippet reports them), with what to do about each: the
// marked markup to paste instead, a <noscript> pixel to remove, or a vendor
// to declare so the banner lists it.
import { api, type ApiError } from './api.ts';
import { announce, clear, h } from './dom.ts';
import { num } from './format.ts';
import { copyButton } from './setup.ts';
import { KIND_LABEL, seenAt, type TagWarning, tagAdvice } from './vendors.ts';

export interface TagWarningsOptions {
  siteId: string;
  owner: boolean;
  /** Declares a built-in vendor in the site's setup and saves it; false when that failed. */
  declare(vendor: string): Promise<boolean>;
}

export function tagWarningsCard(o: TagWarningsOptions) {
  const path = `/sites/${encodeURIComponent(o.siteId)}/tag-warnings`;
  const body = h('div', { id: 'tag-warnings' }, h('p', { class: 'muted' }, 'Loading…'));
  const status = h('p', { class: 'status', role: 'status', id: 'tag-warnings-status' });
  const el = h(
    'section',
    { class: 'card', 'aria-labelledby': 'tags-h', id: 'tags-to-fix' },
    h('h2', { id: 'tags-h', tabindex: -1 }, 'Tags to fix'),
    h(
      'p',
      { class: 'muted small' },
      'The banner reports tracker tags it finds on your pages without their marking: a browser may fetch those before the visitor chooses, or the banner cannot list their vendor. Nothing about visitors is reported, only the tag and the page path.',
    ),
    body,
    status,
  );

  const item = (w: TagWarning, i: number) => {
    const a = tagAdvice(w);
    const id = `tw-${i}`;
    const declareBtn =
      a.declare && o.owner && !w.vendor.startsWith('custom_')
        ? h('button', { type: 'button', class: 'primary', 'aria-describedby': `${id}-todo` }, `Declare ${w.vendor_name}`)
        : null;
    declareBtn?.addEventListener('click', async () => {
      declareBtn.disabled = true;
      status.textContent = `Declaring ${w.vendor_name}…`;
      const ok = await o.declare(w.vendor);
      declareBtn.disabled = false;
      status.textContent = ok
        ? `${w.vendor_name} is declared: the banner lists it from now on.`
        : `${w.vendor_name} could not be declared; see the form below.`;
      if (ok) load();
    });
    const pages = w.pages || [];
    return h(
      'li',
      { class: 'tag-warning', 'data-vendor': w.vendor, 'data-kind': w.kind },
      h('h3', { id: `${id}-h` }, w.vendor_name || w.vendor, h('span', { class: 'badge' }, KIND_LABEL[w.kind] || w.kind)),
      h('p', { id: `${id}-todo` }, a.todo),
      a.showMarkup
        ? h(
            'div',
            { class: 'tag' },
            h('code', { id: `${id}-markup` }, w.markup),
            copyButton(() => w.markup, 'Copy markup'),
          )
        : null,
      declareBtn,
      h(
        'p',
        { class: 'muted small' },
        `Seen ${w.count == 1 ? 'once' : `${num(w.count)} times`}, last on ${seenAt(w.last_seen)}` +
          (w.first_seen && w.first_seen != w.last_seen ? `, first on ${seenAt(w.first_seen)}.` : '.'),
      ),
      pages.length
        ? h(
            'div',
            { class: 'small' },
            h('span', { id: `${id}-pages` }, pages.length == 1 ? 'On the page ' : `On these pages (the latest ${pages.length}):`),
            h(
              'ul',
              { class: 'pages', 'aria-labelledby': `${id}-pages` },
              pages.map((p) => h('li', {}, h('code', {}, p))),
            ),
          )
        : null,
    );
  };

  let seq = 0;
  async function load() {
    const mine = ++seq;
    let list: TagWarning[];
    try {
      list = (await api<{ tag_warnings: TagWarning[] }>('GET', path)).tag_warnings || [];
    } catch (e) {
      if (mine != seq) return;
      const ae = e as ApiError;
      clear(body, h('p', { class: 'form-error' }, 'The tags to fix could not be loaded: ' + ae.message));
      return;
    }
    if (mine != seq || !el.isConnected) return;
    if (!list.length) {
      clear(
        body,
        h(
          'div',
          { class: 'empty-state', id: 'tag-warnings-empty' },
          h('p', {}, h('strong', {}, 'No tags need fixing.')),
          h(
            'p',
            { class: 'muted small' },
            'When the banner finds a tracker tag pasted without its marking, it is listed here with the markup to paste instead.',
          ),
        ),
      );
      return;
    }
    const fixed = o.owner
      ? h('button', { type: 'button', id: 'tag-warnings-fixed', 'aria-describedby': 'tag-warnings-fixed-hint' }, 'Mark as fixed')
      : null;
    fixed?.addEventListener('click', async () => {
      fixed.disabled = true;
      status.textContent = 'Clearing…';
      try {
        await api('DELETE', path);
        status.textContent = 'Marked as fixed. A tag still on your pages is reported again at the next visit.';
        announce('The tags to fix were cleared.');
        await load();
        document.getElementById('tags-h')?.focus();
      } catch (e) {
        status.textContent = 'Could not clear the list: ' + (e as ApiError).message;
        fixed.disabled = false;
      }
    });
    clear(
      body,
      h('ol', { class: 'tag-warnings' }, list.map(item)),
      o.owner
        ? h(
            'div',
            { class: 'form-actions plain' },
            fixed,
            h(
              'p',
              { class: 'muted small', id: 'tag-warnings-fixed-hint' },
              'Once the tags are changed on your pages, clear this list. A tag still there is reported again.',
            ),
          )
        : null,
    );
  }
  load();
  return { el, reload: load };
}
