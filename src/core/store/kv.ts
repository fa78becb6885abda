/**
 * Plugin key/value namespaces over SQLite. Reads come from memory (a plugin
 * calls `get` on its hot path); writes update memory at once and reach the
 * database in batches, one transaction per flush, so a burst of `set` calls
 * costs one commit instead of one each.
 */
import type { Store } from '../plugin-api.ts';
import { migrate, type Db } from './database.ts';

const DELETED = Symbol('deleted');
type Pending = Map<string, Map<string, string | typeof DELETED>>;

export interface KvOptions {
  /** Flush pending writes after this many ms (a timer; unref'd). Default 1000. */
  readonly flushMs?: number;
  /** Flush at once when this many writes are pending. Default 1000. */
  readonly maxPending?: number;
}

export class KvStore {
  private readonly cache = new Map<string, Map<string, unknown>>();
  private readonly pending: Pending = new Map();
  private pendingCount = 0;
  private timer: NodeJS.Timeout | null = null;
  private readonly flushMs: number;
  private readonly maxPending: number;
  private readonly upsert;
  private readonly remove;
  private readonly selectNs;

  constructor(private readonly db: Db, opts: KvOptions = {}) {
    this.flushMs = opts.flushMs ?? 1000;
    this.maxPending = opts.maxPending ?? 1000;
    migrate(db, 'kv/1', 'CREATE TABLE kv (ns TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (ns, key)) WITHOUT ROWID');
    this.upsert = db.prepare('INSERT INTO kv (ns, key, value) VALUES (?, ?, ?) ON CONFLICT (ns, key) DO UPDATE SET value = excluded.value');
    this.remove = db.prepare('DELETE FROM kv WHERE ns = ? AND key = ?');
    this.selectNs = db.prepare('SELECT key, value FROM kv WHERE ns = ?');
  }

  /** The store of one plugin instance (`<plugin>/<instance>`). Values must be JSON-serialisable. */
  namespace(ns: string): Store {
    const data = this.load(ns);
    return {
      get: <T>(key: string): T | undefined => data.get(key) as T | undefined,
      set: (key: string, value: unknown): void => {
        const json = JSON.stringify(value);
        if (json === undefined) throw new TypeError(`store ${ns}: value for key "${key}" is not JSON-serialisable`);
        // Keep what a JSON round trip gives, so a read before and after a restart agree.
        data.set(key, JSON.parse(json));
        this.queue(ns, key, json);
      },
      delete: (key: string): void => { if (data.delete(key)) this.queue(ns, key, DELETED); },
      keys: (prefix = ''): string[] => [...data.keys()].filter((k) => k.startsWith(prefix)).sort(),
    };
  }

  /** Write every pending change in one transaction. */
  flush(): void {
    if (this.timer) { clearTimeout(this.timer); this.timer = null; }
    if (!this.pendingCount) return;
    const batch = [...this.pending];
    this.pending.clear();
    this.pendingCount = 0;
    this.db.transaction(() => {
      for (const [ns, changes] of batch) {
        for (const [key, v] of changes) {
          if (v === DELETED) this.remove.run(ns, key); else this.upsert.run(ns, key, v);
        }
      }
    })();
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
    if (this.pendingCount >= this.maxPending) this.flush();
    else if (!this.timer) { this.timer = setTimeout(() => this.flush(), this.flushMs); this.timer.unref(); }
  }
}
