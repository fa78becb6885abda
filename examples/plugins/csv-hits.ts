/**
 * A site action plugin: appends every hit it is given to a CSV file and
 * keeps a per-rule count in its store. Drop this file into a directory
 * named in `plugins.dirs` and use it in a rule as `- csv-hits: {}`.
 *
 * It default-exports a function: vigil calls it with the plugin kit (zod and
 * the define helpers), so the file needs no dependencies of its own.
 */
import { appendFileSync, existsSync } from 'node:fs';
import type { PluginKit } from '../../src/core/plugins/site-loader.ts';

const HEADER = 'time,rule,severity,src,count,message\n';
const csv = (v: unknown): string => {
  const s = v === undefined || v === null ? '' : String(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

export default ({ z, defineAction }: PluginKit) => defineAction({
  name: 'csv-hits',
  description: 'Appends hits to a CSV file (time, rule, severity, src, count, message) and counts hits per rule in its store.',
  schema: z.strictObject({
    path: z.string().describe('CSV file to append to; a header is written when the file is new.'),
  }),
  example: { path: 'data/hits.csv' },
  paramsSchema: z.strictObject({}),
  create(ctx, config) {
    const rows = ctx.metrics.counter('rows_total', 'Rows appended.');
    return {
      async run(hit) {
        if (!existsSync(config.path)) appendFileSync(config.path, HEADER);
        appendFileSync(config.path, [new Date(hit.ts).toISOString(), hit.rule, hit.severity, hit.src, hit.count, hit.message].map(csv).join(',') + '\n');
        ctx.store.set(`count:${hit.rule}`, (ctx.store.get<number>(`count:${hit.rule}`) ?? 0) + 1);
        rows.inc();
      },
    };
  },
});
