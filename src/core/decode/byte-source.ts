/**
 * Where capture bytes come from: a file read at positions (the fast path),
 * or a stream — standard input, or a gzip-compressed file inflated on the
 * fly. Either way the reader pulls bytes into its own buffer.
 */
import { createReadStream, type ReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { CaptureFileError, type OpenedPipe } from './capture-types.ts';

export interface ByteSource {
  /** Reads up to `length` bytes into `buf` at `offset`; resolves 0 at the end. */
  read(buf: Buffer, offset: number, length: number): Promise<number>;
  /** Source bytes consumed so far (compressed bytes for gzip), for progress. */
  consumed(): number;
  /** Total source bytes, or 0 when unknown (standard input). */
  readonly size: number;
  /** True when the bytes are inflated from gzip. */
  readonly gzip: boolean;
  close(): Promise<void>;
}

class FileSource implements ByteSource {
  private pos = 0;
  readonly gzip = false;
  constructor(private readonly fh: FileHandle, readonly size: number) {}
  async read(buf: Buffer, offset: number, length: number): Promise<number> {
    const { bytesRead } = await this.fh.read(buf, offset, length, this.pos);
    this.pos += bytesRead;
    return bytesRead;
  }
  consumed(): number { return this.pos; }
  close(): Promise<void> { return this.fh.close(); }
}

/** Thrown when a compressed stream is damaged; the reader turns it into a located CaptureFileError. */
export class SourceDamage extends Error {}

class StreamSource implements ByteSource {
  private readonly it: AsyncIterator<Buffer>;
  private cur: Buffer | null = null;
  private curOff = 0;
  private done = false;

  constructor(
    stream: Readable,
    readonly size: number,
    readonly gzip: boolean,
    private readonly counted: () => number,
    private readonly owned: Readable[],
  ) {
    this.it = stream[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  }

  async read(buf: Buffer, offset: number, length: number): Promise<number> {
    while (this.cur === null || this.curOff >= this.cur.length) {
      if (this.done) return 0;
      let r: IteratorResult<Buffer>;
      try {
        r = await this.it.next();
      } catch (e) {
        throw new SourceDamage((e as Error).message);
      }
      if (r.done) { this.done = true; return 0; }
      this.cur = typeof r.value === 'string' ? Buffer.from(r.value) : r.value;
      this.curOff = 0;
    }
    const n = Math.min(length, this.cur.length - this.curOff);
    this.cur.copy(buf, offset, this.curOff, this.curOff + n);
    this.curOff += n;
    return n;
  }

  consumed(): number { return this.counted(); }

  async close(): Promise<void> {
    for (const s of this.owned) s.destroy();
  }
}

export function isGzip(b: Buffer, n: number): boolean {
  return n >= 2 && b[0] === 0x1f && b[1] === 0x8b;
}

/**
 * Opens `path` (or standard input for `-`). gzip is recognised by its magic
 * bytes, not the file name, and inflated as it is read. A path that is not a
 * regular file (a named pipe, bash's `<(zcat …)`) is read in sequence, like
 * standard input.
 */
export async function openByteSource(path: string, opened?: OpenedPipe): Promise<ByteSource> {
  if (path === '-') return sequentialSource(process.stdin, []);
  if (opened) {
    const raw = createReadStream(path, { fd: opened.fd, highWaterMark: 1 << 20 });
    return sequentialSource(prepended(opened.head, raw as AsyncIterable<Buffer>), [raw]);
  }
  const fh = await open(path, 'r');
  try {
    const st = await fh.stat();
    // Opening a directory succeeds on Linux; only the first read fails, with an EISDIR that names no path.
    if (st.isDirectory()) throw new CaptureFileError(path, 0, 'is a directory, not a capture file', 'name a pcap or pcapng file');
    // A pipe cannot be read at positions (ESPIPE); the stream owns the handle from here and closes it.
    if (!st.isFile()) {
      const stream = fh.createReadStream({ highWaterMark: 1 << 20 });
      return await sequentialSource(stream, [stream]);
    }
    const size = st.size;
    const head = Buffer.alloc(2);
    const { bytesRead } = await fh.read(head, 0, 2, 0);
    if (!isGzip(head, bytesRead)) return new FileSource(fh, size);
    await fh.close();
    const raw: ReadStream = createReadStream(path, { highWaterMark: 1 << 20 });
    const gunzip = createGunzip({ chunkSize: 1 << 18 });
    raw.on('error', (e) => gunzip.destroy(e));
    raw.pipe(gunzip);
    return new StreamSource(gunzip, size, true, () => raw.bytesRead, [raw, gunzip]);
  } catch (e) {
    await fh.close().catch(() => undefined);
    throw e;
  }
}

/** `head`, then `tail`, as one byte stream: bytes already taken from a pipe, put back in front of the rest. */
export function prepended(head: Buffer, tail: AsyncIterable<Buffer>): Readable {
  async function* whole(): AsyncGenerator<Buffer> {
    if (head.length) yield head;
    yield* tail;
  }
  return Readable.from(whole(), { objectMode: false });
}

/**
 * A source read strictly in order (standard input, a pipe). The first chunk
 * is peeked for the gzip magic. `owned` are closed with the source; standard
 * input is not, as the process may still use it.
 */
async function sequentialSource(input: Readable, owned: Readable[]): Promise<ByteSource> {
  let count = 0;
  const it = input[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  const first = await it.next();
  const head: Buffer = first.done ? Buffer.alloc(0) : first.value;
  count += head.length;
  async function* rest(): AsyncGenerator<Buffer> {
    for (;;) {
      const r = await it.next();
      if (r.done) return;
      count += r.value.length;
      yield r.value;
    }
  }
  // Put the peeked chunk back in front of the rest of the input.
  const whole = prepended(head, rest());
  if (!isGzip(head, head.length)) return new StreamSource(whole, 0, false, () => count, owned);
  const gunzip = createGunzip({ chunkSize: 1 << 18 });
  whole.on('error', (e) => gunzip.destroy(e));
  whole.pipe(gunzip);
  return new StreamSource(gunzip, 0, true, () => count, [whole, gunzip, ...owned]);
}
