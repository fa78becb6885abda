/** One packet record as a capture file delivers it. */
export interface CapturedPacket {
  /** Link type of the packet's interface (see linktypes.ts). */
  linktype: number;
  /** Buffer holding the packet at `offset`; overwritten after the callback returns. */
  buf: Buffer;
  offset: number;
  /** Bytes captured. */
  caplen: number;
  /** Length on the wire. */
  origLen: number;
  /** Capture time, ms since the epoch, with sub-millisecond precision as a fraction. */
  tsMs: number;
  /** pcapng interface index within its section; 0 for pcap. */
  ifIndex: number;
  /** pcapng `if_name`, else the interface index as text for pcapng; undefined for pcap. */
  iface: string | undefined;
}

/** Called once per packet record, in file order. The object is reused: copy what you keep. */
export type OnPacket = (pkt: CapturedPacket) => void;

export interface CaptureInterface {
  section: number;
  index: number;
  linktype: number;
  snaplen: number;
  name: string | undefined;
  /** Timestamp units per second (1e6 for µs). */
  unitsPerSecond: number;
}

export interface CaptureSummary {
  format: 'pcap' | 'pcapng';
  packets: number;
  /** Bytes consumed (decompressed bytes for gzip). */
  bytes: number;
  /** True when the file was gzip-compressed. */
  gzip: boolean;
  interfaces: CaptureInterface[];
  /** True when reading ended early because it was asked to stop. */
  stopped: boolean;
}

/**
 * A path its caller has already opened and begun to read: a pipe, whose
 * first bytes the caller took (to tell the format) and which cannot be read
 * twice. The reader starts with `head`, then reads on from `fd`, and closes it.
 */
export interface OpenedPipe {
  readonly fd: number;
  readonly head: Buffer;
}

export interface ReadCaptureOptions {
  /** The path is already open (see OpenedPipe). */
  opened?: OpenedPipe;
  /** Read size; the reader holds one chunk (or one larger record). Default 4 MiB. */
  chunkSize?: number;
  /** Records longer than this are treated as damage rather than data. Default 64 MiB. */
  maxRecordBytes?: number;
  /** Called after every chunk read with the source bytes consumed and the source size (compressed bytes for gzip; size 0 for standard input). */
  onProgress?: (done: number, total: number) => void;
  /** Stop early (checked between chunks); the promise then resolves with `stopped: true`. */
  signal?: AbortSignal;
}

/** A damaged or unreadable capture file. Every packet before `offset` was delivered first. */
export class CaptureFileError extends Error {
  constructor(readonly path: string, readonly offset: number, problem: string, fix: string) {
    super(`${path}: ${problem} at byte offset ${offset}; ${fix}`);
    this.name = 'CaptureFileError';
  }
}
