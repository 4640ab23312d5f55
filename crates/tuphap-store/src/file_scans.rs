//! Anti-malware verdicts of uploaded dossier files (issue 8, item 3).
//!
//! A file is stored `not_scanned` (no scanner configured), `clean`, or `pending` (the scanner
//! did not answer when it was uploaded); the rescan ([`Store::dossier_files_pending_scan`] then
//! [`Tx::dossier_file_set_scan`]) turns `pending` into `clean` or `infected`. An infected file's
//! content is replaced by nothing (quarantined: its name, size and SHA-256 stay for the record)
//! so no copy of the malware remains in the database or its backups.

use crate::dossiers::DossierFileContent;
use crate::{Result, Store, Tx};

impl Store {
    /// Files waiting for a scan (`pending`), oldest first, with their content.
    pub async fn dossier_files_pending_scan(&self, limit: i64) -> Result<Vec<DossierFileContent>> {
        let rows = with_pool!(self, p => sqlx::query_as::<_, DossierFileContent>(
            "SELECT id, dossier_id, component, file_name, content_type, size_bytes, sha256, \
             scan_status, uploaded_at, content FROM dossier_files \
             WHERE scan_status = 'pending' ORDER BY id LIMIT $1",
        )
        .bind(limit)
        .fetch_all(p)
        .await)?;
        Ok(rows)
    }
}

impl Tx {
    /// Records a file's scan verdict; `quarantine` empties its content (infected files).
    pub async fn dossier_file_set_scan(
        &mut self,
        file_id: i64,
        status: &str,
        quarantine: bool,
    ) -> Result<()> {
        if quarantine {
            with_tx!(self, c => sqlx::query(
                "UPDATE dossier_files SET scan_status = $1, content = $2 WHERE id = $3",
            )
            .bind(status)
            .bind(Vec::<u8>::new())
            .bind(file_id)
            .execute(&mut *c)
            .await
            .map(|_| ()))?;
        } else {
            with_tx!(self, c => sqlx::query(
                "UPDATE dossier_files SET scan_status = $1 WHERE id = $2",
            )
            .bind(status)
            .bind(file_id)
            .execute(&mut *c)
            .await
            .map(|_| ()))?;
        }
        Ok(())
    }
}
