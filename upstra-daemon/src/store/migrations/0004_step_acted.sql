-- Whether a step did real work (sent a command, or waited for a change it then saw), so that
-- durations are learned only from those: a step that found its target already as wanted
-- took a second and teaches nothing. Steps of earlier runs that sent a command did work.
-- With the step's target (`server:NAME`, `vm:NAME`), a slow server or a big VM is learned
-- apart from the others of its kind; earlier steps have none (it is in their run's plan).

ALTER TABLE run_steps ADD COLUMN acted INTEGER NOT NULL DEFAULT 0;
ALTER TABLE run_steps ADD COLUMN target TEXT;
UPDATE run_steps SET acted = 1 WHERE dispatched_at IS NOT NULL;
