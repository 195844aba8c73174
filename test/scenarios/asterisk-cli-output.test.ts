// The CLI parsers the real-Asterisk suite relies on, on tables copied from the lab's Asterisk 22.
import { describe, expect, it } from "vitest";
import { parseContacts, parseEndpoints } from "./asterisk-cli-output.ts";

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
});
