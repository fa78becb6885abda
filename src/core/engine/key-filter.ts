/**
 * "Might this key be stored?" in fixed memory: a blocked Bloom filter (16
 * bits per key of `capacity`, a key's five bits in one 64-bit block, false
 * positives about 0.5 % when full). Never a false negative: a key added is
 * found until `clear`. Keys cannot be removed, so the owner rebuilds it
 * from what it stores once `full` (more additions would raise the false
 * positives).
 */
import { BITS, blockBits, hashKey } from './doorkeeper.ts';

export class KeyFilter {
  private readonly words: Int32Array;
  private readonly blocks: number;
  private added = 0;

  constructor(readonly capacity: number) {
    this.blocks = Math.max(1, Math.ceil((capacity * 16) / 64));
    this.words = new Int32Array(this.blocks * 2);
  }

  add(key: string): void {
    const i = this.block(key);
    this.words[i] |= BITS[0];
    this.words[i + 1] |= BITS[1];
    this.added++;
  }

  mightHave(key: string): boolean {
    const i = this.block(key);
    const lo = BITS[0], hi = BITS[1];
    return (this.words[i] & lo) === lo && (this.words[i + 1] & hi) === hi;
  }

  /** Added as many keys as it was sized for. */
  get full(): boolean { return this.added >= this.capacity; }

  clear(): void { this.words.fill(0); this.added = 0; }

  private block(key: string): number {
    const h = hashKey(key);
    blockBits(h);
    return ((h >>> 0) % this.blocks) * 2;
  }
}
