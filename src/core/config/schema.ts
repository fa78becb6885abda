/**
 * The config file's schema: the single source of defaults, validation and the
 * generated reference (docs/config.md). Every key carries a description.
 */
import { z } from 'zod';
import { isIP } from 'node:net';
import { timerDurationSchema } from './duration.ts';


const ipAddress = z.string().refine((s) => isIP(s) !== 0, { message: 'must be an IPv4 or IPv6 address like "192.0.2.10"' });

const cidr = z.string().refine((s) => {
  const [addr, len, extra] = s.split('/');
  if (extra !== undefined || isIP(addr) === 0) return false;
  if (len === undefined) return true;
  const n = Number(len);
  return /^\d+$/.test(len) && n <= (isIP(addr) === 4 ? 32 : 128);
}, { message: 'must be an address or CIDR like "10.0.0.0/8" or "2001:db8::/32"' });

/** `22`, `"22/tcp"` or `"53/udp"`; the shape only: {@link isListenSpec} checks the port's range too. */
export const LISTEN_RE = /^(\d{1,5})(?:\/(tcp|udp))?$/;

/** A listening port as text (`22`, `22/tcp`, `53/udp`) with the port in 1..65535, as a number port must be. */
export function isListenSpec(s: string): boolean {
  const m = LISTEN_RE.exec(s);
  if (!m) return false;
  const port = Number(m[1]);
  return port >= 1 && port <= 65535;
}

const LISTEN_HINT = 'must be a port from 1 to 65535 like 22, "22/tcp" or "53/udp"';
// One message for either form: a union's own "Invalid input" would not say what is expected.
const listenSpec = z.union([
  z.number().int().min(1).max(65535),
  z.string().refine(isListenSpec, { message: LISTEN_HINT }),
], { error: LISTEN_HINT });

const loopbackListen = z.string().refine((s) => {
  const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d{1,5})$/.exec(s);
  if (!m) return false;
  const host = m[1] ?? m[2];
  return (host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host)) && Number(m[3]) <= 65535;
}, { message: 'must be a loopback host:port like "127.0.0.1:9477" (metrics are not served on public addresses)' });

/** One plugin instance: `use` names the plugin, the other keys are that plugin's config. */
export const PluginRefSchema = z.looseObject({
  use: z.string().describe('Name of the plugin (see `vigil plugins` and docs/plugins.md).'),
  name: z.string().regex(/^[a-z0-9][a-z0-9_-]*$/, { message: 'must be lower-case letters, digits, "-" or "_"' }).optional()
    .describe('Instance name (defaults to the plugin name); events carry it in `input`, logs and metrics use it.'),
});

export const ConfigSchema = z.strictObject({
  data_dir: z.string().default('./data').describe('Directory for the SQLite database (vigil.db); created on demand.'),
  rules: z.strictObject({
    stock: z.boolean().default(true).describe('Load the stock rule packs shipped with vigil (its rules/ directory) first.'),
    dirs: z.array(z.string()).default([]).describe('Site rule directories, loaded after the stock packs in the order given.'),
    vars: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).default({})
      .describe('Rule variable overrides (`$name` in rules), applied after every rule file.'),
  }).prefault({}).describe('Which rules to load.'),
  host: z.strictObject({
    live: z.boolean().default(true).describe('In `vigil run`, read addresses, gateways and listening ports from the live host.'),
    refresh: timerDurationSchema(1000).default('30s').describe('How often `vigil run` re-reads the live host facts.'),
    addresses: z.array(ipAddress).default([]).describe('Extra addresses of this host (added to the live ones).'),
    gateways: z.array(ipAddress).default([]).describe('Extra default gateways.'),
    listen: z.array(listenSpec).default([]).describe('Extra listening ports: 22, "22/tcp" or "53/udp".'),
    allow: z.array(cidr).default([]).describe('Allow-listed addresses or CIDRs: never accused or blocked.'),
  }).prefault({}).describe('Facts about the protected host that rule helpers test.'),
  inputs: z.array(PluginRefSchema).default([]).describe('Input plugin instances: `- use: procnet` plus that plugin\'s keys.'),
  enrichers: z.array(PluginRefSchema).default([]).describe('Enricher plugin instances, applied in order to every event.'),
  actions: z.record(z.string(), z.record(z.string(), z.unknown())).default({})
    .describe('Config per action plugin, by plugin name (`log: { path: hits.log }`). Every action plugin known (stock or in a site plugin directory) runs; one not named here runs with its default settings, and one whose defaults are not enough (a required setting) is left out until configured.'),
  plugins: z.strictObject({
    dirs: z.array(z.string()).default([]).describe('Directories of site plugins (*.ts, *.mts, *.js, *.mjs), loaded at start.'),
    packages: z.array(z.string()).default([]).describe('npm package names exporting a plugin definition.'),
  }).prefault({}).describe('Where site plugins come from.'),
  hits: z.strictObject({
    print: z.enum(['text', 'json', 'none']).default('text').describe('How `vigil run` prints hits on stdout.'),
  }).prefault({}).describe('Hit output of `vigil run`.'),
  log: z.strictObject({
    level: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info').describe('Log level (logs are JSON lines on stderr).'),
  }).prefault({}).describe('Logging.'),
  metrics: z.strictObject({
    listen: loopbackListen.nullable().default(null).describe('Serve Prometheus metrics at http://HOST:PORT/metrics; null turns it off.'),
  }).prefault({}).describe('Prometheus metrics endpoint.'),
});

export type VigilConfig = z.output<typeof ConfigSchema>;
export type PluginRef = z.output<typeof PluginRefSchema>;
