// The pre-framed WebSocket text frames written straight to the socket must be the bytes ws itself frames.
import { describe, expect, it } from "vitest";
import * as ws from "ws";
import { wsTextFrame } from "../../src/http/graphql-ws.ts";

// ws exports its Sender at run time; its types do not declare it.
const { Sender } = ws as unknown as { Sender: { frame(data: Buffer, options: object): Buffer[] } };
const wsFrame = (message: string) => Buffer.concat(Sender.frame(Buffer.from(message), { fin: true, opcode: 1, mask: false, readOnly: true, rsv1: false }));

describe("wsTextFrame", () => {
  it.each([0, 1, 125, 126, 127, 65_535, 65_536, 200_000])("frames %i bytes exactly as ws does", (length) => {
    const message = "x".repeat(length);
    expect(wsTextFrame(message).equals(wsFrame(message))).toBe(true);
  });

  it("counts UTF-8 bytes, not characters", () => {
    const message = `{"name":"Zoë ${"é".repeat(70)}"}`; // under 126 characters, over 125 bytes
    expect(wsTextFrame(message).equals(wsFrame(message))).toBe(true);
    expect(wsTextFrame(message)[1]).toBe(126);
  });
});
