/** The one-line end-of-replay summary on stderr, built from the inputs' own counters. */
import type { MetricsRegistry } from '../../core/metrics/registry.ts';

export interface SummaryCounts { files: number; events: number; hits: number | null; elapsedMs: number }

export function summaryLine(metrics: MetricsRegistry, c: SummaryCounts): string {
  let packets = 0;
  let badLines = 0;
  const malformed = new Map<string, number>();
  for (const name of metrics.names()) {
    const v = metrics.value(name) ?? 0;
    if (name === 'vigil_pcapfile_packets_total') packets += v;
    else if (name === 'vigil_jsonl_bad_lines_total') badLines += v;
    else {
      const m = /^vigil_pcapfile_decode_(.+)_total$/.exec(name);
      if (m && v > 0) malformed.set(m[1], (malformed.get(m[1]) ?? 0) + v);
    }
  }
  const parts = [`${c.files} file${c.files === 1 ? '' : 's'}`, `${packets} packets`, `${c.events} events`];
  if (c.hits !== null) parts.push(`${c.hits} hits`);
  const total = [...malformed.values()].reduce((a, b) => a + b, 0);
  parts.push(total ? `${total} dropped (${[...malformed].sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => `${k} ${v}`).join(', ')})` : '0 dropped');
  if (badLines) parts.push(`${badLines} bad JSON lines`);
  parts.push(`${(c.elapsedMs / 1000).toFixed(2)}s`);
  return `replay: ${parts.join(', ')}`;
}
