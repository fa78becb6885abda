/** The one-line text form of hits and events, used by `vigil replay --format text`, `vigil run` and the log action. */
import type { Hit } from '../hit.ts';
import type { VigilEvent } from '../event.generated.ts';
import { eventTimeText } from '../event-time.ts';
import { printable } from '../text/printable.ts';

function paramText(v: unknown): string {
  return typeof v === 'string' ? v : JSON.stringify(v);
}

export function hitText(hit: Hit): string {
  let s = `${eventTimeText(hit.ts)} ${hit.severity.toUpperCase()} ${hit.rule}`;
  if (hit.src) s += ` src=${hit.src}`;
  s += ` ${hit.message}`;
  if (hit.count !== undefined) s += ` count=${hit.count}`;
  if (hit.tags.length) s += ` [${hit.tags.join(',')}]`;
  for (const a of hit.actions) {
    s += ` ${a.plugin}(${Object.entries(a.params).map(([k, v]) => `${k}=${paramText(v)}`).join(' ')})`;
  }
  // The message and parameters hold event fields as the sender wrote them; see printable.
  return printable(s);
}

const endpoint = (e: { ip?: string; port?: number } | undefined): string =>
  !e?.ip ? '-' : (e.ip.includes(':') ? `[${e.ip}]` : e.ip) + (e.port ? `:${e.port}` : '');

export function eventText(ev: VigilEvent): string {
  let s = `${eventTimeText(ev.ts)} ${ev.kind} ${ev.input}`;
  if (ev.proto) s += ` ${ev.proto}`;
  if (ev.src || ev.dst) s += ` ${endpoint(ev.src)} > ${endpoint(ev.dst)}`;
  if (ev.tcp?.flags?.str !== undefined) s += ` flags=${ev.tcp.flags.str || '.'}`;
  if (ev.icmp?.type !== undefined) s += ` icmp=${ev.icmp.type}/${ev.icmp.code ?? 0}`;
  if (ev.flow?.state) s += ` flow=${ev.flow.state}`;
  if (ev.sock) s += ` ${ev.sock.change ?? ''} ${ev.sock.state ?? ''} ${ev.sock.direction ?? ''}`.trimEnd();
  if (ev.proc?.pid) s += ` pid=${ev.proc.pid}${ev.proc.exe ? ` exe=${ev.proc.exe}` : ''}`;
  if (ev.bytes !== undefined && ev.kind !== 'packet') s += ` bytes=${ev.bytes}`;
  // Input names, states and process fields come from JSON lines and /proc as written; see printable.
  return printable(s);
}
