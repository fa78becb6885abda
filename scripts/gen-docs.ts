// Docs derived from code; scripts/generate.ts writes them (`npm run gen`) and checks them (`npm run lint`).
import { fieldsMarkdown } from '../src/cli/render/fields-table.ts';

export function docTargets(): Array<[string, () => string]> {
  return [
    ['docs/fields.md', fieldsMarkdown],
  ];
}
