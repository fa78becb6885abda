/**
 * bench/RESULTS.md is written section by section, each bench owning one:
 * `<!-- bench:name -->` … `<!-- /bench:name -->`. A bench replaces its own
 * section, or appends it when the file has none yet.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const PATH = join(import.meta.dirname, '..', 'RESULTS.md');

/** Replaces (or appends) the section `name`; `section` is its whole text, markers included. */
export function writeSection(name: string, section: string): void {
  const start = `<!-- bench:${name} -->`, end = `<!-- /bench:${name} -->`;
  if (!section.startsWith(start) || !section.trimEnd().endsWith(end)) throw new Error(`section ${name} must begin with ${start} and end with ${end}`);
  const text = existsSync(PATH) ? readFileSync(PATH, 'utf8') : '# Benchmark results\n\nEach section is written by its bench script; see the command in it to reproduce.\n';
  const a = text.indexOf(start), b = text.indexOf(end);
  writeFileSync(PATH, a >= 0 && b > a ? text.slice(0, a) + section.trimEnd() + text.slice(b + end.length) : `${text.trimEnd()}\n\n${section.trimEnd()}\n`);
}

/** The section `name` around a body that has no markers of its own. */
export function markedSection(name: string, body: string): string {
  return `<!-- bench:${name} -->\n${body.trimEnd()}\n<!-- /bench:${name} -->`;
}
