/**
 * Text that is safe to put on one line of a terminal or a log file.
 *
 * Event fields reach text output as the sender wrote them: a JSON-lines
 * event, a pcapng interface name, a process's command line. A newline in one
 * would forge a second hit line in a log that tools read line by line, and an
 * escape sequence would drive the reader's terminal (clear it, retitle it,
 * hide what follows). The JSON forms need none of this: JSON.stringify
 * escapes controls itself, and JSON is the lossless form.
 */

/**
 * C0 and C1 controls and DEL (line breaks, ESC, the 8-bit CSI), the Unicode
 * line and paragraph separators, the bidirectional controls that reorder
 * what a reader sees (Trojan Source), and lone surrogates, which UTF-8 output
 * would silently turn into U+FFFD.
 */
const UNSAFE = /[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

const SHORT: Readonly<Record<string, string>> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

function escape(c: string): string {
  const short = SHORT[c];
  if (short !== undefined) return short;
  const code = c.charCodeAt(0);
  return code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/**
 * `s` with every unsafe character written as a visible escape (`\n`, `\x1b`,
 * `\u202e`). Backslashes are left alone so paths and ordinary text read as
 * written; a reader who needs the exact bytes takes the JSON form.
 */
export function printable(s: string): string {
  return s.replace(UNSAFE, escape);
}
