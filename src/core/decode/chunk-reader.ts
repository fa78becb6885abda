import type { FileHandle } from 'node:fs/promises';

/**
 * Reads a file through one reusable buffer, for parsers of record streams.
 * The parser consumes `buf[pos..end)` synchronously and asks `fill(n)` for
 * at least n unread bytes when a record does not fit; only then does the
 * reader move the unread tail to the front and read the next large chunk.
 * Memory stays at one chunk (or one record, when a record is larger).
 */
export class ChunkReader {
  buf: Buffer;
  /** Next unread byte in `buf`. */
  pos = 0;
  /** End of valid bytes in `buf`. */
  end = 0;
  /** File offset of `buf[0]`. */
  base = 0;
  private eof = false;

  constructor(
    private readonly fh: FileHandle,
    chunkSize: number,
    private readonly onRead: (fileOffset: number) => void,
    private readonly shouldStop: () => boolean,
  ) {
    this.buf = Buffer.allocUnsafe(chunkSize);
  }

  /** File offset of `buf[p]`. */
  at(p: number): number { return this.base + p; }

  /** True once a read hit the end of the file. */
  get atEof(): boolean { return this.eof; }

  /** Bytes left unread at the end of the file (meaningful once `fill` returned false). */
  get leftover(): number { return this.end - this.pos; }

  /**
   * Makes at least `need` unread bytes available from `pos`. Returns false at
   * end of file (or when stopped) with fewer bytes available.
   */
  async fill(need: number): Promise<boolean> {
    while (this.end - this.pos < need) {
      if (this.eof || this.shouldStop()) return false;
      if (this.pos > 0) {
        this.buf.copyWithin(0, this.pos, this.end);
        this.base += this.pos;
        this.end -= this.pos;
        this.pos = 0;
      }
      if (need > this.buf.length) {
        const bigger = Buffer.allocUnsafe(Math.max(need, this.buf.length * 2));
        this.buf.copy(bigger, 0, 0, this.end);
        this.buf = bigger;
      }
      const { bytesRead } = await this.fh.read(this.buf, this.end, this.buf.length - this.end, this.base + this.end);
      if (bytesRead === 0) this.eof = true;
      this.end += bytesRead;
      this.onRead(this.base + this.end);
    }
    return true;
  }
}
