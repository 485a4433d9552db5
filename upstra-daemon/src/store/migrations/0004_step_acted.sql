-- Whether a step did real work (sent a command, or waited for a change it then saw), so that
-- durations are learned only from those: a step that found its target already as wanted
-- took a second and teaches nothing. Steps of earlier runs that sent a command did work.

ALTER TABLE run_steps ADD COLUMN acted INTEGER NOT NULL DEFAULT 0;
UPDATE run_steps SET acted = 1 WHERE dispatched_at IS NOT NULL;
