// Reads the few headers a fact needs from a raw AMI message, with limits: an identifying header
// that is missing, repeated, structured or oversized fails the message (first reason kept); a
// descriptive header that is unusable becomes null and is noted. Never throws.
import type { AmiRawMessage } from "./ami-messages.ts";

/** Longest accepted value per kind of header (Asterisk's own limits are far below these). */
export const LIMITS = {
  name: 256,
  uri: 1024,
  text: 512,
} as const;

export class FieldReader {
  private failure: string | null = null;
  readonly notes: string[] = [];

  constructor(private readonly message: AmiRawMessage) {}

  /** The first reason the message cannot be used, or null. */
  get failed(): string | null {
    return this.failure;
  }

  fail(reason: string): void {
    this.failure ??= reason;
  }

  /** A header the fact cannot do without. Returns "" after a failure (check `failed`). */
  required(key: string, maxLength: number = LIMITS.name): string {
    const value = this.read(key);
    if (value === undefined) {
      this.fail(`${key} missing or repeated`);
      return "";
    }
    const trimmed = value.trim();
    if (trimmed === "") this.fail(`${key} empty`);
    else if (trimmed.length > maxLength) this.fail(`${key} longer than ${maxLength}`);
    return trimmed;
  }

  /** A descriptive header: empty → null; missing, repeated or oversized → null with a note. */
  optional(key: string, maxLength: number = LIMITS.text): string | null {
    const value = this.read(key);
    if (value === undefined) {
      if (key in this.message) this.notes.push(`${key} repeated or structured`);
      return null;
    }
    const trimmed = value.trim();
    if (trimmed === "") return null;
    if (trimmed.length > maxLength) {
      this.notes.push(`${key} longer than ${maxLength}`);
      return null;
    }
    return trimmed;
  }

  /** A whole number within [min, max]; `N/A`, empty or garbage → null (noted unless N/A/empty). */
  optionalInt(key: string, min: number, max: number): number | null {
    const text = this.optional(key, 32);
    if (text === null || text === "N/A") return null;
    if (!/^-?\d{1,15}$/.test(text)) {
      this.notes.push(`${key} not a whole number`);
      return null;
    }
    const value = Number(text);
    if (value < min || value > max) {
      this.notes.push(`${key} out of range`);
      return null;
    }
    return value;
  }

  /** A non-negative decimal such as `3.000000`. */
  optionalDecimal(key: string, max: number): number | null {
    const text = this.optional(key, 32);
    if (text === null || text === "N/A") return null;
    if (!/^\d{1,9}(\.\d{1,9})?$/.test(text) || Number(text) > max) {
      this.notes.push(`${key} not a decimal within ${max}`);
      return null;
    }
    return Number(text);
  }

  private read(key: string): string | undefined {
    const value = this.message[key];
    return typeof value === "string" ? value : undefined;
  }
}
