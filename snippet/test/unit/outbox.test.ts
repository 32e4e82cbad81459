import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KEY, MAX_AGE, Outbox, type Item } from '../../src/outbox.ts';

class Mem {
  m = new Map<string, string>();
  getItem(k: string) {
    return this.m.get(k) ?? null;
  }
  setItem(k: string, v: string) {
    this.m.set(k, v);
  }
  removeItem(k: string) {
    this.m.delete(k);
  }
}

const item = (id: string, t = 1000): Item => ({ id, url: 'https://c.test/v1/sites/s/receipts', body: `{"receipt_id":"${id}"}`, t });

test('a receipt leaves the outbox only when the server answers 2xx', async () => {
  const store = new Mem();
  let answer = 503;
  const sent: string[] = [];
  const box = new Outbox(
    store,
    async (i) => (sent.push(i.id), answer),
    () => 2000,
  );
  await box.add(item('a'));
  assert.deepEqual(
    box.items().map((i) => i.id),
    ['a'],
    'kept after 503',
  );
  answer = 0;
  await box.flush();
  assert.equal(box.items().length, 1, 'kept after a network error');
  answer = 201;
  await box.flush();
  assert.equal(box.items().length, 0);
  assert.equal(store.getItem(KEY), null);
  assert.deepEqual(sent, ['a', 'a', 'a']);
});

test('a thrown send keeps the receipt; a permanent 4xx drops it', async () => {
  const store = new Mem();
  const box = new Outbox(
    store,
    async () => {
      throw new TypeError('Failed to fetch');
    },
    () => 2000,
  );
  await box.add(item('a'));
  assert.equal(box.items().length, 1);
  const box2 = new Outbox(
    store,
    async () => 400,
    () => 2000,
  );
  await box2.flush();
  assert.equal(box2.items().length, 0);
});

test('later page loads retry for up to 7 days, then give up', async () => {
  const store = new Mem();
  store.setItem(KEY, JSON.stringify([item('old', 0), item('new', MAX_AGE)]));
  const sent: string[] = [];
  const box = new Outbox(
    store,
    async (i) => (sent.push(i.id), 503),
    () => MAX_AGE + 10,
  );
  await box.flush();
  assert.deepEqual(sent, ['new']);
  assert.deepEqual(
    JSON.parse(store.getItem(KEY)!).map((i: Item) => i.id),
    ['new'],
  );
});

test('an item on its way is not sent twice at once, and the beacon skips it', async () => {
  const store = new Mem();
  const pending: ((n: number) => void)[] = [];
  let calls = 0;
  const box = new Outbox(
    store,
    () => (calls++, new Promise<number>((r) => pending.push(r))),
    () => 2000,
  );
  const p = box.add(item('a'));
  store.setItem(KEY, JSON.stringify([item('a'), item('b')]));
  const beaconed: string[] = [];
  box.beacon((_u, body) => beaconed.push(body));
  assert.deepEqual(beaconed, ['{"receipt_id":"b"}']);
  const f = box.flush(); // 'a' is busy; 'b' goes out
  assert.equal(calls, 2);
  pending.forEach((r) => r(201));
  await p;
  await f;
  assert.equal(box.items().length, 0);
});

test('garbage in storage does not break the outbox', async () => {
  const store = new Mem();
  store.setItem(KEY, '{not json');
  const box = new Outbox(
    store,
    async () => 201,
    () => 1,
  );
  assert.deepEqual(box.items(), []);
  const none = new Outbox(null, async () => 201);
  await none.add(item('x'));
  assert.deepEqual(none.items(), []);
});
