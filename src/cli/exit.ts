/** Exit codes of `vigil`; docs/cli.md lists the same table. */
export const EXIT = {
  /** Success. */
  OK: 0,
  /** Findings: invalid config or rules, failed rule tests. */
  FINDINGS: 1,
  /** Bad command line: unknown option, missing argument. */
  USAGE: 2,
  /** Runtime failure: unreadable input, plugin crash, database error. */
  RUNTIME: 3,
} as const;

/** Thrown by commands to end with a message and a code, without a stack trace. */
export class CliExit extends Error {
  constructor(readonly code: number, message: string) { super(message); }
}
