// The probes an orchestrator uses: HEAD and GET on /healthz, /readyz, /metrics; readiness follows AMI,
// the database's own state is reported beside it (amiStatus, /api/ami/status, /metrics).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AmiPeer, labEndpoints } from "../helpers/ami-peer.ts";
import { startService, type TestService } from "../helpers/service.ts";
import { waitFor } from "../helpers/wait-for.ts";

describe("probes", () => {
  let peer: AmiPeer;
  let svc: TestService;
  beforeAll(async () => {
    peer = await AmiPeer.start({ state: { endpoints: labEndpoints(1000, 1001), contacts: [{ aor: "1000", uri: "sip:1000@127.0.0.1:15000" }] } });
    svc = await startService({ ami: { port: peer.port }, database: "postgres" });
    await waitFor(() => svc.app.services.amiStatus().synced, { timeoutMs: 15_000 });
  }, 60_000);
  afterAll(async () => {
    await svc?.stop();
    await peer?.close();
  });

  it("answer HEAD like GET, without a body", async () => {
    for (const path of ["/healthz", "/readyz", "/metrics"]) {
      const head = await fetch(`${svc.url}${path}`, { method: "HEAD" });
      expect(head.status, path).toBe(200);
      expect(await head.text(), path).toBe("");
      expect((await fetch(`${svc.url}${path}`)).status, path).toBe(200);
    }
  });

  it("report the database beside AMI: up, nothing pending, no write error", async () => {
    const ready = (await (await fetch(`${svc.url}/readyz`)).json()) as object;
    expect(ready).toMatchObject({ status: "ready", checks: { ami: { ok: true }, database: { ok: true } } });
    const { data } = await svc.graphql("{ amiStatus { databaseUp databaseError oldestPendingWriteAgeMs lastWriteError lastWriteErrorAt } }");
    await waitFor(() => svc.app.services.amiStatus().pendingWrites === 0, { timeoutMs: 5_000 });
    expect(data.amiStatus).toMatchObject({ databaseUp: true, databaseError: null, lastWriteError: null, lastWriteErrorAt: null });
    const rest = (await (await fetch(`${svc.url}/api/ami/status`)).json()) as object;
    expect(rest).toMatchObject({ databaseUp: true, lastWriteError: null });
    const metrics = await (await fetch(`${svc.url}/metrics`)).text();
    expect(metrics).toMatch(/^database_up 1$/m);
    expect(metrics).toMatch(/^store_oldest_pending_write_age_seconds 0$/m);
  });
});
