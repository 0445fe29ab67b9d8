/** Keeps the last `maxChars` characters written to a stream (default 4096), for error reports. */
export class StderrTail {
  private buffer = '';

  constructor(private readonly maxChars = 4096) {}

  push(chunk: string): void {
    this.buffer = (this.buffer + chunk).slice(-this.maxChars);
  }

  text(): string {
    return this.buffer.trim();
  }
}
