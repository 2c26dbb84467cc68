// Split a byte stream into lines with a length cap that, unlike a bare
// LineSplitter, survives an oversized line: it is skipped up to its newline
// and reading goes on, because one bad event must not cost the rest.
import { LineSplitter } from '../../protocol/ndjson.js';

export class SkippingLineReader {
  private splitter: LineSplitter;
  private skipping = false;
  skipped = 0;

  constructor(private readonly maxBytes: number) {
    this.splitter = new LineSplitter(maxBytes);
  }

  push(chunk: Buffer): string[] {
    const lines: string[] = [];
    let start = 0;
    while (start < chunk.length) {
      const nl = chunk.indexOf(10, start);
      const end = nl === -1 ? chunk.length : nl + 1;
      const piece = chunk.subarray(start, end);
      start = end;
      if (this.skipping) {
        if (nl !== -1) this.skipping = false;
        continue;
      }
      try {
        lines.push(...this.splitter.push(piece));
      } catch {
        this.skipped++;
        this.splitter = new LineSplitter(this.maxBytes);
        this.skipping = nl === -1;
      }
    }
    return lines;
  }
}
