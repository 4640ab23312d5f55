-- Parts of the schema set aside during a first bulk load (SQLite). Keep in step with PostgreSQL.
--
-- Loading millions of rows into an empty register is faster without the non-unique secondary
-- indexes, built once afterwards by sorting instead of row by row (and, on PostgreSQL, without
-- the foreign keys of the civil tables, validated once afterwards by a join instead of a trigger
-- query per row). While set aside, each waits here with the statement that restores it, written
-- in the same transaction as the drop; the import restores them at its end, and opening the
-- store (migrate) restores any still here after a killed import, so that no server runs without
-- them.
CREATE TABLE deferred_schema (
    name TEXT PRIMARY KEY,
    restore_sql TEXT NOT NULL
);
