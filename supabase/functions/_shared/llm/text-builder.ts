/**
 * Collects many small strings (stream deltas) into one, in linear time and with memory that
 * grows with the text, not with the number of pieces.
 *
 * @module
 */

const BLOCK = 256;

/**
 * Appends pieces; every {@link BLOCK} pieces are joined into one block string, so a 10,000-chunk
 * stream keeps about 40 strings alive, not 10,000, and no string is rebuilt from the whole.
 *
 * @example
 * ```ts
 * const text = new TextBuilder();
 * text.append("Hel");
 * text.append("lo");
 * text.toString(); // "Hello"
 * ```
 */
export class TextBuilder {
  #blocks: string[] = [];
  #pieces: string[] = [];
  #length = 0;

  /** Total length in UTF-16 code units. */
  get length(): number {
    return this.#length;
  }

  append(piece: string): void {
    if (piece === "") return;
    this.#pieces.push(piece);
    this.#length += piece.length;
    if (this.#pieces.length === BLOCK) {
      this.#blocks.push(this.#pieces.join(""));
      this.#pieces = [];
    }
  }

  toString(): string {
    return this.#blocks.join("") + this.#pieces.join("");
  }
}
