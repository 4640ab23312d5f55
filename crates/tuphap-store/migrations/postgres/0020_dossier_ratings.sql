-- Online public services (issue 7): the citizen's satisfaction rating of a finished dossier
-- (indicator 5.4 of Decision 766: a score of 2 or less counts as "not satisfied"). One rating
-- per dossier, by its applicant, once the dossier is finished; never changed afterwards.
-- rated_at in unix microseconds. "Who accessed my records" reads audit_log through its
-- existing index audit_log_target (target_type, target_id, seq), so no index is added here.
CREATE TABLE dossier_ratings (
    dossier_id BIGINT PRIMARY KEY REFERENCES dossiers (id),
    score INTEGER NOT NULL CHECK (score BETWEEN 1 AND 5),
    comment TEXT NOT NULL DEFAULT '' CHECK (char_length(comment) <= 2000),
    rated_at BIGINT NOT NULL
);
CREATE INDEX dossier_ratings_rated_at ON dossier_ratings (rated_at);
