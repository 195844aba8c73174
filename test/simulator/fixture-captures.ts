// The captures this suite compares with, read from test/fixtures/ami-captures (byte-identical
// copies of ../shared/ami-captures). A capture's messages are cut into the sections between its
// `# MARK` lines (one per step the capture script took), so a test can replay the steps and
// compare each step's events with the capture's.
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseFrame, splitFrames, type AmiFrame } from "../helpers/ami-frames.ts";

export const FIXTURES_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../fixtures/ami-captures");

export function fixtureBytes(name: string): string {
  return readFileSync(path.join(FIXTURES_DIR, `${name}.ami`), "latin1");
}

export function fixtureClientBytes(name: string): string {
  return readFileSync(path.join(FIXTURES_DIR, `${name}.client.ami`), "latin1");
}

export function fixtureFrames(name: string): AmiFrame[] {
  return splitFrames(fixtureBytes(name));
}

/** The frames answering one ActionID, in order. */
export function fixtureAnswer(name: string, actionId: string): AmiFrame[] {
  return fixtureFrames(name).filter((f) => f.kind === "message" && parseFrame(f.text).actionid === actionId);
}

/** Server messages (banner left out) grouped by the MARK line before them; section 0 is before the first MARK. */
export function fixtureSections(name: string): Array<{ mark: string; frames: AmiFrame[] }> {
  const frames = fixtureFrames(name).filter((f) => f.kind === "message");
  const lines = readFileSync(path.join(FIXTURES_DIR, `${name}.timeline.txt`), "utf8").split("\n");
  const sections: Array<{ mark: string; frames: AmiFrame[] }> = [{ mark: "", frames: [] }];
  let next = 0;
  for (const line of lines) {
    if (line.includes(" # MARK ")) sections.push({ mark: line.slice(line.indexOf("# MARK ") + 7), frames: [] });
    else if (line.includes(" S> ") && !line.includes(" S> Asterisk Call Manager/")) {
      const frame = frames[next++];
      if (!frame) throw new Error(`${name}: more timeline lines than messages`);
      (sections.at(-1) as { frames: AmiFrame[] }).frames.push(frame);
    }
  }
  if (next !== frames.length) throw new Error(`${name}: ${frames.length} messages, ${next} timeline lines`);
  return sections;
}

/** Header names of a frame, in order. */
export function headerNames(frame: AmiFrame): string[] {
  return frame.text.split("\r\n").map((line) => line.slice(0, line.indexOf(":")));
}

/** A frame with the values that depend on the clock replaced (Unix seconds of LoginTime, LastPause, LastCall). */
export function withoutClock(frame: AmiFrame): string {
  return frame.text.replace(/^(LoginTime|LastPause|LastCall): [1-9]\d{9}$/gm, "$1: <unix>");
}
