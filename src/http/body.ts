// Reading request bodies with a size limit: a huge body is refused, not buffered.
import type { IncomingMessage } from "node:http";

export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** Nesting any client needs (variables of a list of input objects: a handful of levels). */
export const MAX_JSON_DEPTH = 32;

export async function readJsonBody(req: IncomingMessage, limitBytes: number): Promise<unknown> {
  return parseBody(await readBodyText(req, limitBytes), req.headers["content-type"]);
}

/** A body as read by readBodyText: JSON parsed when the content type says JSON, else the text. */
export function parseBody(text: string, contentType: string | undefined): unknown {
  if (text.length === 0) return undefined;
  if (!/^application\/(graphql-response\+)?json\b/i.test(contentType ?? "")) return text;
  return parseJson(text);
}

/** JSON.parse, refusing (400) what is nested deeper than MAX_JSON_DEPTH: deeply nested variables
 * would otherwise overflow the stack of every recursive consumer (coercion, caches, loggers). */
export function parseJson(text: string): unknown {
  if (nestingExceeds(text, MAX_JSON_DEPTH)) throw new HttpError(400, `JSON nested deeper than ${MAX_JSON_DEPTH} levels`);
  try {
    return JSON.parse(text);
  } catch {
    throw new HttpError(400, "request body is not valid JSON");
  }
}

/** One linear pass; brackets inside strings do not count. */
export function nestingExceeds(text: string, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92 /* \\ */) i++;
      else if (c === 34 /* " */) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 123 || c === 91) {
      if (++depth > max) return true;
    } else if (c === 125 || c === 93) depth--;
  }
  return false;
}

/** Reads the body; past the limit the rest is drained and discarded (not buffered), then 413.
 * Draining instead of destroying lets the client read our answer instead of a connection reset. */
export function readBodyText(req: IncomingMessage, limitBytes: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limitBytes) chunks.push(chunk);
      else chunks.length = 0;
      // Draining has a limit too: a client streaming gigabytes just gets cut off.
      if (size > 16 * limitBytes) req.destroy(new HttpError(413, "request body far too large"));
    });
    req.on("end", () => {
      if (size > limitBytes) reject(new HttpError(413, `request body larger than ${limitBytes} bytes`));
      else resolve(Buffer.concat(chunks).toString("utf8"));
    });
    req.on("error", reject);
  });
}
