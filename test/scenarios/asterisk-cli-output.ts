// Parsers for the Asterisk CLI tables the suite compares the service against:
// `pjsip show contacts` and `pjsip show endpoints` (Asterisk 22 layout).
import type { PbxContact, PbxContactStatus, PbxEndpoint } from "./pbx-driver.ts";

/** The CLI's short contact status labels. */
const CONTACT_STATUS_WORDS: Readonly<Record<string, PbxContactStatus>> = {
  Avail: "Reachable",
  Unavail: "Unreachable",
  NonQual: "NonQualified",
};

// "  Contact:  1001/sip:1001@127.0.0.1:15001                  869e628b48 Avail         0.730"
const CONTACT_LINE = /^\s*Contact:\s+([^/\s]+)\/(\S+)\s+[0-9a-f]+\s+(\S+)\s+\S+\s*$/;
// " Endpoint:  1001/1001                                            Not in use    0 of inf"
const ENDPOINT_LINE = /^\s*Endpoint:\s+([^/\s]+)\S*\s+(.+?)\s+\d+\s+of\s+\S+\s*$/;

export function parseContacts(output: string): PbxContact[] {
  // `pjsip show endpoints` repeats contacts under each endpoint: only the top-level table is meant here.
  const contacts: PbxContact[] = [];
  for (const line of output.split("\n")) {
    if (line.includes("<")) continue; // the column legend
    const match = CONTACT_LINE.exec(line);
    if (!match) continue;
    const [, aor, uri, word] = match as unknown as [string, string, string, string];
    const status = CONTACT_STATUS_WORDS[word];
    if (!status) throw new Error(`unknown contact status "${word}" in: ${line.trim()}`);
    contacts.push({ extension: aor, uri, status });
  }
  if (contacts.length === 0) assertTable(output, "contacts");
  return contacts;
}

export function parseEndpoints(output: string): PbxEndpoint[] {
  const endpoints: PbxEndpoint[] = [];
  for (const line of output.split("\n")) {
    if (line.includes("<")) continue;
    const match = ENDPOINT_LINE.exec(line);
    if (match) endpoints.push({ extension: match[1]!, deviceState: match[2]! });
  }
  if (endpoints.length === 0) assertTable(output, "endpoints");
  return endpoints;
}

/** An empty parse of something that is not a CLI table means Asterisk did not answer: say so. */
function assertTable(output: string, what: string): void {
  if (!/Objects found|No objects found/.test(output)) throw new Error(`not a 'pjsip show ${what}' table: ${output.trim().slice(0, 300)}`);
}
