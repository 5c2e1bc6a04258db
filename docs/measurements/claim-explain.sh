#!/usr/bin/env bash
# Fills the queue of a scratch database with N files (90% QUEUED, 10% in a human stage) and prints the plan of the
# PostgreSQL claim statement (AssignmentQueue.claimSkippingLocked), inside a transaction that is rolled back.
# Prepare once: createdb webhook_explain, then start the bundle on it so Liquibase creates the schema:
#   WEBHOOK_DB_URL=jdbc:postgresql://127.0.0.1:5432/webhook_explain WEBHOOK_DB_USER=postgres \
#     mvn compile camel:run -Dwebhook.demo.enabled=false     (stop it once it has started)
# Usage: docs/measurements/claim-explain.sh 1000000   (stage id 2 is demo/notify-receiver)
set -e
N=$1
psql -h 127.0.0.1 -U postgres -d webhook_explain -q <<SQL
TRUNCATE stage_transition, delivery_attempt, assignment, annotation, slot_source_file, file_slot, file CASCADE;
INSERT INTO file (item_id, name, path, team_name, team_slug, dataset_name, dataset_slug, registered_at)
  SELECT md5(i::text)::uuid::text, 'f' || i || '.jpg', '/', 'T', 't', 'D', 'd', now() FROM generate_series(1, $N) i;
INSERT INTO assignment (item_id, stage_id, status, attempts, assigned_at, updated_at)
  SELECT md5(i::text)::uuid::text, 2, CASE WHEN i % 10 = 0 THEN 'ASSIGNED' ELSE 'QUEUED' END, 0,
         now() - (i || ' milliseconds')::interval, now() FROM generate_series(1, $N) i;
ANALYZE assignment;
SQL
psql -h 127.0.0.1 -U postgres -d webhook_explain <<SQL
BEGIN;
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF, TIMING ON)
UPDATE assignment SET status = 'SENDING', lease_owner = 'explain', lease_expires_at = now() + interval '5 minutes',
  updated_at = now(), delivery_id = COALESCE(delivery_id, 'msg_' || replace(gen_random_uuid()::text, '-', ''))
WHERE item_id = ANY(ARRAY(SELECT item_id FROM assignment WHERE status = 'QUEUED'
                  ORDER BY assigned_at, item_id LIMIT 50 FOR UPDATE SKIP LOCKED))
RETURNING item_id, stage_id, delivery_id, attempts;
ROLLBACK;
SQL
