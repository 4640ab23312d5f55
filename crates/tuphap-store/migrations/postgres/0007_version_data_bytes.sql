-- Keep in step with SQLite. A record version's content is stored compressed (version_data.rs in
-- tuphap-store): bytes, self-describing by their first byte. Rows written before become the
-- bytes of their plain JSON ('{'), readable as is. (SQLite also turns the composite-key tables
-- into WITHOUT ROWID tables; PostgreSQL has no such storage choice, its heap plus primary-key
-- index stays.)
ALTER TABLE civil_record_versions ALTER COLUMN data TYPE BYTEA USING convert_to(data, 'UTF8');
