// Timers, a worker thread and crypto random numbers (swrr's runtime suite,
// Tests/SwrrRuntimeTests). The worker sums numbers and posts them back; the main thread interleaves
// interval ticks with the worker's messages, prints the time and random bytes: a replay must print
// all of it again, byte for byte.
'use strict';
const { Worker } = require('worker_threads');
const crypto = require('crypto');

console.log('now:', Date.now(), 'random:', Math.random());
console.log('crypto:', crypto.randomBytes(16).toString('hex'), crypto.randomInt(1000000));

const worker = new Worker(`
  const { parentPort } = require('worker_threads');
  parentPort.on('message', (n) => {
    let sum = 0;
    for (let i = 0; i <= n; i++) sum += i % 7;
    parentPort.postMessage({ n, sum, uuid: require('crypto').randomUUID() });
  });
`, { eval: true });

const events = [];
let pending = 3;
worker.on('message', (m) => {
  events.push(`worker n=${m.n} sum=${m.sum} uuid=${m.uuid}`);
  if (--pending === 0) {
    clearInterval(ticker);
    worker.terminate().then((code) => {
      console.log(events.join('\n'));
      console.log('worker exit code:', code, 'elapsed > 0:', Date.now() > 0);
    });
  }
});
let ticks = 0;
const ticker = setInterval(() => { events.push(`tick ${++ticks}`); }, 5);
for (const n of [10000, 200000, 3000000]) {
  setTimeout(() => worker.postMessage(n), n / 100000);
}
