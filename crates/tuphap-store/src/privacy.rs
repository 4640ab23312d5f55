//! Privacy (issue 8, item 7; migration 0024): the rows of a bulk export of civil records, read
//! by keyset on the record id, and `data_access`, the link from each exported person to the
//! export's audit entry (so that a citizen's "who accessed my data" finds the exports that
//! included them through the primary key `(person_id, audit_seq, record_id)`). The rules (who
//! may export, the purpose, the cap) are the domain's (`tuphap_domain::privacy`).

use serde::Serialize;
use time::Date;

use crate::audit::NewAuditEntry;
use crate::{Result, Store};

/// What to export: registered records of these offices, optionally of one kind and registered
/// within dates.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExportFilter {
    /// Offices whose records are exported (never empty: the domain fills it from the scope).
    pub office_ids: Vec<i64>,
    pub kind: Option<String>,
    pub registered_from: Option<Date>,
    pub registered_to: Option<Date>,
}

/// One exported record with its subject.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct ExportRow {
    pub record_id: i64,
    pub kind: String,
    pub status: String,
    pub office_id: i64,
    pub event_date: Date,
    pub registered_on: Option<Date>,
    pub register_book: Option<String>,
    pub register_year: Option<i32>,
    pub register_number: Option<i32>,
    pub person_id: i64,
    pub full_name: String,
    pub personal_id: Option<String>,
    pub sex: Option<String>,
    pub date_of_birth: Option<Date>,
}

/// A person's data given out in an export (a row of `data_access`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct DataAccessRow {
    pub person_id: i64,
    pub audit_seq: i64,
    pub record_id: i64,
    pub at_micros: i64,
    /// `export`.
    pub kind: String,
    pub actor_office: Option<String>,
    pub purpose: String,
}

/// Rows written per INSERT statement.
const INSERT_BATCH: usize = 200;

impl Store {
    /// Registered records (status `registered` or `certificate_issued`) matching `f` with an id
    /// greater than `after`, in id order, at most `limit`.
    pub async fn records_for_export(
        &self,
        f: &ExportFilter,
        after: i64,
        limit: i64,
    ) -> Result<Vec<ExportRow>> {
        if f.office_ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut sql = String::from(
            "SELECT r.id AS record_id, r.kind, r.status, r.office_id, r.event_date, \
             r.registered_on, r.register_book, r.register_year, r.register_number, \
             p.id AS person_id, p.full_name, p.personal_id, p.sex, p.date_of_birth \
             FROM civil_records r JOIN persons p ON p.id = r.subject_person_id \
             WHERE r.id > $1 AND r.status IN ('registered', 'certificate_issued') AND r.office_id IN (",
        );
        let mut n = 1;
        for (i, _) in f.office_ids.iter().enumerate() {
            n += 1;
            if i > 0 {
                sql.push_str(", ");
            }
            sql.push_str(&format!("${n}"));
        }
        sql.push(')');
        if f.kind.is_some() {
            n += 1;
            sql.push_str(&format!(" AND r.kind = ${n}"));
        }
        if f.registered_from.is_some() {
            n += 1;
            sql.push_str(&format!(" AND r.registered_on >= ${n}"));
        }
        if f.registered_to.is_some() {
            n += 1;
            sql.push_str(&format!(" AND r.registered_on <= ${n}"));
        }
        n += 1;
        sql.push_str(&format!(" ORDER BY r.id LIMIT ${n}"));
        let rows = with_pool!(self, p => {
            let mut q = sqlx::query_as::<_, ExportRow>(sqlx::AssertSqlSafe(sql.as_str())).bind(after);
            for id in &f.office_ids {
                q = q.bind(*id);
            }
            if let Some(k) = &f.kind {
                q = q.bind(k.as_str());
            }
            if let Some(d) = f.registered_from {
                q = q.bind(d);
            }
            if let Some(d) = f.registered_to {
                q = q.bind(d);
            }
            q.bind(limit).fetch_all(p).await
        })?;
        Ok(rows)
    }

    /// Appends the export's audit entry and links every exported (person, record) to it in
    /// `data_access`, in one transaction; returns the entry's sequence number.
    pub async fn record_export(
        &self,
        audit: &NewAuditEntry,
        exported: &[(i64, i64)],
        at_micros: i64,
        purpose: &str,
    ) -> Result<i64> {
        let mut tx = self.begin().await?;
        let seq = crate::audit::append(&mut tx, audit).await?;
        let mut pairs: Vec<(i64, i64)> = exported.to_vec();
        pairs.sort_unstable();
        pairs.dedup();
        for chunk in pairs.chunks(INSERT_BATCH) {
            // Placeholders: 4 shared, then 2 per row.
            let mut sql = String::from(
                "INSERT INTO data_access (person_id, audit_seq, record_id, at_micros, kind, \
                 actor_office, purpose) VALUES ",
            );
            for i in 0..chunk.len() {
                let b = 5 + i * 2;
                if i > 0 {
                    sql.push_str(", ");
                }
                sql.push_str(&format!("(${b}, $1, ${}, $2, 'export', $3, $4)", b + 1));
            }
            with_tx!(tx, c => {
                let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.as_str()))
                    .bind(seq)
                    .bind(at_micros)
                    .bind(audit.actor_office.as_deref())
                    .bind(purpose);
                for (person, record) in chunk {
                    q = q.bind(*person).bind(*record);
                }
                q.execute(&mut *c).await.map(|r| r.rows_affected())
            })?;
        }
        tx.commit_with(&[], &[]).await?;
        Ok(seq)
    }

    /// The exports that included any of `person_ids`, newest first, at most `limit` rows.
    pub async fn data_access_of_persons(
        &self,
        person_ids: &[i64],
        limit: i64,
    ) -> Result<Vec<DataAccessRow>> {
        let mut out = Vec::new();
        for id in person_ids {
            let rows = with_pool!(self, p => sqlx::query_as::<_, DataAccessRow>(
                "SELECT person_id, audit_seq, record_id, at_micros, kind, actor_office, purpose \
                 FROM data_access WHERE person_id = $1 ORDER BY audit_seq DESC, record_id LIMIT $2",
            )
            .bind(*id)
            .bind(limit)
            .fetch_all(p)
            .await)?;
            out.extend(rows);
        }
        out.sort_by_key(|r| std::cmp::Reverse(r.audit_seq));
        out.truncate(usize::try_from(limit).unwrap_or(0));
        Ok(out)
    }
}
