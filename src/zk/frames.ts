/**
 * Splits the bytes of a ZooKeeper connection into whole frames (a 4-byte big-endian length, then that many
 * bytes), so node-zookeeper-client is handed exactly one frame at a time.
 *
 * Its own ConnectionManager.onSocketData decodes one frame, then calls itself again with
 * `Buffer.concat([rest, empty])`: every frame copies the whole rest of the chunk, quadratic in the number of
 * replies a chunk carries. A 64 KiB chunk of small replies (a tree cache loading 10k nodes) was ~25 MB of
 * copying per chunk, and a peak RSS that never came back. It also keeps a partial frame across reconnects.
 * Here each byte is copied at most once (only when a frame spans chunks), and `reset()` drops a partial
 * frame when a new socket starts.
 */
export class FrameSplitter {
  private chunks: Buffer[] = [];
  private length = 0;

  reset(): void {
    this.chunks = [];
    this.length = 0;
  }

  /** Adds received bytes; returns the frames now complete, in order (each a view, length prefix included). */
  push(buffer: Buffer): Buffer[] {
    if (buffer.length > 0) {
      this.chunks.push(buffer);
      this.length += buffer.length;
    }
    const frames: Buffer[] = [];
    while (this.length >= 4) {
      let head = this.chunks[0] as Buffer;
      if (head.length < 4) head = this.merge();
      const size = head.readInt32BE(0) + 4;
      // A negative or absurd length: hand the rest over as it is and let the library's decoder fail on it.
      if (size < 4) {
        frames.push(this.merge());
        this.reset();
        break;
      }
      if (this.length < size) break;
      if (head.length < size) head = this.merge();
      frames.push(head.subarray(0, size));
      if (head.length === size) this.chunks.shift();
      else this.chunks[0] = head.subarray(size);
      this.length -= size;
    }
    return frames;
  }

  private merge(): Buffer {
    const merged = this.chunks.length === 1 ? (this.chunks[0] as Buffer) : Buffer.concat(this.chunks, this.length);
    this.chunks = [merged];
    return merged;
  }
}
