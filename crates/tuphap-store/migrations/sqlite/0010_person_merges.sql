-- Person register: two entries found to be the same person are merged (and a merge can be
-- undone). Keep in step with migrations/postgres/0010_person_merges.sql.
--
-- Nothing is moved or copied: the link rows (civil_record_persons) stay on the entry they were
-- written for. `persons.merged_into` points a merged entry at the entry that stays (the
-- survivor), and every read of a person's events follows it one level (a survivor is never
-- itself merged). `person_merges` keeps each merge with its reason and, once undone, who undid
-- it and why; the `*_taken` columns hold what the survivor took from the merged entry (it had
-- none of it), so that an undo gives back exactly the previous state.
ALTER TABLE persons ADD COLUMN merged_into INTEGER REFERENCES persons (id);
CREATE INDEX persons_merged_into ON persons (merged_into) WHERE merged_into IS NOT NULL;

CREATE TABLE person_merges (
    id INTEGER PRIMARY KEY,
    survivor_id INTEGER NOT NULL REFERENCES persons (id),
    merged_id INTEGER NOT NULL REFERENCES persons (id),
    reason TEXT NOT NULL,
    merged_by INTEGER NOT NULL REFERENCES users (id),
    merged_at TEXT NOT NULL,
    personal_id_moved TEXT,
    sex_taken TEXT,
    date_of_birth_taken TEXT,
    birth_year_taken INTEGER,
    date_of_death_taken TEXT,
    death_record_id_taken INTEGER,
    undone_by INTEGER REFERENCES users (id),
    undone_at TEXT,
    undo_reason TEXT,
    CHECK (survivor_id <> merged_id)
);
CREATE INDEX person_merges_survivor ON person_merges (survivor_id);
CREATE INDEX person_merges_merged ON person_merges (merged_id);
-- An entry is merged at most once at a time.
CREATE UNIQUE INDEX person_merges_active ON person_merges (merged_id) WHERE undone_at IS NULL;
