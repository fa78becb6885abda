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

/**
 * Bounds of one plugin's store. A plugin that keeps a record per address
 * it sees (a blocker's blocks, a notifier's last alert per source) would
 * otherwise grow with a spoofed flood, in memory (every namespace is held
 * there) and on disk. Past a bound `set` of a new key, or of a larger
 * value, throws: dropping an old record quietly could lose one a plugin
 * must keep (a block to undo), so the plugin decides what to forget.
 */
export const STORE_MAX_KEYS = 100_000;
export const STORE_MAX_BYTES = 64 * 1024 * 1024;

const DELETED = Symbol('deleted');

/** A value held in memory, with the bytes its row takes (key + JSON value, UTF-8), which keep the namespace within its bound. */
interface Held { readonly value: unknown; readonly bytes: number }

/** One namespace in memory. */
interface Space {
  readonly data: Map<string, Held>;
  total: number;
}
type Pending = Map<string, Map<string, string | typeof DELETED>>;

export interface KvOptions {
  /** Flush pending writes after this many ms (a timer; unref'd). Default 1000. */
  readonly flushMs?: number;
  /** Flush at once when this many writes are pending. Default 1000. */
  readonly maxPending?: number;
  /** Largest value accepted, in bytes of JSON (default 16 MiB): one row SQLite refuses would fail every later flush. */
  readonly maxValueBytes?: number;
  /** Most keys one namespace may hold (default STORE_MAX_KEYS). */
  readonly maxKeys?: number;
  /** Most bytes one namespace may hold, keys and JSON values together (default STORE_MAX_BYTES). */
  readonly maxBytes?: number;
  /**
   * Told of a flush that failed on the timer or on reaching maxPending (the
   * database busy, full, read-only). The writes stay pending and are tried
   * again, spaced out (1 s doubling to a minute). Default: a process warning.
   */
  readonly onWriteError?: (err: Error, pending: number) => void;
}

export class KvStore {
  private readonly cache = new Map<string, Space>();
  private readonly pending: Pending = new Map();
  private pendingCount = 0;
  private timer: NodeJS.Timeout | null = null;
  private readonly flushMs: number;
  private readonly maxPending: number;
  private readonly maxValueBytes: number;
  private readonly maxKeys: number;
  private readonly maxBytes: number;
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
    this.maxKeys = opts.maxKeys ?? STORE_MAX_KEYS;
    this.maxBytes = opts.maxBytes ?? STORE_MAX_BYTES;
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
    const space = this.load(ns);
    const data = space.data;
    return {
      get: <T>(key: string): T | undefined => data.get(stored(key))?.value as T | undefined,
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
        const before = data.get(key)?.bytes;
        if (before === undefined && data.size >= this.maxKeys) {
          throw new RangeError(`store ${ns}: cannot add key "${key}": the store already holds ${data.size} keys, the most one plugin's store may; delete the keys it no longer needs (give per-address records an expiry)`);
        }
        const size = Buffer.byteLength(key) + bytes;
        const total = space.total - (before ?? 0) + size;
        if (total > this.maxBytes) {
          throw new RangeError(`store ${ns}: cannot set key "${key}": the store would hold ${total} bytes, more than the ${this.maxBytes} one plugin's store may; delete the keys it no longer needs or keep smaller values`);
        }
        space.total = total;
        // Keep what a JSON round trip gives, so a read before and after a restart agree.
        data.set(key, { value: JSON.parse(json), bytes: size });
        this.queue(ns, key, json);
      },
      delete: (rawKey: string): void => {
        const key = stored(rawKey);
        const held = data.get(key);
        if (held === undefined) return;
        data.delete(key);
        space.total -= held.bytes;
        this.queue(ns, key, DELETED);
      },
      size: (): number => data.size,
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

  /** A namespace's rows, read once. Rows written under larger bounds stay readable: only growing past the bounds is refused. */
  private load(ns: string): Space {
    let space = this.cache.get(ns);
    if (!space) {
      space = { data: new Map(), total: 0 };
      for (const row of this.selectNs.all(ns) as Array<{ key: string; value: string }>) {
        const bytes = Buffer.byteLength(row.key) + Buffer.byteLength(row.value);
        space.data.set(row.key, { value: JSON.parse(row.value), bytes });
        space.total += bytes;
      }
      this.cache.set(ns, space);
    }
    return space;
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
