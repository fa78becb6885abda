/**
 * Plugin key/value namespaces over SQLite. Reads come from memory (a plugin
 * calls `get` on its hot path); writes update memory at once and reach the
 * database in batches, one transaction per flush, so a burst of `set` calls
 * costs one commit instead of one each.
 */
import type { Store } from '../plugin-api.ts';
import Database from 'better-sqlite3';
import { migrate, type Db } from './database.ts';

/** Lone UTF-16 surrogates: SQLite stores them as bytes that read back as other characters. */
const LONE_SURROGATE = /\p{Cs}/u;
const LONE_SURROGATES = /\p{Cs}/gu;
/** Keys and namespaces as they will read back from the database, so a lookup agrees before and after a restart. */
const stored = (s: string): string => (LONE_SURROGATE.test(s) ? s.replace(LONE_SURROGATES, '\uFFFD') : s);

/** Longest wait between two tries of a failing flush. */
const MAX_RETRY_MS = 60_000;

const DELETED = Symbol('deleted');
type Pending = Map<string, Map<string, string | typeof DELETED>>;

export interface KvOptions {
  /** Flush pending writes after this many ms (a timer; unref'd). Default 1000. */
  readonly flushMs?: number;
  /** Flush at once when this many writes are pending. Default 1000. */
  readonly maxPending?: number;
  /** Largest value accepted, in bytes of JSON (default 16 MiB): one row SQLite refuses would fail every later flush. */
  readonly maxValueBytes?: number;
  /**
   * Told of a flush that failed on the timer or on reaching maxPending (the
   * database busy, full, read-only). The writes stay pending and are tried
   * again, spaced out (1 s doubling to a minute). Default: a process warning.
   */
  readonly onWriteError?: (err: Error, pending: number) => void;
}

export class KvStore {
  private readonly cache = new Map<string, Map<string, unknown>>();
  private readonly pending: Pending = new Map();
  private pendingCount = 0;
  private timer: NodeJS.Timeout | null = null;
  private readonly flushMs: number;
  private readonly maxPending: number;
  private readonly maxValueBytes: number;
  private readonly onWriteError: (err: Error, pending: number) => void;
  private failing = 0;
  private retryAt = 0;
  private readonly upsert;
  private readonly remove;
  private readonly selectNs;

  constructor(private readonly db: Db, opts: KvOptions = {}) {
    this.flushMs = opts.flushMs ?? 1000;
    this.maxPending = opts.maxPending ?? 1000;
    this.maxValueBytes = opts.maxValueBytes ?? 16 * 1024 * 1024;
    this.onWriteError = opts.onWriteError
      ?? ((err, pending) => process.emitWarning(`${db.name}: plugin store writes failed (${err.message}); ${pending} kept for a retry`, 'VigilStoreWarning'));
    migrate(db, 'kv/1', 'CREATE TABLE kv (ns TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (ns, key)) WITHOUT ROWID');
    this.upsert = db.prepare('INSERT INTO kv (ns, key, value) VALUES (?, ?, ?) ON CONFLICT (ns, key) DO UPDATE SET value = excluded.value');
    this.remove = db.prepare('DELETE FROM kv WHERE ns = ? AND key = ?');
    this.selectNs = db.prepare('SELECT key, value FROM kv WHERE ns = ?');
  }

  /** The store of one plugin instance (`<plugin>/<instance>`). Values must be JSON-serialisable. */
  namespace(name: string): Store {
    const ns = stored(name);
    const data = this.load(ns);
    return {
      get: <T>(key: string): T | undefined => data.get(stored(key)) as T | undefined,
      set: (rawKey: string, value: unknown): void => {
        const key = stored(rawKey);
        let json: string | undefined;
        try { json = JSON.stringify(value); } catch (e) {
          // A cycle, a BigInt, a throwing toJSON: the plugin author needs the key to find it.
          throw new TypeError(`store ${ns}: value for key "${key}" is not JSON-serialisable (${(e as Error).message.split('\n')[0]})`);
        }
        if (json === undefined) throw new TypeError(`store ${ns}: value for key "${key}" is not JSON-serialisable`);
        const bytes = Buffer.byteLength(json);
        if (bytes > this.maxValueBytes) throw new RangeError(`store ${ns}: value for key "${key}" is ${bytes} bytes of JSON, more than the ${this.maxValueBytes} a value may have`);
        // Keep what a JSON round trip gives, so a read before and after a restart agree.
        data.set(key, JSON.parse(json));
        this.queue(ns, key, json);
      },
      delete: (rawKey: string): void => { const key = stored(rawKey); if (data.delete(key)) this.queue(ns, key, DELETED); },
      keys: (prefix = ''): string[] => { const p = stored(prefix); return [...data.keys()].filter((k) => k.startsWith(p)).sort(); },
    };
  }

  /**
   * Write every pending change in one transaction. When it fails the
   * changes stay pending (SQLite rolled them back) and the error is thrown.
   */
  flush(): void {
    if (this.timer) { clearTimeout(this.timer); this.timer = null; }
    if (!this.pendingCount) return;
    this.db.transaction(() => {
      for (const [ns, changes] of this.pending) {
        for (const [key, v] of changes) {
          if (v === DELETED) this.remove.run(ns, key); else this.upsert.run(ns, key, v);
        }
      }
    })();
    this.pending.clear();
    this.pendingCount = 0;
    this.failing = 0;
  }

  /** Flush and stop the timer; the database handle stays open (its owner closes it). */
  close(): void { this.flush(); }

  get pendingWrites(): number { return this.pendingCount; }

  private load(ns: string): Map<string, unknown> {
    let data = this.cache.get(ns);
    if (!data) {
      data = new Map();
      for (const row of this.selectNs.all(ns) as Array<{ key: string; value: string }>) data.set(row.key, JSON.parse(row.value));
      this.cache.set(ns, data);
    }
    return data;
  }

  private queue(ns: string, key: string, v: string | typeof DELETED): void {
    let changes = this.pending.get(ns);
    if (!changes) { changes = new Map(); this.pending.set(ns, changes); }
    if (!changes.has(key)) this.pendingCount++;
    changes.set(key, v);
    // While writes fail, each try can wait the whole busy timeout: a plugin's set must not pay that per call.
    if (this.pendingCount >= this.maxPending && (this.failing === 0 || Date.now() >= this.retryAt)) this.safeFlush();
    else this.schedule(this.flushMs);
  }

  private schedule(ms: number): void {
    if (this.timer || !this.pendingCount) return;
    this.timer = setTimeout(() => { this.timer = null; this.safeFlush(); }, ms);
    this.timer.unref();
  }

  /** flush() where a database error must not reach the caller (a timer, a plugin's set): reported, kept, retried later. */
  private safeFlush(): void {
    try {
      this.flush();
    } catch (e) {
      if (!(e instanceof Database.SqliteError)) throw e;
      this.failing++;
      const wait = Math.min(MAX_RETRY_MS, 1000 * 2 ** (this.failing - 1));
      this.retryAt = Date.now() + wait;
      this.onWriteError(e, this.pendingCount);
      this.schedule(wait);
    }
  }
}
