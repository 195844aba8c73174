#!/bin/sh
# Placeholder for Prisma's native schema engine, which cannot be downloaded on an offline machine.
# prisma generate/validate/format never run it; native `prisma migrate`/`prisma db` do.
echo "native Prisma schema-engine unavailable here: use npm run db:migrate (wasm engine, in-process)" >&2
exit 1
