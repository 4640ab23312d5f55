-- Privacy (issue 8, item 7): who received a person's data in a bulk export. An export lists
-- many people; its audit entry carries the filter and the row count, and this table links each
-- exported person to that entry, so that the citizen's "who accessed my data" page
-- (`/citizen/access`) finds the exports that included them with one index range read
-- (person_id first), whatever the national volume of exports. Purpose-bearing reads of one
-- person or record need no row here: their audit entry's target already is the person or the
-- record (index audit_log_target). Rows are written in the transaction of the audit entry and
-- never changed. at_micros in unix microseconds.
CREATE TABLE data_access (
    person_id INTEGER NOT NULL,
    audit_seq INTEGER NOT NULL,
    record_id INTEGER NOT NULL,
    at_micros INTEGER NOT NULL,
    kind TEXT NOT NULL,
    actor_office TEXT,
    purpose TEXT NOT NULL,
    PRIMARY KEY (person_id, audit_seq, record_id)
) WITHOUT ROWID;
