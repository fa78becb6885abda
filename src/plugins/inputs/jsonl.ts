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
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { createGunzip } from 'node:zlib';
import { stat } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { z } from 'zod';
import { defineInput, type Emit, type InputInstance, type PluginContext } from '../../core/plugin-api.ts';
import { parseJsonEvent } from '../../core/decode/json-event.ts';
import { readLines } from '../../core/decode/line-reader.ts';
import { isGzip } from '../../core/decode/byte-source.ts';

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
export type JsonlConfig = z.output<typeof schema>;
type Config = JsonlConfig;

/** The config the plugin's schema gives `{ path }` alone: its defaults, in one place. */
export const jsonlDefaults = (path: string): JsonlConfig => schema.parse({ path });

/** gzip is recognised by its magic bytes, not the file name. */
async function startsWithGzip(path: string): Promise<boolean> {
  const fh = await open(path, 'r');
  try {
    const b = Buffer.alloc(2);
    const { bytesRead } = await fh.read(b, 0, 2, 0);
    return isGzip(b, bytesRead);
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
  create: (ctx, config) => jsonlInstance(ctx, config, () => openPath(config.path)),
});

/**
 * Where the lines come from. `total` is the size progress counts to (0 when
 * unknown); `bytesRead` tells how far reading got.
 */
export interface JsonlSource {
  readonly stream: Readable;
  readonly total: number;
  bytesRead(): number;
  /** Ends the reading (stop()); for standard input also the only way to end an open pipe. */
  destroy(): void;
}

/** `config.path` opened: standard input for "-", else the file, gunzipped when it is gzip. */
async function openPath(path: string): Promise<JsonlSource> {
  if (path === '-') return { stream: process.stdin, total: 0, bytesRead: () => 0, destroy: () => process.stdin.destroy() };
  let total: number;
  try {
    total = (await stat(path)).size;
  } catch (e) {
    throw new Error(`jsonl: cannot read ${path} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); check the \`path\` in the input's config`);
  }
  const raw = createReadStream(path, { highWaterMark: 1 << 20 });
  const stream = (await startsWithGzip(path)) ? raw.pipe(createGunzip()) : raw;
  if (stream !== raw) raw.on('error', (e) => stream.destroy(e));
  return { stream, total, bytesRead: () => raw.bytesRead, destroy: () => { stream.destroy(); raw.destroy(); } };
}

/**
 * The jsonl input over any source of lines: the plugin's own (a path, or
 * standard input), or one its caller opened (`vigil replay` reading a named
 * pipe whose first bytes it already took to tell the format).
 */
export function jsonlInstance(ctx: Pick<PluginContext, 'name' | 'logger' | 'metrics'>, config: Config, open: () => Promise<JsonlSource>): InputInstance {
  const file = config.path === '-' ? '<stdin>' : config.path;
  const linesTotal = ctx.metrics.counter('lines_total', 'Lines read (blank and comment lines included).');
  const eventsTotal = ctx.metrics.counter('events_total', 'Events emitted.');
  const badTotal = ctx.metrics.counter('bad_lines_total', 'Lines refused (bad JSON, unknown or mistyped field, missing kind/ts, too long).');
  let stopping = false;
  let running: Promise<void> | null = null;
  let source: JsonlSource | null = null;
  let done = 0;

  const run = async (emit: Emit): Promise<void> => {
    const src = (source = await open());
    // stop() came while the source was opening.
    if (stopping) { if (src.stream !== process.stdin) src.destroy(); return; }
    let bad = 0;
    let firstError: JsonlLineError | null = null;
    const refuse = (err: JsonlLineError): void => {
      bad++;
      badTotal.inc();
      if (config.on_error === 'stop') { firstError ??= err; stopping = true; return; }
      if (bad <= config.max_logged_errors) ctx.logger.error({ file, line: err.line, field: err.field }, err.message);
    };
    const opts = { input: ctx.name, allowUnknownFields: config.unknown_fields === 'allow' };
    try {
      await readLines(src.stream, {
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
        done = src.bytesRead() || done;
        return stopping;
      });
    } catch (e) {
      // stop() destroys the stream, which ends the iteration with a premature-close error: that is the requested end.
      if (!stopping) throw new Error(`${file}: read failed (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, { cause: e });
    } finally {
      if (src.stream !== process.stdin) src.destroy();
    }
    if (src.total) done = src.total;
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
      source?.destroy();
      if (running) await running.catch(() => undefined);
    },
    progress: () => ({ done, total: source?.total ?? 0 }),
  };
}
