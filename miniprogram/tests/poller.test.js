const test = require("node:test");
const assert = require("node:assert/strict");

const { createPoller } = require("../utils/poller");

// Timers the test fires by hand.
function manualTimers() {
  const pending = [];
  return {
    pending,
    setTimeout(fn, delay) {
      const handle = { fn, delay };
      pending.push(handle);
      return handle;
    },
    clearTimeout(handle) {
      const i = pending.indexOf(handle);
      if (i >= 0) pending.splice(i, 1);
    },
    async fireNext() {
      const handle = pending.shift();
      handle.fn();
      await new Promise((resolve) => setImmediate(resolve));
      return handle.delay;
    },
  };
}

test("the cursor advances past received lines only", async () => {
  const asked = [];
  const batches = [[{ id: 3 }, { id: 5 }], [], [{ id: 6 }]];
  const seen = [];
  const poller = createPoller({
    fetchAfter: (after) => {
      asked.push(after);
      return Promise.resolve({ messages: batches.shift() || [] });
    },
    onBatch: (body) => seen.push(...body.messages.map((m) => m.id)),
    intervalMs: 3000,
    timers: manualTimers(),
  });
  await poller.poll();
  await poller.poll();
  await poller.poll();
  assert.deepEqual(asked, [0, 5, 5]);
  assert.deepEqual(seen, [3, 5, 6]);
  assert.equal(poller.cursor, 6);
});

test("a failed poll keeps the cursor and retries later with back-off", async () => {
  const timers = manualTimers();
  const asked = [];
  let fail = true;
  const poller = createPoller({
    fetchAfter: (after) => {
      asked.push(after);
      return fail ? Promise.reject(new Error("offline")) : Promise.resolve({ messages: [{ id: 2 }] });
    },
    onBatch: () => {},
    intervalMs: 1000,
    timers,
  });
  poller.start();
  assert.equal(await timers.fireNext(), 0); // first poll at once: fails
  assert.equal(timers.pending[0].delay, 2000); // back-off
  fail = false;
  await timers.fireNext();
  assert.equal(timers.pending[0].delay, 1000);
  assert.deepEqual(asked, [0, 0]);
  assert.equal(poller.cursor, 2);
  poller.stop();
  assert.equal(timers.pending.length, 0);
});

test("concurrent polls share one request", async () => {
  let requests = 0;
  let release;
  const poller = createPoller({
    fetchAfter: () => {
      requests += 1;
      return new Promise((resolve) => {
        release = () => resolve({ messages: [{ id: 1 }] });
      });
    },
    onBatch: () => {},
    intervalMs: 1000,
    timers: manualTimers(),
  });
  const first = poller.poll();
  const second = poller.poll();
  release();
  await Promise.all([first, second]);
  assert.equal(requests, 1);
});

test("stop prevents further polls; start is idempotent", async () => {
  const timers = manualTimers();
  const poller = createPoller({
    fetchAfter: () => Promise.resolve({ messages: [] }),
    onBatch: () => {},
    intervalMs: 1000,
    timers,
  });
  poller.start();
  poller.start();
  assert.equal(timers.pending.length, 1);
  poller.stop();
  assert.equal(timers.pending.length, 0);
});

test("hide/show while a poll is in flight keeps one timer chain", async () => {
  const timers = manualTimers();
  const releases = [];
  const poller = createPoller({
    fetchAfter: () => new Promise((resolve) => releases.push(() => resolve({ messages: [] }))),
    onBatch: () => {},
    intervalMs: 1000,
    timers,
  });
  poller.start();
  await timers.fireNext(); // the first poll is now waiting for the server
  poller.stop(); // onHide
  poller.start(); // onShow: polls again at once, sharing the request in flight
  await timers.fireNext();
  releases.forEach((release) => release());
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(timers.pending.length, 1);
  poller.stop();
  assert.equal(timers.pending.length, 0);
});

test("a poll that ends after stop() schedules nothing", async () => {
  const timers = manualTimers();
  let release;
  const poller = createPoller({
    fetchAfter: () => new Promise((resolve) => (release = () => resolve({ messages: [] }))),
    onBatch: () => {},
    intervalMs: 1000,
    timers,
  });
  poller.start();
  await timers.fireNext();
  poller.stop();
  release();
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(timers.pending.length, 0);
});
