// Polls for new transcript lines without overlapping requests and without losing any:
// the cursor only advances past lines the poll itself received. Replies to a send are
// merged by id and never move the cursor, so an operator line stored in between is
// still fetched. Each start() begins a new generation: a poll still in flight from
// before a stop() never schedules another timer, so hide/show cannot fork the chain.

function createPoller({ fetchAfter, onBatch, intervalMs, timers = { setTimeout, clearTimeout } }) {
  let cursor = 0;
  let timer = null;
  let generation = 0;
  let running = false;
  let inFlight = null;

  function schedule(delay, owner) {
    if (running && owner === generation && timer === null) {
      timer = timers.setTimeout(() => tick(owner), delay);
    }
  }

  function tick(owner) {
    timer = null;
    poll().then(
      () => schedule(intervalMs, owner),
      // On failure, try again later with the same cursor (nothing is skipped).
      () => schedule(intervalMs * 2, owner),
    );
  }

  // One request now; concurrent callers share it.
  function poll() {
    if (inFlight) return inFlight;
    inFlight = fetchAfter(cursor)
      .then((body) => {
        const messages = body.messages || [];
        for (const m of messages) if (m.id > cursor) cursor = m.id;
        onBatch(body);
      })
      .finally(() => {
        inFlight = null;
      });
    return inFlight;
  }

  return {
    start() {
      if (running) return;
      running = true;
      generation += 1;
      schedule(0, generation);
    },
    stop() {
      running = false;
      if (timer !== null) timers.clearTimeout(timer);
      timer = null;
    },
    poll,
    get cursor() {
      return cursor;
    },
    get running() {
      return running;
    },
  };
}

module.exports = { createPoller };
