/**
 * docs/plugins.md, "Writing a site plugin": the worked example
 * (examples/plugins/csv-hits.ts) is dropped into a site plugin directory,
 * named under `plugins.dirs`, and "works wherever it is dropped". A site
 * directory (/etc/vigil/plugins, /var/lib/vigil/plugins) has no package.json
 * of its own; these tests copy the file into such a directory under the temp
 * dir and run the real `vigil` command on it, as the guide says.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, copyFileSync, writeFileSync, readFileSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from '../cli/run-cli.ts';

const BIN = join(ROOT, 'bin', 'vigil.js');
const EXAMPLE = join(ROOT, 'examples', 'plugins', 'csv-hits.ts');

function vigilIn(cwd: string, args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8', timeout: 20_000, killSignal: 'SIGKILL' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A site directory laid out as the guide shows: plugins/ beside the config, no package.json anywhere. */
function siteDir(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-r3-example-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(join(dir, 'plugins'));
  copyFileSync(EXAMPLE, join(dir, 'plugins', 'csv-hits.ts'));
  assert.equal(existsSync(join(dir, 'package.json')), false);
  return dir;
}

test('vigil plugins --config lists the worked example csv-hits copied into a site plugin directory, with no load error', (t) => {
  const dir = siteDir(t);
  writeFileSync(join(dir, 'vigil.yaml'), 'plugins:\n  dirs: [plugins]\n');
  const r = vigilIn(dir, ['plugins', '--config', join(dir, 'vigil.yaml')]);
  assert.doesNotMatch(r.stderr, /csv-hits\.ts cannot be loaded/, `the example did not load: ${r.stderr}`);
  assert.match(r.stdout, /^action\s+csv-hits\s/m);
});

test('vigil run with the worked example as the guide configures it appends the hit to the CSV', (t) => {
  const dir = siteDir(t);
  mkdirSync(join(dir, 'rules'));
  writeFileSync(join(dir, 'rules', 'ssh.yaml'), `rules:
  - id: to-ssh
    description: A packet to port 22.
    on: [packet]
    when: dst.port == 22
    type: single
    severity: low
    message: "packet from {{src.ip}}"
    actions:
      - csv-hits: {}
`);
  writeFileSync(join(dir, 'events.jsonl'), '{"kind":"packet","ts":"2026-01-15T12:00:00Z","proto":"tcp","src":{"ip":"10.77.0.9","port":40000},"dst":{"ip":"10.77.0.1","port":22}}\n');
  const csv = join(dir, 'hits.csv');
  writeFileSync(join(dir, 'vigil.yaml'), `data_dir: data
rules:
  stock: false
  dirs: [rules]
plugins:
  dirs: [plugins]
actions:
  csv-hits: { path: ${JSON.stringify(csv)} }
hits:
  print: none
inputs:
  - use: jsonl
    path: events.jsonl
`);
  // A batch input: run ends by itself once the file is read.
  const r = vigilIn(dir, ['run', '--config', join(dir, 'vigil.yaml')]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(readFileSync(csv, 'utf8'), 'time,rule,severity,src,count,message\n2026-01-15T12:00:00.000Z,to-ssh,low,10.77.0.9,,packet from 10.77.0.9\n');
});
