// Receipts wait in a localStorage outbox until the server has answered 2xx.
// Each is sent with fetch keepalive on the spot, with sendBeacon when the page
// is hidden, and again on later page loads for up to 7 days. The server is
// idempotent on receipt_id, so sending one twice stores it once.

export interface Item {
  /** receipt_id */
  id: string;
  url: string;
  body: string;
  /** When it was queued, ms since the epoch. */
  t: number;
}

/** Answers that retrying cannot fix; the item is dropped. */
const PERMANENT = [400, 403, 404, 413, 422];
export const KEY = 'samtykke_outbox';
export const MAX_AGE = 7 * 864e5;

export type Store = Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>;
/** Resolves to the HTTP status, or 0 when the request failed. */
export type Send = (item: Item) => Promise<number>;

export class Outbox {
  private busy = new Set<string>();

  constructor(
    private store: Store | null,
    private send: Send,
    private now: () => number = Date.now,
  ) {}

  items(): Item[] {
    try {
      const v = JSON.parse(this.store?.getItem(KEY) || '[]');
      return Array.isArray(v) ? v.filter((i) => i && i.id && this.now() - i.t < MAX_AGE) : [];
    } catch {
      return [];
    }
  }

  private save(items: Item[]) {
    try {
      if (items.length) this.store?.setItem(KEY, JSON.stringify(items));
      else this.store?.removeItem(KEY);
    } catch {
      // Storage full or forbidden: the receipt is still sent once now.
    }
  }

  private drop(id: string) {
    this.save(this.items().filter((i) => i.id != id));
  }

  /** Queues item and tries to deliver it at once. */
  add(item: Item): Promise<void> {
    this.save([...this.items().filter((i) => i.id != item.id), item]);
    return this.deliver(item);
  }

  /** Tries every queued item that is not already on its way. */
  flush(): Promise<void[]> {
    const items = this.items();
    this.save(items); // forgets expired ones
    return Promise.all(items.map((i) => this.deliver(i)));
  }

  private async deliver(item: Item) {
    if (this.busy.has(item.id)) return;
    this.busy.add(item.id);
    let status = 0;
    try {
      status = await this.send(item);
    } catch {
      // network error: keep it
    }
    this.busy.delete(item.id);
    if ((status >= 200 && status < 300) || PERMANENT.includes(status)) this.drop(item.id);
  }

  /** On pagehide: hands queued items not already on their way to beacon. They stay queued until a 2xx is seen. */
  beacon(beacon: (url: string, body: string) => unknown) {
    for (const i of this.items()) if (!this.busy.has(i.id)) beacon(i.url, i.body);
  }
}
