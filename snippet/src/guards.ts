// Requests that are not scripts: a tag whose purpose is granted (say GA4,
// for statistics) may still call the host of one that is not (Google Ads'
// cookieless pings after a statistics-only choice), and a pasted snippet may
// send an <img> pixel or a beacon of its own. Each way a page sends data to a
// host is checked against the rules: image and iframe src, fetch,
// sendBeacon and XMLHttpRequest. A held request is never sent, not even
// later: a pixel from before the choice carries an event the visitor did not
// allow. Iframes of embed vendors become placeholders (embeds.ts) instead.

/** Whether url may be requested now; false holds it. */
export type Permit = (url: string) => boolean;

export function guards(permit: Permit, onIframe: (el: HTMLIFrameElement, src: string) => boolean) {
  const w = window as any;
  const wrapSrc = (proto: any, hold: (el: any, v: string) => boolean) => {
    const d = Object.getOwnPropertyDescriptor(proto, 'src')!;
    Object.defineProperty(proto, 'src', {
      ...d,
      set(v: string) {
        if (!hold(this, String(v))) d.set!.call(this, v);
      },
    });
  };
  const img = (_: HTMLImageElement, v: string) => !permit(v);
  const frame = (el: HTMLIFrameElement, v: string) => !permit(v) && onIframe(el, v);
  wrapSrc(HTMLImageElement.prototype, img);
  wrapSrc(HTMLIFrameElement.prototype, frame);
  const set = Element.prototype.setAttribute;
  Element.prototype.setAttribute = function (this: Element, name: string, v: string) {
    if (
      name.toLowerCase() == 'src' &&
      ((this instanceof HTMLImageElement && img(this, String(v))) || (this instanceof HTMLIFrameElement && frame(this, String(v))))
    )
      return;
    return set.call(this, name, v);
  };

  const url = (x: unknown) => (x instanceof Request ? x.url : String(x));
  const f = w.fetch;
  if (f)
    w.fetch = function (this: unknown, input: RequestInfo | URL, init?: RequestInit) {
      return permit(url(input)) ? f.call(this, input, init) : Promise.reject(new TypeError('samtykke: held until consent'));
    };
  const nav = navigator as any;
  const beacon = nav.sendBeacon;
  if (beacon) nav.sendBeacon = (u: string, data?: BodyInit) => permit(String(u)) && beacon.call(nav, u, data);
  const x = XMLHttpRequest.prototype;
  const open = x.open,
    send = x.send;
  const held = new WeakSet<XMLHttpRequest>();
  x.open = function (this: XMLHttpRequest, ...a: any[]) {
    if (permit(url(a[1]))) held.delete(this);
    else held.add(this);
    return (open as any).apply(this, a);
  };
  x.send = function (this: XMLHttpRequest, body?: any) {
    if (!held.has(this)) return send.call(this, body);
    // As a refused connection looks to the caller.
    setTimeout(() => this.dispatchEvent(new ProgressEvent('error')));
  };
}
