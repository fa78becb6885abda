/**
 * The `src` and `dst` of a decoded packet: `{ ip, port }` whose `ip` text is
 * made on first read instead of at decode time.
 *
 * Why: turning address bytes into text was the largest single cost of
 * decoding, yet most packets never have their addresses read — rules test
 * protocol, flags and ports first (on the replay bench's mixed capture, the
 * stock packs read `src.ip` of one packet in four, `dst.ip` of one in eight).
 * So the decoder records the address as 32-bit words, and `ip` formats them
 * (through the ip-text caches) when something asks.
 *
 * To every reader the object is the plain data it replaces: `ip` is an own,
 * enumerable accessor, so JSON.stringify, structuredClone, spread,
 * Object.keys and deep equality see a string property, in the same place
 * (before `port`). The recorded words live in non-enumerable properties
 * that none of those see. Repeated reads for one packet return the same
 * string object, which engine key tables rely on to reuse a hash. Assigning
 * `ip` stores the text given, as a plain object would.
 */
import { ipv4TextOf, ipv6TextOf } from './ip-text.ts';

export interface PacketEndpoint { ip: string; port: number }

/** The recorded address, in non-enumerable properties of the endpoint. */
interface Recorded extends PacketEndpoint {
  /** The text, once made (or assigned); undefined while only the words are known. */
  _text: string | undefined;
  /** 4 or 6: which of the words hold the address. */
  _v: number;
  _w0: number;
  _w1: number;
  _w2: number;
  _w3: number;
}

function readIp(this: Recorded): string {
  let t = this._text;
  if (t === undefined) {
    t = this._v === 4 ? ipv4TextOf(this._w0) : ipv6TextOf(this._w0, this._w1, this._w2, this._w3);
    this._text = t;
  }
  return t;
}

function writeIp(this: Recorded, text: string): void {
  this._text = text;
}

const hidden = (value: number | string | undefined): PropertyDescriptor => ({ value, writable: true, enumerable: false, configurable: false });

/** A new endpoint reading as `{ ip: '', port: 0 }`. */
export function newPacketEndpoint(): PacketEndpoint {
  const e = {} as Recorded;
  Object.defineProperty(e, 'ip', { get: readIp, set: writeIp, enumerable: true, configurable: false });
  e.port = 0;
  Object.defineProperties(e, {
    _text: hidden(''),
    _v: hidden(4), _w0: hidden(0), _w1: hidden(0), _w2: hidden(0), _w3: hidden(0),
  });
  return e;
}

/** Records the IPv4 address whose bytes, big-endian, make the int32 `key`. */
export function setIpv4(e: PacketEndpoint, key: number): void {
  const r = e as Recorded;
  r._v = 4;
  r._w0 = key;
  r._text = undefined;
}

/** Records the IPv6 address made of the big-endian int32 words w0..w3. */
export function setIpv6(e: PacketEndpoint, w0: number, w1: number, w2: number, w3: number): void {
  const r = e as Recorded;
  r._v = 6;
  r._w0 = w0; r._w1 = w1; r._w2 = w2; r._w3 = w3;
  r._text = undefined;
}
