/*
 * A small promise pool: the goods set runs its requests through one so that at most
 * CONCURRENCY are in flight (the provider account's concurrent-job limit is shared).
 * No DOM: tested in Node.
 */

/**
 * run(task) starts task() once fewer than `limit` are running and settles with it.
 * clear(dropped) drops the tasks still waiting (each resolves to `dropped`).
 * onChange() is called whenever the running or waiting count may have changed.
 * @param {number} limit
 * @param {() => void} [onChange]
 */
export function createPool(limit, onChange = () => {}) {
  let active = 0;
  const waiting = [];
  const next = () => {
    while (active < limit && waiting.length) {
      const item = waiting.shift();
      active += 1;
      Promise.resolve()
        .then(item.task)
        .then(item.resolve, item.reject)
        .finally(() => {
          active -= 1;
          next();
          onChange();
        });
    }
  };
  return {
    run(task) {
      return new Promise((resolve, reject) => {
        waiting.push({ task, resolve, reject });
        next();
        onChange();
      });
    },
    clear(dropped) {
      for (const item of waiting.splice(0)) item.resolve(dropped);
      onChange();
    },
    get active() {
      return active;
    },
    get waiting() {
      return waiting.length;
    },
  };
}
