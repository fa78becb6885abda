/**
 * A duration written literally in an action (a context's ttl, a block's
 * duration) is checked when the rules load, located; one built from a
 * template is known only when it renders, and is checked then.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadRulesetFromText } from '../../src/core/rules/load.ts';
import { STOCK_ACTIONS } from './helpers.ts';

const rule = (action: string) => `rules:
  - id: r1
    description: d
    on: [packet]
    when: dst.port == 23
    type: single
    key: [src.ip]
    actions:
      - ${action}
`;

const load = (action: string) => loadRulesetFromText([{ path: 'site.yaml', text: rule(action) }], { actions: STOCK_ACTIONS });

test('a literal ttl or block duration that is not a duration is refused at load, at its line', () => {
  for (const action of ['context.set: { name: scanner, key: "{{src.ip}}", ttl: soon }', 'block: { address: "{{src.ip}}", duration: "10 minutes" }']) {
    const r = load(action);
    assert.equal(r.ruleset, null, action);
    const d = r.diagnostics.find((x) => x.code === 'VGL_ACTION_PARAMS');
    assert.ok(d, `${action}: ${JSON.stringify(r.diagnostics)}`);
    assert.equal(d.loc.line, 9);
    assert.match(d.message, /duration/);
  }
});

test('durations written as durations, or as templates, load', () => {
  for (const action of [
    'context.set: { name: scanner, key: "{{src.ip}}", ttl: 1h30m }',
    'context.set: { name: scanner, key: "{{src.ip}}", ttl: "{{data.ttl}}" }',
    'block: { address: "{{src.ip}}", duration: 10m }',
    'block: { address: "{{src.ip}}", duration: "{{count}}s" }',
  ]) {
    const r = load(action);
    assert.ok(r.ruleset, `${action}: ${JSON.stringify(r.diagnostics)}`);
  }
});
