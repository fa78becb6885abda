/**
 * block: the firewall action's definition. Rules of the stock packs ask for
 * `block: { address, duration }`; their params are validated here at rule
 * load. Until the firewall backends (iptables, nftables, ipset) arrive in
 * phase 2, the action is report-only: it logs and counts what it would
 * block and never touches the firewall. See docs/decisions.md. Whatever the
 * mode, an address that must never be blocked (see unblockableReason) is
 * refused first.
 */
import { z } from 'zod';
import { defineAction } from '../../core/plugin-api.ts';
import { unblockableReason } from '../../core/host.ts';
import { parseDuration } from '../../core/rules/duration.ts';
import { durationParam } from '../../core/rules/builtin-actions.ts';

const schema = z.strictObject({
  mode: z.enum(['report-only']).default('report-only')
    .describe('report-only: log what would be blocked. Firewall modes (iptables, nftables, ipset) come in phase 2.'),
});
type Config = z.output<typeof schema>;

export default defineAction<Config>({
  name: 'block',
  description: 'Blocks an address at the firewall for a while. Phase 1: report-only; it logs "would block" and never changes the firewall.',
  schema,
  example: { mode: 'report-only' },
  paramsSchema: z.strictObject({
    address: z.string().min(1).describe('Address to block (a template, usually "{{src.ip}}").'),
    duration: durationParam().describe('How long, with a unit (a template, e.g. "1h" or "{{$lockout_time}}s").'),
  }),
  create(ctx) {
    const would = ctx.metrics.counter('would_block_total', 'Blocks requested while the action is report-only.');
    const refused = ctx.metrics.counter('refused_total', 'Blocks refused: the host itself, its gateway, loopback, the allow-list, or not an address or duration.');
    return {
      async run(hit, req) {
        // Checked before anything else, in every mode: a rule, a template or a spoofed packet must never cut the host off.
        const address = String(req.params.address);
        const why = unblockableReason(address, ctx.host) ?? (parseDuration(String(req.params.duration)) === null ? `its duration ${JSON.stringify(req.params.duration)} is not a duration such as 10m or 1h30m` : null);
        if (why !== null) {
          refused.inc();
          ctx.logger.warn({ rule: hit.rule, address, duration: req.params.duration }, `refused to block ${JSON.stringify(address)}: ${why}`);
          return;
        }
        would.inc();
        ctx.logger.warn({ rule: hit.rule, address: req.params.address, duration: req.params.duration, mode: 'report-only' },
          'would block (report-only: firewall blocking arrives in phase 2)');
      },
    };
  },
});
