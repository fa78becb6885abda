/**
 * pcapfile: replays pcap and pcapng files (plain or gzip-compressed, or
 * standard input for `-`) as `packet` events, in file order, with the
 * packets' own timestamps as event time. A batch input: `start` resolves
 * when every file has been read; progress is in file bytes (compressed
 * bytes for gzip files).
 *
 * A damaged file (cut short, impossible lengths) has every good packet before
 * the damage emitted; then, by default, the input rejects with the path and
 * byte offset and the files after it are not read. With `on_error: skip` the
 * error is logged, counted in `vigil_pcapfile_damaged_files_total`, and the
 * next file is read (rotated captures whose last file is still being written).
 * Packets the decoder cannot use (not IP, truncated headers) are counted per
 * reason in `vigil_pcapfile_decode_<reason>_total` and summarised in the log
 * at the end of each file.
 */
import { stat } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { z } from 'zod';
import { defineInput, type Emit, type InputInstance, type PluginContext } from '../../core/plugin-api.ts';
import { CaptureFileError, readCaptureFile, type OpenedPipe } from '../../core/decode/capture-file.ts';
import { PacketDecoder } from '../../core/decode/decoder.ts';
import type { DecodeReason } from '../../core/decode/stats.ts';

const schema = z.strictObject({
  path: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)])
    .describe('Capture file to read (pcap or pcapng, either byte order, optionally gzip-compressed; "-" for standard input), or a list of them read one after another.'),
  on_error: z.enum(['stop', 'skip']).default('stop')
    .describe('What a damaged file does after its good packets are emitted: stop (end the input with the error) or skip (log it, count it, read the next file).'),
  iface: z.string().min(1).optional()
    .describe('Interface name for events from files that carry none (classic pcap). pcapng interface names take precedence.'),
});
export type PcapfileConfig = z.output<typeof schema>;
type Config = PcapfileConfig;

export default defineInput<Config>({
  name: 'pcapfile',
  description: 'Reads pcap and pcapng capture files and emits one packet event per IP packet, with the capture timestamps as event time.',
  schema,
  example: { path: ['captures/monday.pcapng', 'captures/tuesday.pcap.gz'], on_error: 'stop', iface: 'eth0' },
  emits: ['packet'],
  create: (ctx, config) => pcapfileInstance(ctx, config, new Map()),
});

/**
 * The input over its config's paths; `opened` holds those its caller has
 * already opened (`vigil replay` on a pipe, whose first bytes it read to tell
 * the format).
 */
export function pcapfileInstance(ctx: PluginContext, config: Config, opened: ReadonlyMap<string, OpenedPipe>): InputInstance {
  const paths = typeof config.path === 'string' ? [config.path] : config.path;
  const decoder = new PacketDecoder({ input: ctx.name });
  const m = ctx.metrics;
  const packetsTotal = m.counter('packets_total', 'Packet records read from capture files.');
  const eventsTotal = m.counter('events_total', 'Packet events emitted.');
  const droppedTotal = m.counter('dropped_total', 'Packet records that produced no event (see decode_<reason>_total).');
  const filesTotal = m.counter('files_total', 'Capture files read to the end.');
  const damagedTotal = m.counter('damaged_files_total', 'Capture files that ended in damage (their good packets were emitted).');
  const reasonCounters = new Map<string, ReturnType<typeof m.counter>>();
  const abort = new AbortController();
  let doneBytes = 0;
  let totalBytes = 0;
  let running: Promise<void> | null = null;
  let flushed = decoder.stats.snapshot();

  const flushMetrics = (): void => {
    const now = decoder.stats.snapshot();
    packetsTotal.inc(now.packets - flushed.packets);
    eventsTotal.inc(now.decoded - flushed.decoded);
    droppedTotal.inc(now.dropped - flushed.dropped);
    for (const [reason, n] of Object.entries(now.reasons) as [DecodeReason, number][]) {
      const before = flushed.reasons[reason] ?? 0;
      if (n === before) continue;
      let c = reasonCounters.get(reason);
      if (!c) { c = m.counter(`decode_${reason}_total`, `Packets the decoder counted as ${reason}.`); reasonCounters.set(reason, c); }
      c.inc(n - before);
    }
    flushed = now;
  };

  const run = async (emit: Emit): Promise<void> => {
    const sizes: number[] = [];
    for (const p of paths) {
      if (p === '-') { sizes.push(0); continue; }
      sizes.push(await fileSize(p));
    }
    totalBytes = sizes.reduce((a, b) => a + b, 0);
    let before = 0;
    for (let i = 0; i < paths.length && !abort.signal.aborted; i++) {
      const path = paths[i];
      const start = decoder.stats.snapshot();
      let summary;
      try {
        summary = await readCaptureFile(path, (pkt) => {
          const ev = decoder.decodeAt(pkt.linktype, pkt.buf, pkt.offset, pkt.caplen, pkt.origLen, pkt.tsMs, pkt.iface ?? config.iface);
          if (ev !== null) emit(ev);
        }, {
          signal: abort.signal,
          onProgress: (done) => { doneBytes = before + done; flushMetrics(); },
          opened: opened.get(path),
        });
      } catch (e) {
        if (!(e instanceof CaptureFileError) || config.on_error === 'stop') throw e;
        damagedTotal.inc();
        ctx.logger.error({ file: path, offset: e.offset }, e.message);
        before += sizes[i];
        doneBytes = before;
        continue;
      } finally {
        flushMetrics();
      }
      before += sizes[i];
      doneBytes = before;
      if (summary.stopped) break;
      filesTotal.inc();
      const end = decoder.stats.snapshot();
      const reasons: Record<string, number> = {};
      for (const [k, v] of Object.entries(end.reasons)) {
        const d = v - (start.reasons[k as DecodeReason] ?? 0);
        if (d > 0) reasons[k] = d;
      }
      ctx.logger.info({
        file: path, format: summary.format, packets: summary.packets,
        events: end.decoded - start.decoded, dropped: end.dropped - start.dropped, reasons,
        interfaces: summary.interfaces.map((f) => ({ linktype: f.linktype, name: f.name })),
      }, 'capture file read');
    }
  };

  return {
    start(emit) {
      running ??= run(emit);
      return running;
    },
    async stop() {
      abort.abort();
      if (running) await running.catch(() => undefined);
    },
    progress: () => ({ done: doneBytes, total: totalBytes }),
  };

}
/** Size of a capture file named in the config; a missing file or a directory is a config mistake, refused before any file is read. */
async function fileSize(p: string): Promise<number> {
  let st: Stats;
  try {
    st = await stat(p);
  } catch (e) {
    throw new Error(`pcapfile: cannot read capture file ${p} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); check the \`path\` in the input's config`);
  }
  if (st.isDirectory()) throw new Error(`pcapfile: capture file ${p} is a directory; check the \`path\` in the input's config (list the files in it)`);
  return st.size;
}
