/**
 * What the replay benches share: the mixed capture (generated once, fixed
 * seed) and the protected host's facts, for the worker (HOSTS) and for the
 * CLI (HOST_ARGS, derived from it).
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Synth } from './synth.ts';
import { PcapWriter } from './pcap-writer.ts';
import { planScanners, runMixed, type PlannedScanner, type ScanTarget } from './synth-scans.ts';

export const OUT = join(import.meta.dirname, '..', 'out');
export const WORKER = join(import.meta.dirname, 'replay-worker.mjs');
export const SEED = 7;
export const SCANNERS = 400;
export const SPOOFED = 20_000;
export const TARGET4: ScanTarget = { victim: '10.77.0.1', openTcp: [22, 25, 80, 443, 993], openUdp: [53] };
export const TARGET6: ScanTarget = { victim: 'fd77::1', openTcp: [22, 25, 80, 443, 993], openUdp: [53] };

/** The synth's servers are the protected host; they serve what its normal clients use. */
export const HOSTS = {
  addresses: Array.from({ length: 20 }, (_, i) => [`10.77.0.${i + 1}`, `fd77::${(i + 1).toString(16)}`]).flat(),
  tcp: TARGET4.openTcp,
  udp: TARGET4.openUdp,
};
/** The same facts as `vigil replay` flags. */
export const HOST_ARGS: readonly string[] = [
  ...HOSTS.addresses.flatMap((a) => ['--host', a]),
  ...HOSTS.tcp.flatMap((p) => ['--listen', String(p)]),
  ...HOSTS.udp.flatMap((p) => ['--listen', `${p}/udp`]),
];

/** The mixed capture of `total` packets (normal clients, SCANNERS scanners, SPOOFED one-off probes), made on first use. */
export function mixedCapture(total: number): { file: string; plan: PlannedScanner[] } {
  const file = join(OUT, `replay-mixed-${total}-seed${SEED}.pcap`);
  const plan = planScanners(SCANNERS, SEED);
  if (!existsSync(file)) {
    mkdirSync(OUT, { recursive: true });
    const w = new PcapWriter(file, { snaplen: 128 });
    const s = new Synth({ seed: SEED, sink: (ts, f) => w.write(ts, f) });
    runMixed(s, { total, scanners: plan, spoofed: SPOOFED, target4: TARGET4, target6: TARGET6 });
    w.close();
  }
  return { file, plan };
}
