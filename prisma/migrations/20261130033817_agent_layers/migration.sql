-- AlterTable
ALTER TABLE "ps_endpoints" ADD COLUMN     "dnd" BOOLEAN NOT NULL DEFAULT false,
ADD COLUMN     "presence" JSONB,
ADD COLUMN     "queues" JSONB NOT NULL DEFAULT '[]',
ADD COLUMN     "reasons" TEXT[] DEFAULT ARRAY[]::TEXT[];

-- CreateTable
CREATE TABLE "user_extensions" (
    "extension" TEXT NOT NULL,
    "user_id" UUID NOT NULL,
    "position" INTEGER NOT NULL DEFAULT 0,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "user_extensions_pkey" PRIMARY KEY ("extension")
);

-- CreateIndex
CREATE INDEX "user_extensions_user_id_idx" ON "user_extensions"("user_id");

-- AddForeignKey
ALTER TABLE "user_extensions" ADD CONSTRAINT "user_extensions_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;
