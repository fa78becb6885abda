/**
 * A string-keyed map that also keeps its entries in recency order, for
 * bounded state that forgets its least recently used entry first (first_seen
 * memory, contexts).
 *
 * Entries sit in a doubly-linked list, most recent at the head, so making an
 * entry the most recent and removing the oldest are O(1) pointer moves.
 * Evicting by iterating a Map from its start is not: V8 leaves a hole for
 * each deleted entry until it rehashes, and iteration walks the holes, so a
 * flood at the cap becomes quadratic. The node of a removed oldest entry is
 * kept and reused by the next insertion, so churn at the cap allocates none.
 */

interface Node<V> { key: string; value: V; prev: Node<V> | null; next: Node<V> | null }

export class LruMap<V> {
  private readonly nodes = new Map<string, Node<V>>();
  private head: Node<V> | null = null;
  private tail: Node<V> | null = null;
  private spare: Node<V> | null = null;

  get size(): number { return this.nodes.size; }

  /** The value, without changing recency. */
  get(key: string): V | undefined { return this.nodes.get(key)?.value; }

  has(key: string): boolean { return this.nodes.has(key); }

  /** Set the value and make the key the most recent. */
  set(key: string, value: V): void {
    const old = this.nodes.get(key);
    if (old !== undefined) {
      old.value = value;
      if (this.head !== old) { this.unlink(old); this.pushHead(old); }
      return;
    }
    let n = this.spare;
    if (n !== null) { this.spare = null; n.key = key; n.value = value; } else n = { key, value, prev: null, next: null };
    this.nodes.set(key, n);
    this.pushHead(n);
  }

  /** Make an existing key the most recent; false when absent. */
  touch(key: string): boolean {
    const n = this.nodes.get(key);
    if (n === undefined) return false;
    if (this.head !== n) { this.unlink(n); this.pushHead(n); }
    return true;
  }

  delete(key: string): boolean {
    const n = this.nodes.get(key);
    if (n === undefined) return false;
    this.unlink(n);
    this.nodes.delete(key);
    return true;
  }

  /** The least recent key, or undefined when empty. */
  oldestKey(): string | undefined { return this.tail?.key; }

  /** The least recent value, or undefined when empty. */
  oldestValue(): V | undefined { return this.tail?.value; }

  /** Remove the least recent entry and hand it to `fn` (if given); false when empty. */
  shift(fn?: (key: string, value: V) => void): boolean {
    const n = this.tail;
    if (n === null) return false;
    this.unlink(n);
    this.nodes.delete(n.key);
    fn?.(n.key, n.value);
    this.spare = n;
    return true;
  }

  /** Call `fn` for every entry, oldest first; `fn` must not change the map. */
  forEach(fn: (value: V, key: string) => void): void {
    for (let n = this.tail; n !== null; n = n.prev) fn(n.value, n.key);
  }

  /** Remove every entry `pred` accepts, oldest first; returns how many. */
  removeWhere(pred: (value: V, key: string) => boolean, onRemove?: (key: string, value: V) => void): number {
    let removed = 0;
    for (let n = this.tail; n !== null;) {
      const prev = n.prev;
      if (pred(n.value, n.key)) {
        this.unlink(n);
        this.nodes.delete(n.key);
        onRemove?.(n.key, n.value);
        removed++;
      }
      n = prev;
    }
    return removed;
  }

  private pushHead(n: Node<V>): void {
    n.prev = null; n.next = this.head;
    if (this.head) this.head.prev = n; else this.tail = n;
    this.head = n;
  }

  private unlink(n: Node<V>): void {
    if (n.prev) n.prev.next = n.next; else this.head = n.next;
    if (n.next) n.next.prev = n.prev; else this.tail = n.prev;
    n.prev = n.next = null;
  }
}
