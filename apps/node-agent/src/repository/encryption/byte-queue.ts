/** Bytes received but not yet used, kept as the buffers they came in (no copy until a piece is taken). */
export class ByteQueue {
  private readonly parts: Buffer[] = [];
  private total = 0;

  get length(): number {
    return this.total;
  }

  push(bytes: Buffer): void {
    if (bytes.length === 0) return;
    this.parts.push(bytes);
    this.total += bytes.length;
  }

  /** Removes and returns the first `n` bytes (n ≤ length). */
  take(n: number): Buffer {
    if (n > this.total) throw new Error(`cannot take ${n} of ${this.total} bytes`);
    const out = Buffer.allocUnsafe(n);
    let filled = 0;
    while (filled < n) {
      const head = this.parts[0];
      const used = Math.min(head.length, n - filled);
      head.copy(out, filled, 0, used);
      filled += used;
      if (used === head.length) this.parts.shift();
      else this.parts[0] = head.subarray(used);
    }
    this.total -= n;
    return out;
  }

  /** Removes and returns everything. */
  takeAll(): Buffer {
    return this.take(this.total);
  }
}
