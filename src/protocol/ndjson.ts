// Newline-delimited framing with a byte cap, so a peer that never sends "\n"
// cannot make us buffer without bound.
import { ConvocateError } from './errors.js';

export class LineSplitter {
  private parts: Buffer[] = [];
  private size = 0;

  constructor(private readonly maxBytes: number) {}

  /** Feed a chunk; returns the complete lines it finished (without "\n", "\r" trimmed). */
  push(chunk: Buffer): string[] {
    const lines: string[] = [];
    let start = 0;
    for (let nl = chunk.indexOf(10, start); nl !== -1; nl = chunk.indexOf(10, start)) {
      this.append(chunk.subarray(start, nl));
      lines.push(this.take());
      start = nl + 1;
    }
    this.append(chunk.subarray(start));
    return lines;
  }

  /** What is buffered after the last newline (a final line without "\n"). */
  rest(): string | undefined {
    return this.size > 0 ? this.take() : undefined;
  }

  private append(buf: Buffer): void {
    if (buf.length === 0) return;
    this.size += buf.length;
    if (this.size > this.maxBytes) {
      throw new ConvocateError('too_large', `line exceeds ${this.maxBytes} bytes`);
    }
    this.parts.push(buf);
  }

  private take(): string {
    const line = Buffer.concat(this.parts).toString('utf8');
    this.parts = [];
    this.size = 0;
    return line.endsWith('\r') ? line.slice(0, -1) : line;
  }
}
