#!/usr/bin/env bash
# The plan and cost of the PostgreSQL claim (PostgresStatements.CLAIM_DUE_FILES, the claim of one stage's due files) with
# 1,000 files due and W files waiting for a retry that is due in an hour, inside a transaction that is rolled back.
# Prepare once: createdb webhook_explain, then start the bundle on it so Liquibase creates the schema:
#   WEBHOOK_DB_URL=jdbc:postgresql://127.0.0.1:5432/webhook_explain WEBHOOK_DB_USER=postgres \
#     mvn compile camel:run -Dwebhook.demo.enabled=false     (stop it once it has started)
# Usage: docs/measurements/claim-explain.sh 100000   (stage id 2 is demo/notify-receiver)
set -e
W=$1
psql -h 127.0.0.1 -U postgres -d webhook_explain -q <<SQL
TRUNCATE stage_transition, delivery_attempt, assignment, annotation, slot_source_file, file_slot, file CASCADE;
INSERT INTO file (item_id, name, path, team_name, team_slug, dataset_name, dataset_slug, registered_at)
  SELECT md5(i::text)::uuid::text, 'f' || i || '.jpg', '/', 'T', 't', 'D', 'd', now() FROM generate_series(1, $W + 1000) i;
-- 1,000 due (queued a while ago), the rest waiting for a retry due in an hour
INSERT INTO assignment (item_id, stage_id, status, attempts, delivery_id, assigned_at, due_at, updated_at)
  SELECT md5(i::text)::uuid::text, 2, CASE WHEN i <= 1000 THEN 'QUEUED' ELSE 'WAITING' END,
         CASE WHEN i <= 1000 THEN 0 ELSE 1 END, CASE WHEN i <= 1000 THEN NULL ELSE 'msg_' || md5(i::text) END,
         now() - interval '1 minute', CASE WHEN i <= 1000 THEN now() - (i || ' milliseconds')::interval
         ELSE now() + interval '1 hour' END, now() FROM generate_series(1, $W + 1000) i;
ANALYZE assignment;
SQL
psql -h 127.0.0.1 -U postgres -d webhook_explain <<SQL
BEGIN;
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF, TIMING ON)
UPDATE assignment SET status = 'SENDING', lease_owner = 'explain', lease_expires_at = now() + interval '5 minutes',
  updated_at = now(), attempts = attempts + 1,
  delivery_id = COALESCE(delivery_id, 'msg_' || replace(gen_random_uuid()::text, '-', ''))
WHERE item_id = ANY(ARRAY(SELECT item_id FROM assignment WHERE stage_id = 2 AND status IN ('QUEUED', 'WAITING')
                  AND due_at <= now() ORDER BY due_at, item_id LIMIT 50 FOR UPDATE SKIP LOCKED))
RETURNING item_id, stage_id, delivery_id, attempts - 1 AS attempts;
ROLLBACK;
SQL
