// Revoked credentials in the database (table revoked_credentials), so that every instance refuses
// what one of them revoked, and a restart forgets nothing. Expired rows are deleted when listed.
import type { Revocation, RevocationKind } from "../http/revocations.ts";
import type { PrismaClient } from "../generated/prisma/client.ts";

export class RevocationStore {
  constructor(private readonly prisma: PrismaClient) {}

  async list(now: number): Promise<Revocation[]> {
    await this.prisma.revokedCredential.deleteMany({ where: { expiresAt: { lte: new Date(now) } } });
    const rows = await this.prisma.revokedCredential.findMany();
    return rows.map((row) => ({
      kind: row.kind === "token" ? "token" : "subject",
      value: row.value,
      revokedAt: row.revokedAt.getTime(),
      expiresAt: row.expiresAt?.getTime() ?? null,
      reason: row.reason,
    }));
  }

  async save(entry: Revocation): Promise<void> {
    const data = { revokedAt: new Date(entry.revokedAt), expiresAt: entry.expiresAt === null ? null : new Date(entry.expiresAt), reason: entry.reason };
    await this.prisma.revokedCredential.upsert({ where: { kind_value: { kind: entry.kind, value: entry.value } }, create: { kind: entry.kind, value: entry.value, ...data }, update: data });
  }

  async remove(kind: RevocationKind, value: string): Promise<boolean> {
    return (await this.prisma.revokedCredential.deleteMany({ where: { kind, value } })).count > 0;
  }
}
