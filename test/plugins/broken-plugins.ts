/** Broken site plugins, written to a temporary directory by the tests (not committed as .ts: they must not compile). */
export const BROKEN_PLUGINS: Readonly<Record<string, string>> = {
  "a-syntax-error.ts": "export default {\n  name: 'oops'\n  kind: 'action',\n};\n",
  "b-no-export.ts": "export const somethingElse = 42;\n",
  "c-bad-example.ts": "export default ({ z, defineEnricher }: { z: any; defineEnricher: any }) => defineEnricher({\n  name: 'bad-example',\n  description: 'Its example does not satisfy its schema.',\n  schema: z.strictObject({ threshold: z.number().describe('A number.') }),\n  example: { threshold: 'high' } as unknown as { threshold: number },\n  create: () => ({ enrich() {} }),\n});\n",
  "d-throws-in-create.js": "export default ({ z, defineInput }) => defineInput({\n  name: 'throws-in-create',\n  description: 'Throws when created.',\n  schema: z.strictObject({}),\n  example: {},\n  emits: ['packet'],\n  create() { throw new Error('cannot open /dev/nonexistent'); },\n});\n",
  "e-not-kebab.mjs": "export default { kind: 'input', name: 'Bad Name', description: '', emits: [], create: 5 };\n",
};
