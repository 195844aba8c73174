-- CreateTable
CREATE TABLE "ps_contacts" (
    "id" TEXT NOT NULL,
    "uri" TEXT NOT NULL,
    "endpoint" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "expiration_time" BIGINT,
    "user_id" UUID,
    "user_agent" TEXT,
    "roundtrip_usec" INTEGER,
    "via_addr" TEXT,
    "via_port" INTEGER,
    "reg_server" TEXT,
    "call_id" TEXT,
    "qualify_frequency" INTEGER,
    "qualify_timeout" DOUBLE PRECISION,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ps_contacts_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ps_endpoints" (
    "id" TEXT NOT NULL,
    "name" TEXT,
    "device_state" TEXT,
    "status" TEXT NOT NULL DEFAULT 'OFFLINE',
    "online" BOOLEAN NOT NULL DEFAULT false,
    "available" BOOLEAN NOT NULL DEFAULT false,
    "last_seen" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ps_endpoints_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "users" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "name" TEXT NOT NULL,
    "extension" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "users_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "ps_contacts_endpoint_idx" ON "ps_contacts"("endpoint");

-- CreateIndex
CREATE INDEX "ps_contacts_status_idx" ON "ps_contacts"("status");

-- CreateIndex
CREATE INDEX "ps_contacts_expiration_time_idx" ON "ps_contacts"("expiration_time");

-- CreateIndex
CREATE INDEX "ps_contacts_updated_at_idx" ON "ps_contacts"("updated_at");

-- CreateIndex
CREATE INDEX "ps_endpoints_status_idx" ON "ps_endpoints"("status");

-- CreateIndex
CREATE UNIQUE INDEX "users_extension_key" ON "users"("extension");

-- AddForeignKey
ALTER TABLE "ps_contacts" ADD CONSTRAINT "ps_contacts_endpoint_fkey" FOREIGN KEY ("endpoint") REFERENCES "ps_endpoints"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ps_contacts" ADD CONSTRAINT "ps_contacts_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE SET NULL ON UPDATE CASCADE;
