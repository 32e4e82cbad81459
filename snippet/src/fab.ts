// The "Cookie settings" button that a visitor who has chosen sees on every
// page. It is in samtykke.js itself, with a stylesheet of its own
// (fab.css), so that a returning visitor loads samtykke-ui.js only when they
// open the settings.
import { h, mount } from './dom.ts';

/** A cookie with a bite taken out and three crumbs. Attributes, not innerHTML, so pages that enforce Trusted Types allow it. */
export function cookieIcon(): SVGSVGElement {
  const svg = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
  const path = document.createElementNS(svg.namespaceURI, 'path');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('aria-hidden', 'true');
  path.setAttribute('fill', 'none');
  path.setAttribute('stroke', 'currentColor');
  path.setAttribute('stroke-width', '1.8');
  path.setAttribute('stroke-linecap', 'round');
  path.setAttribute('d', 'M12 3a9 9 0 1 0 9 9 3 3 0 0 1-3.5-3A3 3 0 0 1 14 5.5 3 3 0 0 1 12 3zM8.5 10h.01M9 15h.01M14 14h.01');
  svg.append(path);
  return svg;
}

/**
 * Draws the button; open opens the settings layer. The name is on screen,
 * not only in aria-label or a hover title: the banner tells visitors to look
 * for it, and touch screens show no titles.
 */
export function settingsButton(label: string, nonce: string, open: () => void): HTMLElement {
  const [, root] = mount('samtykke-settings', nonce);
  const b = h('button', { type: 'button', class: 'w fab', onclick: open }, cookieIcon(), label);
  root.append(b);
  return b;
}
