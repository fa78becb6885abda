/**
 * Inputs for a path that is not a regular file (a named pipe,
 * `<(zcat x.pcap.gz)`, a character device), for `vigil replay`. The bytes
 * replay read to find the format are gone from the pipe, and a pipe cannot
 * be read twice; so the input is handed the open pipe and those bytes.
 * Everything else (bad lines or damage, counters, logging, stop) is the
 * input's own, with its defaults.
 */
import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import type { InputInstance } from '../core/plugin-api.ts';
import { isGzip, prepended } from '../core/decode/byte-source.ts';
import { pluginContext, type PluginServices } from '../core/plugins/context.ts';
import { jsonlDefaults, jsonlInstance, type JsonlSource } from '../plugins/inputs/jsonl.ts';
import pcapfile, { pcapfileInstance } from '../plugins/inputs/pcapfile.ts';

/** A capture in a pipe: the pcapfile input, told the pipe is open and where its first bytes are. */
export function pipeCaptureInput(path: string, fd: number, head: Buffer, svc: PluginServices): InputInstance {
  return pcapfileInstance(pluginContext(svc, 'pcapfile', 'pcapfile'), pcapfile.schema.parse({ path }), new Map([[path, { fd, head }]]));
}

export function pipeJsonlInput(path: string, fd: number, head: Buffer, svc: PluginServices): InputInstance {
  const open = async (): Promise<JsonlSource> => {
    const raw = createReadStream(path, { fd, highWaterMark: 1 << 20 });
    const joined = prepended(head, raw as AsyncIterable<Buffer>);
    let stream: Readable = joined;
    if (isGzip(head, head.length)) {
      const gunzip = createGunzip();
      joined.on('error', (e) => gunzip.destroy(e));
      stream = joined.pipe(gunzip);
    }
    return { stream, total: 0, bytesRead: () => 0, destroy: () => { stream.destroy(); joined.destroy(); raw.destroy(); } };
  };
  return jsonlInstance(pluginContext(svc, 'jsonl', 'jsonl'), jsonlDefaults(path), open);
}
