// SQLite copies its write-ahead log back into the database file in a checkpoint, which by default
// runs inside whichever commit takes the log past 1,000 pages: on the event loop, with an fsync of the
// database file, so every few hundred commits one request waited for it (the embedded platform's
// p99). Here one worker thread per process checkpoints every file the process has open, PASSIVE
// (it never blocks a writer or a reader), so a commit only appends to the log. Should the worker fall
// behind, a commit still checkpoints once the log passes OWN_CHECKPOINT_PAGES.
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/** How often the worker checkpoints each file. */
const INTERVAL_MS = 200;
/** wal_autocheckpoint of the files' own connections: a safety net, ~40 MB of log. */
export const OWN_CHECKPOINT_PAGES = 10_000;

// Plain JavaScript, run as is by the worker (no TypeScript loader there).
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const files = new Map();
parentPort.on('message', ({ op, path, done }) => {
  const file = files.get(path);
  if (op === 'watch') {
    if (file) file.users++;
    else files.set(path, { path, db: null, users: 1 });
    return;
  }
  if (file && --file.users === 0) {
    files.delete(path);
    try { file.db?.close(); } catch {}
  }
  Atomics.store(done, 0, 1);
  Atomics.notify(done, 0);
});
setInterval(() => {
  for (const file of files.values()) {
    try {
      file.db ??= new Database(file.path, { fileMustExist: true, timeout: 0 });
      file.db.pragma('wal_checkpoint(PASSIVE)');
    } catch {
      // Busy, or the file is gone: the next round tries again (or the file is forgotten).
    }
  }
}, workerData.intervalMs);
`;

let worker: Worker | null = null;

function checkpointer(): Worker {
  if (!worker) {
    const driver = createRequire(__filename).resolve('better-sqlite3');
    worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { driver, intervalMs: INTERVAL_MS } });
    worker.unref(); // never what keeps a process alive
    worker.on('error', () => {
      worker = null; // the files' own connections checkpoint past OWN_CHECKPOINT_PAGES meanwhile
    });
  }
  return worker;
}

/** The longest a close waits for the worker to let go of its file. */
const FORGET_WAIT_MS = 2_000;

/**
 * Has the worker checkpoint `path` until `forget` is called as many times as `watch` was. `forget`
 * returns once the worker has closed its connection (blocking, briefly: it is called from a
 * synchronous close), so the file's own connection closes last, checkpoints and removes the WAL, and
 * nothing touches the directory afterwards.
 */
export function watchWal(path: string): { forget(): void } {
  checkpointer().postMessage({ op: 'watch', path });
  let forgotten = false;
  return {
    forget() {
      if (forgotten || !worker) return;
      forgotten = true;
      const done = new Int32Array(new SharedArrayBuffer(4));
      worker.postMessage({ op: 'forget', path, done });
      Atomics.wait(done, 0, 0, FORGET_WAIT_MS);
    },
  };
}
