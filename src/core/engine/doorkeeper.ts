/**
 * Remembers, approximately and in fixed memory, which keys were recently
 * inserted: two rotating Bloom filters (16 bits per key), each taking
 * `capacity` insertions before the older one is dropped. So a key counts as
 * "seen" if it was inserted within the last `capacity` to `2 × capacity`
 * insertions; false positives about 0.5 %.
 *
 * Blocked and interleaved: a key's five bits lie in one 64-bit block of each
 * filter, and block b of both filters sits in the same 16 bytes, so a check
 * touches one cache line instead of six (the filters of a large table do not
 * fit in cache, and under a flood every new key is checked).
 */
export class Doorkeeper {
  /** Per block: 2 words of filter A, 2 words of filter B. */
  private readonly words: Uint32Array;
  /** Offset (0 or 2) of the current filter's words in a block; the other is the previous filter. */
  private cur = 0;
  private n = 0;
  private readonly blocks: number;

  constructor(private readonly capacity: number) {
    this.blocks = Math.max(1, Math.ceil((capacity * 16) / 64));
    this.words = new Uint32Array(this.blocks * 4);
  }

  /** Was the key (by its `hashKey`) inserted recently? Records it either way. */
  seenThenAdd(h: number): boolean {
    const base = ((h >>> 0) % this.blocks) * 4;
    blockBits(h);
    const lo = BITS[0], hi = BITS[1];
    const w = this.words, c = base + this.cur, p = base + (this.cur ^ 2);
    const inCur = (w[c] & lo) === lo && (w[c + 1] & hi) === hi;
    const inPrev = (w[p] & lo) === lo && (w[p + 1] & hi) === hi;
    if (!inCur) {
      w[c] |= lo; w[c + 1] |= hi;
      if (++this.n >= this.capacity) this.rotate();
    }
    return inCur || inPrev;
  }

  /** The current filter becomes the previous one; the previous one is emptied and becomes current. */
  private rotate(): void {
    const w = this.words, old = this.cur ^ 2;
    for (let i = old; i < w.length; i += 4) { w[i] = 0; w[i + 1] = 0; }
    this.cur = old;
    this.n = 0;
  }
}

/** The bits `blockBits` chose: the low and high words of a 64-bit block. */
export const BITS = new Int32Array(2);

/** Five bit positions in a 64-bit block from a second mix of a key's hash, into BITS (no allocation). */
export function blockBits(h: number): void {
  let g = Math.imul(h ^ (h >>> 15), 0x2c1b3c6d);
  g ^= g >>> 12;
  let lo = 0, hi = 0;
  for (let i = 0; i < 5; i++, g >>>= 6) {
    const b = g & 63;
    if (b < 32) lo |= 1 << b; else hi |= 1 << (b - 32);
  }
  BITS[0] = lo; BITS[1] = hi;
}

/** A well-mixed 32-bit hash of a key string (FNV-1a, then murmur3's finaliser). */
export function hashKey(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  h ^= h >>> 16; h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13; h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}
