// Docs derived from code; scripts/generate.ts writes them (`npm run gen`) and checks them (`npm run lint`).
import { fieldsMarkdown } from '../src/cli/render/fields-table.ts';
import { configReference } from '../src/core/config/reference.ts';
import { pluginsReference } from '../src/cli/render/plugins-reference.ts';
import { renderErrorsDoc } from '../src/core/rules/errors-doc.ts';

export function docTargets(): Array<[string, () => string]> {
  return [
    ['docs/fields.md', fieldsMarkdown],
    ['docs/config.md', configReference],
    ['docs/plugins.md', () => pluginsReference()],
    ['docs/errors.md', renderErrorsDoc],
  ];
}
