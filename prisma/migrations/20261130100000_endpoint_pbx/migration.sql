-- AlterTable
ALTER TABLE "ps_endpoints" ADD COLUMN     "pbx" TEXT;
