/** Buffered line output to stdout: one write per 64 KiB instead of one per hit. */
const LIMIT = 64 * 1024;

export class LineOut {
  private buf = '';
  private closed = false;

  constructor(private readonly stream: NodeJS.WritableStream = process.stdout) {
    // A reader that went away (`vigil replay … | head`) ends output quietly.
    stream.on('error', (e: NodeJS.ErrnoException) => { if (e.code === 'EPIPE') this.closed = true; else throw e; });
  }

  line(s: string): void {
    if (this.closed) return;
    this.buf += s + '\n';
    if (this.buf.length >= LIMIT) this.flushSync();
  }

  private flushSync(): void {
    const b = this.buf;
    this.buf = '';
    if (b && !this.closed) this.stream.write(b);
  }

  /** Write what is buffered and wait until the stream has taken it. */
  async end(): Promise<void> {
    this.flushSync();
    if (this.closed) return;
    await new Promise<void>((r) => { if (!this.stream.write('', () => r())) this.stream.once('drain', () => r()); });
  }
}
