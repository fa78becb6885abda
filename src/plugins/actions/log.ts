/**
 * log: writes each hit it is asked to act on, as a JSON line or text, to a
 * file (appended) or, with no path, to vigil's own log.
 */
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { dirname } from 'node:path';
import { z } from 'zod';
import { defineAction } from '../../core/plugin-api.ts';
import { hitToJson } from '../../core/hit.ts';
import { hitText } from '../../core/plugins/hit-text.ts';
import { printable } from '../../core/text/printable.ts';

const schema = z.strictObject({
  path: z.string().nullable().default(null).describe('File the hits are appended to (created with its directory); null writes them to vigil\'s log instead.'),
  format: z.enum(['json', 'text']).default('json').describe('json: one hit object per line (as `vigil replay --format json`); text: one readable line.'),
});
type Config = z.output<typeof schema>;

export default defineAction<Config>({
  name: 'log',
  description: 'Writes hits to a file (one line each; in text format control characters from the traffic are escaped) or to vigil\'s log. Use it in a rule as `- log: {}` or `- log: { note: "…" }`. A file that cannot be written fails the action (logged, counted), never vigil.',
  schema,
  example: { path: 'data/hits.jsonl', format: 'json' },
  paramsSchema: z.strictObject({
    note: z.string().optional().describe('Extra text written with the hit (a template).'),
  }),
  create(ctx, config) {
    let out: WriteStream | null = null;
    /** An error the stream reported outside a write of ours (its close, say); the next run reports it. */
    let failure: Error | null = null;
    /** Errors a write's own callback already reported: the stream emits each again as 'error'. */
    const reported = new WeakSet<Error>();
    const written = ctx.metrics.counter('hits_total', 'Hits written by the log action.');

    const takeFailure = (): void => {
      if (!failure) return;
      const e = failure;
      failure = null;
      throw new Error(`log: cannot write ${config.path}: ${e.message}`);
    };

    /**
     * The file, opened on first use and again after a failure. A stream's
     * 'error' event with no listener ends the process: a log path that is a
     * directory, unwritable, or on a full disk must cost this action its lines
     * (the run fails; the runner logs and counts it), never vigil itself.
     */
    const open = async (path: string): Promise<WriteStream> => {
      if (out) return out;
      mkdirSync(dirname(path), { recursive: true });
      const s = createWriteStream(path, { flags: 'a' });
      s.on('error', (e) => { if (!reported.has(e)) failure ??= e; if (out === s) out = null; });
      // Waiting for the open makes a file that cannot be opened fail this hit, not a later one.
      await new Promise<void>((r) => { s.once('ready', r); s.once('close', r); });
      takeFailure();
      out = s;
      return s;
    };

    return {
      async run(hit, req) {
        const note = typeof req.params.note === 'string' ? req.params.note : undefined;
        if (config.path === null) {
          ctx.logger.info({ hit: hitToJson(hit), note }, hit.message);
        } else {
          takeFailure();
          const s = await open(config.path);
          const line = config.format === 'json'
            ? JSON.stringify(note === undefined ? hitToJson(hit) : { ...hitToJson(hit), note })
            : hitText(hit) + (note === undefined ? '' : ` note=${printable(note)}`);
          // Waiting for this line's own write makes a failed write (a full disk) fail this hit, not the next one.
          await new Promise<void>((resolve, reject) => {
            s.write(line + '\n', (e) => {
              if (!e) { resolve(); return; }
              reported.add(e);
              if (out === s) out = null;
              reject(new Error(`log: cannot write ${config.path}: ${e.message}`));
            });
          });
        }
        written.inc();
      },
      async stop() {
        const s = out;
        out = null;
        if (s) await new Promise<void>((r) => { s.once('close', r); s.end(); });
      },
    };
  },
});
