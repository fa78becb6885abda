/**
 * readCaptureFile: stream the packets of a pcap or pcapng file, plain or
 * gzip-compressed (recognised by content), or of standard input for `-`.
 *
 * Memory is one read chunk (4 MiB by default) however large the file; a
 * record that spans two chunks is joined in place. The callback runs
 * synchronously for each packet in file order and gets a reused
 * `CapturedPacket` whose bytes are overwritten afterwards — decode or copy
 * inside the callback.
 *
 * A damaged file (unknown magic, cut-short record, impossible length) rejects
 * with a `CaptureFileError` naming the path and byte offset, after every good
 * packet before the damage was delivered.
 */
import { openByteSource } from './byte-source.ts';
import { ChunkReader } from './chunk-reader.ts';
import { CaptureFileError, type CaptureInterface, type CaptureSummary, type OnPacket, type ReadCaptureOptions } from './capture-types.ts';
import { pcapMagic, readPcap } from './pcap-format.ts';
import { readPcapng } from './pcapng-format.ts';

export { CaptureFileError } from './capture-types.ts';
export type { CapturedPacket, CaptureInterface, CaptureSummary, OnPacket, OpenedPipe, ReadCaptureOptions } from './capture-types.ts';

const PCAPNG_SHB = 0x0a0d0d0a;

/** Whether a file's first four bytes (read little-endian) open a capture this reader knows: pcap in any of its variants, or pcapng. */
export function isCaptureMagic(first4LE: number): boolean {
  return pcapMagic(first4LE) !== null || first4LE === PCAPNG_SHB;
}

export async function readCaptureFile(path: string, onPacket: OnPacket, opts: ReadCaptureOptions = {}): Promise<CaptureSummary> {
  const src = await openByteSource(path, opts.opened);
  try {
    const size = src.size;
    const signal = opts.signal;
    const onProgress = opts.onProgress;
    const reader = new ChunkReader(
      path, src, opts.chunkSize ?? 4 << 20,
      (done) => onProgress?.(done, size),
      () => signal?.aborted === true,
    );
    const maxRecord = opts.maxRecordBytes ?? 64 << 20;
    const interfaces: CaptureInterface[] = [];
    if (!(await reader.fill(4))) {
      if (!reader.atEof) return { format: 'pcap', packets: 0, bytes: 0, interfaces, stopped: true, gzip: src.gzip };
      throw new CaptureFileError(path, 0, `${src.gzip ? 'decompressed data' : 'file'} is ${reader.leftover} bytes, too short for a capture file header`, 'check that the path names a pcap or pcapng file');
    }
    const b = reader.buf;
    const first = (b[0] | (b[1] << 8) | (b[2] << 16) | (b[3] << 24)) >>> 0;
    let format: CaptureSummary['format'];
    let packets: number;
    const magic = pcapMagic(first);
    if (magic) {
      format = 'pcap';
      packets = await readPcap(path, reader, magic, maxRecord, onPacket, interfaces);
    } else if (first === PCAPNG_SHB) {
      format = 'pcapng';
      packets = await readPcapng(path, reader, maxRecord, onPacket, interfaces);
    } else {
      throw new CaptureFileError(path, 0, `unknown ${src.gzip ? 'magic in the decompressed data' : 'file magic'} ${hex8(b, 4)}`, hint(b));
    }
    const stopped = !reader.atEof || reader.leftover > 0;
    return { format, packets, bytes: reader.at(reader.pos), interfaces, stopped, gzip: src.gzip };
  } finally {
    await src.close();
  }
}

function hex8(b: Buffer, n: number): string {
  return Array.from(b.subarray(0, n), (x) => x.toString(16).padStart(2, '0')).join(' ');
}

function hint(b: Buffer): string {
  if (b[0] === 0x28 && b[1] === 0xb5 && b[2] === 0x2f && b[3] === 0xfd) return 'the file is zstd-compressed; decompress it first (zstd -d)';
  return 'expected a pcap file (a1 b2 c3 d4 or a1 b2 3c 4d in either byte order) or pcapng (0a 0d 0d 0a)';
}
