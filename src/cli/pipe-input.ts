/**
 * JSON lines from a path that is not a regular file (a named pipe,
 * `<(zcat x.jsonl.gz)`, a character device), for `vigil replay`. The jsonl
 * input reads files by position, which a pipe refuses (ESPIPE), and the bytes
 * replay read to find the format are gone from the pipe; so the pipe is read
 * here, once, starting with those bytes. Bad lines are treated as the jsonl
 * input's defaults treat them (logged, counted in the same
 * `vigil_jsonl_*` counters, skipped), so the summary reads the same.
 */
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import type { Emit, InputInstance } from '../core/plugin-api.ts';
import type { PluginServices } from '../core/plugins/context.ts';
import { parseJsonEvent } from '../core/decode/json-event.ts';
import { readLines } from '../core/decode/line-reader.ts';

/** The jsonl input's defaults for `max_line_bytes` and `max_logged_errors`. */
const MAX_LINE_BYTES = 1_048_576;
const MAX_LOGGED_ERRORS = 100;

export function pipeJsonlInput(path: string, fd: number, head: Buffer, svc: PluginServices): InputInstance {
  const m = svc.metrics.namespace('jsonl');
  const linesTotal = m.counter('lines_total', 'Lines read (blank and comment lines included).');
  const eventsTotal = m.counter('events_total', 'Events emitted.');
  const badTotal = m.counter('bad_lines_total', 'Lines refused (bad JSON, unknown or mistyped field, missing kind/ts, too long).');
  const logger = svc.logger.child({ plugin: 'jsonl', instance: 'jsonl' });
  let stopping = false;
  let running: Promise<void> | null = null;
  const owned: Readable[] = [];

  const run = async (emit: Emit): Promise<void> => {
    const raw = createReadStream(path, { fd, highWaterMark: 1 << 20 });
    async function* whole(): AsyncGenerator<Buffer> {
      if (head.length) yield head;
      for await (const chunk of raw) yield chunk as Buffer;
    }
    let stream: Readable = Readable.from(whole(), { objectMode: false });
    owned.push(raw, stream);
    if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) {
      const gunzip = createGunzip();
      stream.on('error', (e) => gunzip.destroy(e));
      stream = stream.pipe(gunzip);
      owned.push(gunzip);
    }
    let bad = 0;
    const refuse = (line: number, problem: string, field?: string): void => {
      bad++;
      badTotal.inc();
      if (bad <= MAX_LOGGED_ERRORS) logger.error({ file: path, line, field }, `${path}:${line}: ${problem}`);
    };
    try {
      await readLines(stream, {
        line(text, lineNo) {
          linesTotal.inc();
          const t = text.trim();
          if (t === '' || t.startsWith('#')) return;
          const r = parseJsonEvent(t, { input: 'jsonl', allowUnknownFields: false });
          if (!r.ok) { refuse(lineNo, r.problem, r.field); return; }
          eventsTotal.inc();
          emit(r.event);
        },
        tooLong(lineNo, bytes) {
          linesTotal.inc();
          refuse(lineNo, `line is ${bytes} bytes or more, over ${MAX_LINE_BYTES}; split the event`);
        },
      }, MAX_LINE_BYTES, () => stopping);
    } catch (e) {
      // stop() destroys the streams, which ends the iteration with a premature-close error: that is the requested end.
      if (!stopping) throw new Error(`${path}: read failed (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    } finally {
      for (const s of owned) s.destroy();
    }
    if (bad > MAX_LOGGED_ERRORS) logger.error({ file: path, bad }, `${path}: ${bad} bad lines in all, ${bad - MAX_LOGGED_ERRORS} of them not logged one by one`);
  };

  return {
    start(emit) { return (running ??= run(emit)); },
    async stop() {
      stopping = true;
      for (const s of owned) s.destroy();
      if (running) await running.catch(() => undefined);
    },
    progress: () => ({ done: 0, total: 0 }),
  };
}
