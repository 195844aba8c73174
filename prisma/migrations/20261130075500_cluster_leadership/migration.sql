-- CreateTable
CREATE TABLE "cluster_leaders" (
    "pbx" TEXT NOT NULL,
    "epoch" BIGINT NOT NULL,
    "holder" TEXT NOT NULL,
    "since" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "cluster_leaders_pkey" PRIMARY KEY ("pbx")
);

-- The fence every leader's write transaction starts with: it takes a share lock on the PBX's leader row
-- (so a new leader's epoch bump waits for a write already under way, and every later write sees it) and
-- fails when the writer's epoch is no longer the current one.
CREATE FUNCTION "cluster_fence"(p_pbx TEXT, p_epoch BIGINT) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  PERFORM 1 FROM cluster_leaders WHERE pbx = p_pbx AND epoch = p_epoch FOR SHARE;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'fenced: PBX % has a leader newer than epoch %', p_pbx, p_epoch USING ERRCODE = 'P0001';
  END IF;
END
$$;
