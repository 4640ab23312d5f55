-- Decision 766 indicators (issue 7): the per-period aggregate (tuphap-store/src/indicators.rs)
-- reads the dossiers received in a period and those finished in it. Without these indexes each
-- request scans every dossier of the country; with them it reads the period's range only, and the
-- office id in the index lets an office's view skip other offices' rows without reading them.
CREATE INDEX dossiers_received_at ON dossiers (received_at, office_id);
CREATE INDEX dossiers_finished_at ON dossiers (finished_at, office_id);
