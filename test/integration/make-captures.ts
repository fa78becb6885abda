/**
 * Records one pcap per scenario from the namespace lab, tcpdump on the
 * victim's bridge with snaplen 128. Used by the namespace test (into a temp
 * dir) and to refresh the committed fixtures:
 *
 *   node --import tsx test/integration/make-captures.ts test/fixtures/captures [scenario…]
 */
import { mkdirSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Lab, VICTIM, labUnavailable, waitForBytes } from './lab.ts';
import { SCENARIOS, VICTIM_TCP, VICTIM_UDP, type Scenario } from './scenarios.ts';

const here = dirname(fileURLToPath(import.meta.url));

/** Start the victim's services and wait until each listens. */
async function startServices(lab: Lab): Promise<void> {
  const web = lab.start('victim', ['node', join(here, 'lab-server.mjs')]);
  await lab.waitFor(web, /lab-server listening/);
  for (const port of VICTIM_TCP.filter((p) => p !== 80)) {
    lab.start('victim', ['socat', `TCP6-LISTEN:${port},fork,reuseaddr,ipv6only=0`, 'OPEN:/dev/null']);
  }
  for (const port of VICTIM_UDP) {
    lab.start('victim', ['socat', `UDP6-RECVFROM:${port},fork,ipv6only=0`, 'SYSTEM:echo answer']);
  }
  // socat prints nothing when ready; ask the kernel instead (bounded poll).
  for (let i = 0; i < 200; i++) {
    const ss = lab.inNs(lab.ns.victim, ['ss', '-Htuln']);
    if (VICTIM_TCP.every((p) => ss.includes(`:${p} `)) && VICTIM_UDP.every((p) => ss.includes(`:${p} `))) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('victim services did not start listening');
}

async function record(lab: Lab, s: Scenario, file: string): Promise<void> {
  const dump = lab.start('victim', ['tcpdump', '-n', '-i', 'br0', '-s', '128', '-U', '--immediate-mode', '-w', file]);
  await lab.waitFor(dump, /listening on/);
  try {
    await s.traffic(lab, { clientScript: join(here, 'lab-client.mjs') });
    // A closing datagram (to the closed discard port) proves the capture holds everything sent before it.
    const marker = `vigil-lab-end-${s.name}`;
    lab.exec('client', ['node', '-e', `const s=require('dgram').createSocket('udp4');s.send(${JSON.stringify(marker)},9,${JSON.stringify(VICTIM.v4)},()=>s.close())`]);
    await waitForBytes(file, marker);
  } finally {
    await lab.stop(dump, 'SIGINT');
  }
}

/** Make captures for the named scenarios (default all) in outDir; returns their paths by name. */
export async function makeCaptures(outDir: string, names: readonly string[] = []): Promise<Map<string, string>> {
  const chosen = names.length ? SCENARIOS.filter((s) => names.includes(s.name)) : SCENARIOS;
  mkdirSync(outDir, { recursive: true });
  const lab = new Lab();
  const out = new Map<string, string>();
  try {
    lab.setup();
    await startServices(lab);
    // Fill neighbour caches first so the scans themselves start on a quiet wire.
    lab.exec('client', ['ping', '-c', '1', '-W', '2', VICTIM.v4], 10);
    lab.exec('scanner', ['ping', '-c', '1', '-W', '2', VICTIM.v4], 10);
    lab.exec('client', ['ping', '-6', '-c', '1', '-W', '2', VICTIM.v6], 10);
    lab.exec('scanner', ['ping', '-6', '-c', '1', '-W', '2', VICTIM.v6], 10);
    for (const s of chosen) {
      const file = join(outDir, `${s.name}.pcap`);
      await record(lab, s, file);
      out.set(s.name, file);
    }
  } finally {
    await lab.destroy();
  }
  return out;
}


if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const why = labUnavailable();
  if (why) { console.error(`cannot make captures: ${why}`); process.exit(2); }
  const [outDir, ...names] = process.argv.slice(2);
  if (!outDir) { console.error('usage: make-captures.ts OUTDIR [scenario…]'); process.exit(2); }
  const made = await makeCaptures(outDir, names);
  for (const [name, file] of made) console.log(`${name}\t${file}`);
}
