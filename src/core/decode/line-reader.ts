/**
 * Splits a byte stream into lines without holding more than one chunk and
 * one partial line. A line longer than `maxLineBytes` is reported as too long
 * (and skipped up to its newline) instead of growing memory without bound.
 * `\r\n` endings are accepted; a last line without a newline still counts.
 */
import type { Readable } from 'node:stream';

export interface LineSink {
  line(text: string, lineNo: number): void;
  /** A line over the limit: its number and the bytes seen before giving up. */
  tooLong(lineNo: number, bytes: number): void;
}

export async function readLines(stream: Readable, sink: LineSink, maxLineBytes: number, shouldStop: () => boolean = () => false): Promise<{ lines: number; bytes: number; stopped: boolean }> {
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let skipping = false;
  let lineNo = 0;
  let bytes = 0;
  const finish = (tail: Buffer) => {
    lineNo++;
    if (skipping) { skipping = false; sink.tooLong(lineNo, pendingBytes + tail.length); pending = []; pendingBytes = 0; return; }
    let whole = pendingBytes ? Buffer.concat([...pending, tail]) : tail;
    pending = []; pendingBytes = 0;
    if (whole.length > maxLineBytes) { sink.tooLong(lineNo, whole.length); return; }
    if (whole.length && whole[whole.length - 1] === 0x0d) whole = whole.subarray(0, whole.length - 1);
    sink.line(whole.toString('utf8'), lineNo);
  };
  for await (const chunk of stream) {
    if (shouldStop()) return { lines: lineNo, bytes, stopped: true };
    const buf: Buffer = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    bytes += buf.length;
    let start = 0;
    for (;;) {
      const nl = buf.indexOf(0x0a, start);
      if (nl < 0) break;
      finish(buf.subarray(start, nl));
      start = nl + 1;
    }
    if (start < buf.length) {
      const rest = buf.subarray(start);
      if (skipping) pendingBytes += rest.length;
      else {
        // Copy: the stream may reuse its chunk.
        pending.push(Buffer.from(rest));
        pendingBytes += rest.length;
        if (pendingBytes > maxLineBytes) { skipping = true; pending = []; }
      }
    }
  }
  if (pendingBytes > 0 || skipping) finish(Buffer.alloc(0));
  return { lines: lineNo, bytes, stopped: false };
}
