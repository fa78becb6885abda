/**
 * Remembers, approximately and in fixed memory, which keys were recently
 * inserted: two rotating Bloom filters (k = 3, ~10 bits per key), each taking
 * `capacity` insertions before the older one is dropped. So a key counts as
 * "seen" if it was inserted within the last `capacity` to `2 × capacity`
 * insertions; false positives about 2 %.
 */
export class Doorkeeper {
  private cur: Uint32Array;
  private prev: Uint32Array;
  private n = 0;
  private readonly bits: number;

  constructor(private readonly capacity: number) {
    this.bits = Math.max(64, capacity * 10);
    const words = Math.ceil(this.bits / 32);
    this.cur = new Uint32Array(words);
    this.prev = new Uint32Array(words);
  }

  /** Was the key inserted recently? Records it either way. */
  seenThenAdd(key: string): boolean {
    // FNV-1a and a second multiplicative hash; three probes by double hashing.
    let h1 = 0x811c9dc5, h2 = 0x9747b28c;
    for (let i = 0; i < key.length; i++) {
      const c = key.charCodeAt(i);
      h1 = Math.imul(h1 ^ c, 0x01000193);
      h2 = Math.imul(h2 ^ c, 0x5bd1e995) ^ (h2 >>> 15);
    }
    h1 >>>= 0; h2 = (h2 >>> 0) | 1;
    let inCur = true, inPrev = true;
    for (let i = 0; i < 3; i++) {
      const b = (h1 + i * h2) % this.bits;
      const w = b >>> 5, m = 1 << (b & 31);
      if ((this.cur[w] & m) === 0) { inCur = false; this.cur[w] |= m; }
      if ((this.prev[w] & m) === 0) inPrev = false;
    }
    if (!inCur && ++this.n >= this.capacity) {
      const t = this.prev; t.fill(0);
      this.prev = this.cur; this.cur = t; this.n = 0;
    }
    return inCur || inPrev;
  }
}
