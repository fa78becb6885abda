/** Shared by the rule loader tests: the stock action plugins as the loader sees them, and diagnostics in fixture form. */
import { relative } from 'node:path';
import type { Diagnostic } from '../../src/core/rules/types.ts';
import type { KnownActions } from '../../src/core/rules/actions.ts';
import { STOCK_PLUGINS } from '../../src/plugins/registry.ts';

export const STOCK_ACTIONS: KnownActions = new Map(
  STOCK_PLUGINS.flatMap((p) => (p.kind === 'action' ? [[p.name, { paramsSchema: p.paramsSchema }] as const] : [])),
);

/** A diagnostic as written in expected-diagnostics.json: file relative to the case folder, no excerpt. */
export interface FixtureDiagnostic {
  code: string;
  severity: 'error' | 'warning';
  file: string;
  line: number;
  col: number;
  rule?: string;
  message: string;
}

export function toFixture(d: Diagnostic, caseDir: string): FixtureDiagnostic {
  return {
    code: d.code,
    severity: d.severity,
    file: relative(caseDir, d.loc.file),
    line: d.loc.line,
    col: d.loc.col,
    ...(d.rule !== undefined ? { rule: d.rule } : {}),
    message: d.message.replaceAll(`${caseDir}/`, ''),
  };
}
