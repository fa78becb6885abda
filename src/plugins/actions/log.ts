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

const schema = z.strictObject({
  path: z.string().nullable().default(null).describe('File the hits are appended to (created with its directory); null writes them to vigil\'s log instead.'),
  format: z.enum(['json', 'text']).default('json').describe('json: one hit object per line (as `vigil replay --format json`); text: one readable line.'),
});
type Config = z.output<typeof schema>;

export default defineAction<Config>({
  name: 'log',
  description: 'Writes hits to a file (one line each) or to vigil\'s log. Use it in a rule as `- log: {}` or `- log: { note: "…" }`.',
  schema,
  example: { path: 'data/hits.jsonl', format: 'json' },
  paramsSchema: z.strictObject({
    note: z.string().optional().describe('Extra text written with the hit (a template).'),
  }),
  create(ctx, config) {
    let out: WriteStream | null = null;
    const written = ctx.metrics.counter('hits_total', 'Hits written by the log action.');
    return {
      async run(hit, req) {
        const note = typeof req.params.note === 'string' ? req.params.note : undefined;
        if (config.path === null) {
          ctx.logger.info({ hit: hitToJson(hit), note }, hit.message);
        } else {
          if (!out) {
            mkdirSync(dirname(config.path), { recursive: true });
            out = createWriteStream(config.path, { flags: 'a' });
          }
          const line = config.format === 'json'
            ? JSON.stringify(note === undefined ? hitToJson(hit) : { ...hitToJson(hit), note })
            : hitText(hit) + (note === undefined ? '' : ` note=${note}`);
          if (!out.write(line + '\n')) await new Promise<void>((r) => out!.once('drain', () => r()));
        }
        written.inc();
      },
      async stop() {
        const s = out;
        out = null;
        if (s) await new Promise<void>((r) => s.end(() => r()));
      },
    };
  },
});
