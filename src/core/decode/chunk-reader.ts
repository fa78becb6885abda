import { SourceDamage, type ByteSource } from './byte-source.ts';
import { CaptureFileError } from './capture-types.ts';

/**
 * Reads a byte source through one reusable buffer, for parsers of record streams.
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
  /** Offset of `buf[0]` in the (decompressed) byte stream. */
  base = 0;
  private eof = false;

  constructor(
    private readonly path: string,
    private readonly src: ByteSource,
    chunkSize: number,
    /** Told how many source bytes (compressed, for gzip) have been consumed. */
    private readonly onRead: (sourceBytes: number) => void,
    private readonly shouldStop: () => boolean,
  ) {
    this.buf = Buffer.allocUnsafe(chunkSize);
  }

  /** Stream offset of `buf[p]` (the file offset, for uncompressed files). */
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
      let bytesRead: number;
      try {
        bytesRead = await this.src.read(this.buf, this.end, this.buf.length - this.end);
      } catch (e) {
        if (e instanceof SourceDamage) {
          throw new CaptureFileError(this.path, this.base + this.end, `compressed data is damaged (${e.message})`, 'the offset counts decompressed bytes; every packet before it was read');
        }
        throw e;
      }
      if (bytesRead === 0) this.eof = true;
      this.end += bytesRead;
      this.onRead(this.src.consumed());
    }
    return true;
  }
}
