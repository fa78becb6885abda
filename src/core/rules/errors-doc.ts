/**
 * docs/errors.md is rendered from the code table, so the page and the codes
 * cannot drift; test/rules/errors-doc.test.ts fails when the committed page
 * differs from this rendering (regenerate with `renderErrorsDoc`).
 */
import { LOADER_CODES } from './codes.ts';
import { EXPR_CODES } from '../expr/codes.ts';
import type { CodeInfo } from './codes.ts';

const INTRO = `# Error codes

Every problem found while loading rules carries a stable code. A code is
never reused for another meaning. Each diagnostic reads

    file:line:col rule \`id\`: what was found, what was expected, the fix [CODE]

followed by the source line with a caret under the spot (for expressions,
under the offending token inside the condition). \`vigil rules check --json\`
prints the same diagnostics as JSON objects with \`code\`, \`severity\`,
\`file\`, \`line\`, \`col\`, \`rule\`, \`message\`, \`title\` and \`docs\` (the
anchor of the code on this page).

One load pass reports every problem; a ruleset with any error is refused as
a whole, and on reload the running ruleset stays in place. Warnings do not
refuse a ruleset.

This page is generated from the code tables in the source
(\`src/core/rules/codes.ts\`, \`src/core/expr/codes.ts\`); a test fails when
the two differ.
`;

function section(heading: string, codes: Readonly<Record<string, CodeInfo>>): string {
  const parts = Object.entries(codes).map(([code, info]) => `### ${code}\n\n**${info.title}.** ${info.description}\n`);
  return `## ${heading}\n\n${parts.join('\n')}`;
}

export function renderErrorsDoc(): string {
  return [
    INTRO,
    section('Rule files, rules and rule tests', LOADER_CODES),
    section('Expressions and templates', EXPR_CODES),
  ].join('\n');
}
