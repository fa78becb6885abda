/**
 * docs/errors.md is rendered from the code tables, so the page and the codes
 * cannot drift: `npm run gen` writes it and `npm run lint` fails when the
 * committed page differs (scripts/gen-docs.ts).
 */
import { LOADER_CODES } from './codes.ts';
import { EXPR_CODES } from '../expr/codes.ts';
import { CONFIG_CODES } from '../config/codes.ts';
import { PLUGIN_CODES } from '../plugins/codes.ts';
import type { CodeInfo } from './codes.ts';

const INTRO = `# Error codes

Every problem found while loading rules, the config file or plugins carries
a stable code. A code is never reused for another meaning. Each rule
diagnostic reads

    file:line:col rule \`id\`: what was found, what was expected, the fix [CODE]

followed by the source line with a caret under the spot (for expressions,
under the offending token inside the condition). \`vigil rules check --json\`
prints the same diagnostics as JSON objects with \`code\`, \`severity\`,
\`file\`, \`line\`, \`col\`, \`rule\`, \`message\`, \`title\` and \`docs\` (the
anchor of the code on this page).

One load pass reports every problem; a ruleset with any error is refused as
a whole, and on reload the running ruleset stays in place. Warnings do not
refuse a ruleset.

Config and plugin diagnostics read the same way, located in the config
file (\`vigil config check\`, and every command given \`--config\`); a
config with an error is refused and nothing is started.

This page is generated from the code tables in the source
(\`src/core/rules/codes.ts\`, \`src/core/expr/codes.ts\`,
\`src/core/config/codes.ts\`, \`src/core/plugins/codes.ts\`) by
\`npm run gen\`; \`npm run lint\` fails when the two differ.
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
    section('Config file', CONFIG_CODES),
    section('Plugins', PLUGIN_CODES),
  ].join('\n');
}
