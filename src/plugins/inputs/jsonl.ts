/**
 * jsonl: replays events written as JSON lines (one event object per line,
 * nested like the event type, `kind` and `ts` required) from a file (plain
 * or gzip-compressed) or from standard input (`-`). A batch input; progress
 * is in file bytes (compressed bytes for gzip).
 *
 * A bad line is reported as `file:line: problem` and, by default, skipped and
 * counted (`vigil_jsonl_bad_lines_total`) so one damaged line does not end a
 * long replay; `on_error: stop` makes the first bad line end the input with
 * that error instead. Blank lines and lines starting with `#` are ignored.
 */
import { createReadStream, type ReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { createGunzip } from 'node:zlib';
import { stat } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { z } from 'zod';
import { defineInput, type Emit } from '../../core/plugin-api.ts';
import { parseJsonEvent } from '../../core/decode/json-event.ts';
import { readLines } from '../../core/decode/line-reader.ts';

const schema = z.strictObject({
  path: z.string().min(1).describe('File of JSON lines to read (plain or gzip-compressed), or "-" for standard input.'),
  on_error: z.enum(['skip', 'stop']).default('skip')
    .describe('What a bad line does: skip (log file:line and the problem, count it, go on) or stop (end the input with that error).'),
  unknown_fields: z.enum(['error', 'allow']).default('error')
    .describe('Whether a field name missing from the field registry makes the line bad (error) or is kept as is (allow).'),
  max_line_bytes: z.number().int().min(64).default(1_048_576)
    .describe('Longest line accepted, in bytes; a longer line is a bad line, so memory stays bounded.'),
  max_logged_errors: z.number().int().min(0).default(100)
    .describe('Bad lines logged one by one; after that they are only counted (a summary is logged at the end).'),
});
type Config = z.output<typeof schema>;

/** gzip is recognised by its magic bytes, not the file name. */
async function startsWithGzip(path: string): Promise<boolean> {
  const fh = await open(path, 'r');
  try {
    const b = Buffer.alloc(2);
    const { bytesRead } = await fh.read(b, 0, 2, 0);
    return bytesRead === 2 && b[0] === 0x1f && b[1] === 0x8b;
  } finally {
    await fh.close();
  }
}

/** A bad line, with where it is. */
export class JsonlLineError extends Error {
  constructor(readonly file: string, readonly line: number, readonly problem: string, readonly field?: string) {
    super(`${file}:${line}: ${problem}`);
    this.name = 'JsonlLineError';
  }
}

export default defineInput<Config>({
  name: 'jsonl',
  description: 'Reads events as JSON lines (one object per line, nested like the event type) from a file or standard input, checking every field against the field registry.',
  schema,
  example: { path: 'events/replay.jsonl', on_error: 'skip', unknown_fields: 'error', max_line_bytes: 1_048_576, max_logged_errors: 100 },
  emits: ['packet', 'flow', 'socket'],
  create(ctx, config) {
    const file = config.path === '-' ? '<stdin>' : config.path;
    const linesTotal = ctx.metrics.counter('lines_total', 'Lines read (blank and comment lines included).');
    const eventsTotal = ctx.metrics.counter('events_total', 'Events emitted.');
    const badTotal = ctx.metrics.counter('bad_lines_total', 'Lines refused (bad JSON, unknown or mistyped field, missing kind/ts, too long).');
    let stopping = false;
    let running: Promise<void> | null = null;
    let stream: Readable | null = null;
    let fileStream: ReadStream | null = null;
    let done = 0;
    let total = 0;

    const run = async (emit: Emit): Promise<void> => {
      if (config.path === '-') stream = process.stdin;
      else {
        try {
          total = (await stat(config.path)).size;
        } catch (e) {
          throw new Error(`jsonl: cannot read ${config.path} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); check the \`path\` in the input's config`);
        }
        const raw = createReadStream(config.path, { highWaterMark: 1 << 20 });
        fileStream = raw;
        stream = (await startsWithGzip(config.path)) ? raw.pipe(createGunzip()) : raw;
        if (stream !== raw) raw.on('error', (e) => stream!.destroy(e));
      }
      let bad = 0;
      let firstError: JsonlLineError | null = null;
      const refuse = (err: JsonlLineError): void => {
        bad++;
        badTotal.inc();
        if (config.on_error === 'stop') { firstError ??= err; stopping = true; return; }
        if (bad <= config.max_logged_errors) ctx.logger.error({ file, line: err.line, field: err.field }, err.message);
      };
      const opts = { input: ctx.name, allowUnknownFields: config.unknown_fields === 'allow' };
      const s = stream;
      try {
        await readLines(s, {
          line(text, lineNo) {
            linesTotal.inc();
            if (stopping) return;
            const t = text.trim();
            if (t === '' || t.startsWith('#')) return;
            const r = parseJsonEvent(t, opts);
            if (!r.ok) { refuse(new JsonlLineError(file, lineNo, r.problem, r.field)); return; }
            eventsTotal.inc();
            emit(r.event);
          },
          tooLong(lineNo, bytes) {
            linesTotal.inc();
            refuse(new JsonlLineError(file, lineNo, `line is ${bytes} bytes or more, over max_line_bytes ${config.max_line_bytes}; split the event or raise max_line_bytes`));
          },
        }, config.max_line_bytes, () => {
          done = fileStream?.bytesRead ?? done;
          return stopping;
        });
      } catch (e) {
        // stop() destroys the stream, which ends the iteration with a premature-close error: that is the requested end.
        if (!stopping) throw e;
      } finally {
        if (s !== process.stdin) { s.destroy(); fileStream?.destroy(); }
      }
      if (total) done = total;
      if (firstError) throw firstError;
      if (bad > config.max_logged_errors) ctx.logger.error({ file, bad }, `${file}: ${bad} bad lines in all, ${bad - config.max_logged_errors} of them not logged one by one`);
    };

    return {
      start(emit) {
        running ??= run(emit);
        return running;
      },
      async stop() {
        stopping = true;
        // Standard input too: an open pipe (`tail -f x.jsonl | vigil run`) sends nothing more, so only destroying it ends the read.
        if (stream) { stream.destroy(); fileStream?.destroy(); }
        if (running) await running.catch(() => undefined);
      },
      progress: () => ({ done, total }),
    };
  },
});
