import Database from 'better-sqlite3';

/**
 * Opens an embedded SQLite file the way every local store of creditflow uses it (event store, bus,
 * read models, indexes). WAL with synchronous=NORMAL: each commit is in the WAL before it returns,
 * so it survives a crash of the process (the failure the embedded mode must survive); only a power
 * loss or OS crash can undo the last commits, at a fraction of FULL's fsyncs. Writers on the same
 * file wait up to 5 s for each other instead of failing at once.
 */
export function openSqlite(path: string): Database.Database {
  const db = new Database(path, { timeout: 5_000 });
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  return db;
}
