/**
 * Contexts: named, keyed flags with a lifetime on event time (SEC's
 * contexts). Set and cleared by the `context.set` / `context.delete` actions,
 * tested by the `context(name, key…)` condition helper. Each name holds at
 * most `capPerName` keys, or the limit a rule file declares for it under
 * `contexts:` (see setLimits); the least recently set is evicted first, and
 * counted. Keys sit in an LruMap per name, so setting one at the cap costs
 * O(1) however many were evicted before.
 * Persistent contexts are written through to SQLite and read back at start.
 */
import type Database from 'better-sqlite3';
import { LruMap } from './lru-map.ts';

interface Entry { expires: number; persistent: boolean }

export interface ContextStats { live: number; sets: number; deletes: number; expired: number; evictions: number }

export interface ContextStoreOptions {
  /** Keys per context name unless a name has its own limit (setLimits), default 100000. */
  readonly capPerName?: number;
  /** Open database for persistent contexts (the engine's memory database); none keeps everything in memory. */
  readonly db?: Database.Database;
}

export class ContextStore {
  private readonly byName = new Map<string, LruMap<Entry>>();
  private readonly cap: number;
  /** Names with a declared limit; the others use `cap`. */
  private limits: ReadonlyMap<string, number> = new Map();
  private readonly counts = { sets: 0, deletes: 0, expired: 0, evictions: 0 };
  private readonly put?: Database.Statement;
  private readonly del?: Database.Statement;

  constructor(opts: ContextStoreOptions = {}, now = 0) {
    this.cap = opts.capPerName ?? 100_000;
    const db = opts.db;
    if (db) {
      db.exec('CREATE TABLE IF NOT EXISTS vigil_contexts (name TEXT NOT NULL, key TEXT NOT NULL, expires REAL NOT NULL, PRIMARY KEY (name, key)) WITHOUT ROWID');
      this.put = db.prepare('INSERT OR REPLACE INTO vigil_contexts (name, key, expires) VALUES (?, ?, ?)');
      this.del = db.prepare('DELETE FROM vigil_contexts WHERE name = ? AND key = ?');
      // Rows that expired while vigil was down would never be swept: nothing in memory refers to them.
      if (now > 0) db.prepare('DELETE FROM vigil_contexts WHERE expires < ?').run(now);
      const rows = db.prepare('SELECT name, key, expires FROM vigil_contexts ORDER BY expires').all() as { name: string; key: string; expires: number }[];
      for (const r of rows) {
        if (r.expires < now) continue;
        const m = this.mapOf(r.name);
        m.set(r.key, { expires: r.expires === Number.MAX_VALUE ? Infinity : r.expires, persistent: true });
        if (m.size > this.cap) m.shift((k) => { this.counts.evictions++; this.del!.run(r.name, k); });
      }
    }
  }

  /** Set (or refresh) `name` for `key` until `now + ttl` (ttl null: no expiry). */
  set(name: string, key: string, now: number, ttlMs: number | null, persistent = false): void {
    const m = this.mapOf(name);
    const expires = ttlMs === null ? Infinity : now + ttlMs;
    // Without a database (replay, rules test) a persistent context lives for the run, so the rules behave as they do live.
    if (persistent && !this.put) persistent = false;
    const e = m.get(key);
    if (e !== undefined) {
      if (e.persistent && !persistent) this.del?.run(name, key);
      e.expires = expires;
      e.persistent = persistent;
      m.touch(key);
    } else m.set(key, { expires, persistent });
    this.counts.sets++;
    if (persistent) this.put!.run(name, key, expires === Infinity ? Number.MAX_VALUE : expires);
    if (m.size > this.capOf(name)) this.evictOldest(name, m, 1);
  }

  /**
   * Per-name key limits (a ruleset's `contexts:` section), replacing the
   * previous ones: a name not listed goes back to the default cap. A name
   * holding more keys than its new limit loses the least recently set at
   * once (counted as evictions), so the bound holds from the next event.
   */
  setLimits(limits: Readonly<Record<string, { readonly maxKeys: number }>>): void {
    const next = new Map<string, number>();
    for (const [name, l] of Object.entries(limits)) {
      if (!(Number.isInteger(l.maxKeys) && l.maxKeys >= 1)) throw new Error(`context ${name}: max_keys must be an integer of at least 1, got ${l.maxKeys}`);
      next.set(name, l.maxKeys);
    }
    this.limits = next;
    for (const [name, m] of this.byName) {
      const over = m.size - this.capOf(name);
      if (over > 0) this.evictOldest(name, m, over);
    }
  }

  /** The most keys `name` may hold. */
  capOf(name: string): number { return this.limits.get(name) ?? this.cap; }

  delete(name: string, key: string): boolean {
    const m = this.byName.get(name);
    const e = m?.get(key);
    if (!m || !e) return false;
    m.delete(key);
    this.counts.deletes++;
    if (e.persistent) this.del?.run(name, key);
    return true;
  }

  /** Is `name` set for `key` at event time `now`? A context lives while `now - setAt <= ttl`, like every "within D" in vigil. */
  has(name: string, key: string, now: number): boolean {
    const m = this.byName.get(name);
    const e = m?.get(key);
    if (!e) return false;
    if (now <= e.expires) return true;
    m!.delete(key);
    this.counts.expired++;
    if (e.persistent) this.del?.run(name, key);
    return false;
  }

  /** Remove expired entries of every name (called by the engine now and then). */
  sweep(now: number): void {
    for (const [name, m] of this.byName) {
      m.removeWhere((e) => e.expires < now, (k, e) => { this.counts.expired++; if (e.persistent) this.del?.run(name, k); });
    }
  }

  stats(): ContextStats {
    let live = 0;
    for (const m of this.byName.values()) live += m.size;
    return { live, ...this.counts };
  }

  /** Drop the `n` least recently set keys of a name. */
  private evictOldest(name: string, m: LruMap<Entry>, n: number): void {
    for (let i = 0; i < n; i++) {
      m.shift((k, e) => { this.counts.evictions++; if (e.persistent) this.del?.run(name, k); });
    }
  }

  private mapOf(name: string): LruMap<Entry> {
    let m = this.byName.get(name);
    if (!m) { m = new LruMap(); this.byName.set(name, m); }
    return m;
  }
}
