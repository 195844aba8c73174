-- CreateTable
CREATE TABLE "revoked_credentials" (
    "kind" TEXT NOT NULL,
    "value" TEXT NOT NULL,
    "revoked_at" TIMESTAMPTZ(3) NOT NULL,
    "expires_at" TIMESTAMPTZ(3),
    "reason" TEXT,

    CONSTRAINT "revoked_credentials_pkey" PRIMARY KEY ("kind","value")
);
