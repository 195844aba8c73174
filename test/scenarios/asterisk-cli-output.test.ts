// The CLI parsers the real-Asterisk suite relies on, on tables copied from the lab's Asterisk 22.
import { describe, expect, it } from "vitest";
import { parseContacts, parseEndpoints, parseHint, parseQueueMembers } from "./asterisk-cli-output.ts";

const CONTACTS = `
  Contact:  <Aor/ContactUri..............................> <Hash....> <Status> <RTT(ms)..>
==========================================================================================

  Contact:  1000/sip:1000@127.0.0.1:15000                  e8fa77a71c Avail         0.495
  Contact:  1001/sip:1001@127.0.0.1:15001                  869e628b48 Unavail        -nan
  Contact:  1002/sip:1002@127.0.0.1:15002                  2f9cbc4f65 NonQual        -nan

Objects found: 3
`;

const ENDPOINTS = `
 Endpoint:  <Endpoint/CID.....................................>  <State.....>  <Channels.>
    I/OAuth:  <AuthId/UserName...........................................................>
        Aor:  <Aor............................................>  <MaxContact>
      Contact:  <Aor/ContactUri..........................> <Hash....> <Status> <RTT(ms)..>
  Transport:  <TransportId........>  <Type>  <cos>  <tos>  <BindAddress..................>
==========================================================================================

 Endpoint:  1000/1000                                            Unavailable   0 of inf
     InAuth:  1000/1000
        Aor:  1000                                               1
  Transport:  transport-udp             udp      0      0  127.0.0.1:5060

 Endpoint:  1001/1001                                            Not in use    0 of inf
     InAuth:  1001/1001
        Aor:  1001                                               1
      Contact:  1001/sip:1001@127.0.0.1:15001              869e628b48 Avail         0.730
  Transport:  transport-udp             udp      0      0  127.0.0.1:5060

 Endpoint:  1002/1002                                            In use        1 of inf
     InAuth:  1002/1002

Objects found: 3
`;

describe("Asterisk CLI tables", () => {
  it("reads pjsip show contacts", () => {
    expect(parseContacts(CONTACTS)).toEqual([
      { extension: "1000", uri: "sip:1000@127.0.0.1:15000", status: "Reachable" },
      { extension: "1001", uri: "sip:1001@127.0.0.1:15001", status: "Unreachable" },
      { extension: "1002", uri: "sip:1002@127.0.0.1:15002", status: "NonQualified" },
    ]);
  });

  it("reads an empty contact table", () => {
    expect(parseContacts("No objects found.\n")).toEqual([]);
  });

  it("refuses output that is not a table (Asterisk not answering)", () => {
    expect(() => parseContacts("Unable to connect to remote asterisk (does /var/run/asterisk/asterisk.ctl exist?)\n")).toThrow(/not a/);
  });

  it("reads pjsip show endpoints with multi-word device states", () => {
    expect(parseEndpoints(ENDPOINTS)).toEqual([
      { extension: "1000", deviceState: "Unavailable" },
      { extension: "1001", deviceState: "Not in use" },
      { extension: "1002", deviceState: "In use" },
    ]);
  });

  // `queue show` of the lab (asterisk-lab queue-add/-pause, `call 1013 2000 2`), Asterisk 22.10.1.
  const QUEUES = `sales has 0 calls (max unlimited) in 'ringall' strategy (0s holdtime, 0s talktime), W:0, C:0, A:0, SL:0.0%, SL2:0.0% within 0s
   Members: 
      Lab 1011 (PJSIP/1011) (ringinuse disabled) (dynamic) (paused was 1 secs ago) (Not in use) has taken no calls yet (login was 15 secs ago)
      Lab 1010 (PJSIP/1010) (ringinuse disabled) (dynamic) (paused:Lunch break was 16 secs ago) (Not in use) has taken no calls yet (login was 16 secs ago)
   No Callers

support has 0 calls (max unlimited) in 'ringall' strategy (1s holdtime, 2s talktime), W:0, C:1, A:0, SL:0.0%, SL2:0.0% within 0s
   Members: 
      Lab 1012 (PJSIP/1012) (ringinuse disabled) (dynamic) (paused:Lunch was 0 secs ago) (Not in use) has taken 1 calls (last was 5 secs ago) (login was 9 secs ago)
   No Callers
`;

  const IN_CALL = `support has 0 calls (max unlimited) in 'ringall' strategy (1s holdtime, 0s talktime), W:0, C:0, A:0, SL:0.0%, SL2:0.0% within 0s
   Members: 
      Lab 1012 (PJSIP/1012) (ringinuse disabled) (dynamic) (in call) (In use) has taken no calls yet (login was 3 secs ago)
   No Callers
`;

  it("reads queue show: members, pauses with and without a reason, calls taken", () => {
    expect(parseQueueMembers(QUEUES, "sales")).toEqual([
      { name: "Lab 1011", interface: "PJSIP/1011", extension: "1011", paused: true, pausedReason: null, callsTaken: 0, deviceState: "Not in use", inCall: false },
      { name: "Lab 1010", interface: "PJSIP/1010", extension: "1010", paused: true, pausedReason: "Lunch break", callsTaken: 0, deviceState: "Not in use", inCall: false },
    ]);
    expect(parseQueueMembers(QUEUES, "support")).toEqual([
      { name: "Lab 1012", interface: "PJSIP/1012", extension: "1012", paused: true, pausedReason: "Lunch", callsTaken: 1, deviceState: "Not in use", inCall: false },
    ]);
    expect(parseQueueMembers(IN_CALL, "support")).toEqual([
      { name: "Lab 1012", interface: "PJSIP/1012", extension: "1012", paused: false, pausedReason: null, callsTaken: 0, deviceState: "In use", inCall: true },
    ]);
  });

  it("reads a queue without members, and refuses an unknown queue", () => {
    const empty = "support has 0 calls (max unlimited) in 'ringall' strategy (0s holdtime, 0s talktime), W:0, C:0, A:0, SL:0.0%, SL2:0.0% within 0s\n   No Members\n   No Callers\n";
    expect(parseQueueMembers(empty, "support")).toEqual([]);
    expect(() => parseQueueMembers("No such queue: nosuch.", "nosuch")).toThrow(/not a 'queue show nosuch'/);
    expect(() => parseQueueMembers(QUEUES, "billing")).toThrow(/not a 'queue show billing'/);
  });

  const HINTS = `1015@lab                      : PJSIP/1015&Custom:DND1015,CustomPresence:1015                 State:Unavailable     Presence:not_set         Watchers  0
1010@lab                      : PJSIP/1010&Custom:DND1010,CustomPresence:1010                 State:Busy            Presence:dnd             Watchers  0
1011@lab                      : PJSIP/1011&Custom:DND1011,CustomPresence:1011                 State:Idle            Presence:away            Watchers  0
3 hints matching extension 101
`;

  it("reads core show hint: state and presence of exactly the extension asked (the CLI matches a prefix)", () => {
    expect(parseHint(HINTS, "1010")).toEqual({ extension: "1010", devices: "PJSIP/1010&Custom:DND1010,CustomPresence:1010", state: "Busy", presence: "dnd" });
    expect(parseHint(HINTS, "1011")).toMatchObject({ state: "Idle", presence: "away" });
    expect(parseHint(HINTS, "1015")).toMatchObject({ state: "Unavailable", presence: "not_set" });
    expect(parseHint(HINTS, "101")).toBeNull();
    expect(parseHint("No hints matching extension 999\n", "999")).toBeNull();
    expect(() => parseHint("Unable to connect to remote asterisk\n", "1010")).toThrow(/not a 'core show hint'/);
  });
});
