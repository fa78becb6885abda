/**
 * Counters and gauges, per plugin namespace, rendered as Prometheus text.
 * In-house rather than prom-client: vigil needs two metric types without
 * labels plus read-only gauges computed at scrape time (engine stats), and a
 * hundred lines keep the hot path to a property increment.
 */
import type { Metrics } from '../plugin-api.ts';

type Kind = 'counter' | 'gauge';
interface Series { readonly name: string; readonly help: string; readonly kind: Kind; read(): number }

const NAME_OK = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;

/** `my-plugin` → `my_plugin`, so any plugin or instance name makes a valid metric name. */
export function metricPart(s: string): string {
  return s.replace(/[^a-zA-Z0-9_]/g, '_');
}

export class MetricsRegistry {
  private readonly series = new Map<string, Series>();

  /** Metrics whose names start with `vigil_<ns>_`. */
  namespace(ns: string): Metrics {
    const prefix = `vigil_${metricPart(ns)}_`;
    return {
      counter: (name, help) => {
        const s = this.cell(prefix + metricPart(name), help, 'counter');
        return { inc: (n = 1) => { s.v += n; }, value: () => s.v };
      },
      gauge: (name, help) => {
        const s = this.cell(prefix + metricPart(name), help, 'gauge');
        return { set: (v: number) => { s.v = v; }, value: () => s.v };
      },
    };
  }

  /** A metric computed when scraped (e.g. engine stats); `name` is used as given. */
  computed(name: string, help: string, kind: Kind, read: () => number): void {
    if (!NAME_OK.test(name)) throw new Error(`metric name "${name}" is not valid in Prometheus`);
    this.series.set(name, { name, help, kind, read });
  }

  /** Full names of every metric, sorted. */
  names(): string[] { return [...this.series.keys()].sort(); }

  /** Current value of a metric by full name, or undefined. */
  value(name: string): number | undefined { return this.series.get(name)?.read(); }

  /** Prometheus text exposition format 0.0.4. */
  render(): string {
    let out = '';
    for (const name of [...this.series.keys()].sort()) {
      const s = this.series.get(name)!;
      out += `# HELP ${name} ${s.help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}\n# TYPE ${name} ${s.kind}\n${name} ${formatValue(s.read())}\n`;
    }
    return out;
  }

  private cell(name: string, help: string, kind: Kind): { v: number } {
    const existing = this.series.get(name) as (Series & { cell?: { v: number } }) | undefined;
    // Two instances asking for the same metric share it: a restart of a plugin keeps counting.
    if (existing?.cell && existing.kind === kind) return existing.cell;
    if (existing) throw new Error(`metric ${name} is already registered as a ${existing.kind}`);
    const cell = { v: 0 };
    this.series.set(name, { name, help, kind, read: () => cell.v, cell } as Series);
    return cell;
  }
}

function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}
