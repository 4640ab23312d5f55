//! Decision 766 indicators (issue 7): the counts of `tuphap_core::indicators::Counts` per office
//! for a period, aggregated in SQL so that a national request reads the period's dossiers once.
//!
//! One query, two branches joined by `UNION ALL`: the dossiers **received** in the period (index
//! `dossiers_received_at`, migration 0021) and the dossiers **finished** in it
//! (`dossiers_finished_at`), each row turned into 0/1 columns, then summed per office. Component
//! files (`dossier_files`, 4.2) and dislikes (`dossier_ratings`, 5.4) are looked up per finished
//! dossier through their primary key or index. Province and national figures are sums of office
//! rows (`Counts::add`), so every level shows the same numbers.
//!
//! The cohort definitions are those of [`Counts::tally`]; the contract test
//! `indicators::indicator_counts_match_the_reference_tally` checks the two agree on both engines.

use tuphap_core::dossier::DossierStatus;
use tuphap_core::indicators::{Counts, DISLIKE_MAX_SCORE, DossierFacts, Period};

use crate::{Result, Store};

/// Which offices to count: all, one, or those of one province (`offices.province_code`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IndicatorScope {
    pub office_id: Option<i64>,
    pub province_code: Option<String>,
}

/// One office's counts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OfficeCounts {
    pub office_id: i64,
    pub office_code: String,
    pub office_name: String,
    pub province_code: Option<String>,
    pub counts: Counts,
}

#[derive(sqlx::FromRow)]
struct Row {
    office_id: i64,
    office_code: String,
    office_name: String,
    province_code: Option<String>,
    received: i64,
    received_online: i64,
    fee_bearing: i64,
    fee_paid_online: i64,
    finished: i64,
    finished_on_time: i64,
    settled: i64,
    settled_e_result: i64,
    settled_digitised: i64,
    settled_fully_online: i64,
    finished_disliked: i64,
}

const SETTLED: &str = "('processed', 'result_returned')";
const FINISHED: &str = "('processed', 'result_returned', 'refused', 'stopped', 'withdrawn')";
const SCOPE: &str = "AND ($3 IS NULL OR d.office_id = $3) \
     AND ($4 IS NULL OR d.office_id IN (SELECT id FROM offices WHERE province_code = $4))";

#[derive(sqlx::FromRow)]
struct FactRow {
    channel: i32,
    status: String,
    received_at: Option<i64>,
    finished_at: Option<i64>,
    late: bool,
    has_result: bool,
    has_files: bool,
    fee_vnd: i64,
    paid_online: i32,
    score: Option<i32>,
}

impl Store {
    /// The indicator counts of every office in `scope` with at least one dossier received or
    /// finished in `period`, ordered by province and office code.
    pub async fn indicator_counts(
        &self,
        period: Period,
        scope: &IndicatorScope,
    ) -> Result<Vec<OfficeCounts>> {
        let sum = |c: &str| format!("CAST(SUM(x.{c}) AS BIGINT) AS {c}");
        let cols = [
            "received",
            "received_online",
            "fee_bearing",
            "fee_paid_online",
            "finished",
            "finished_on_time",
            "settled",
            "settled_e_result",
            "settled_digitised",
            "settled_fully_online",
            "finished_disliked",
        ]
        .map(sum)
        .join(", ");
        let sql = format!(
            "SELECT o.id AS office_id, o.code AS office_code, o.name AS office_name, \
             o.province_code AS province_code, {cols} FROM ( \
               SELECT d.office_id, 1 AS received, \
                 CASE WHEN d.channel = 2 THEN 1 ELSE 0 END AS received_online, \
                 CASE WHEN d.fee_vnd > 0 THEN 1 ELSE 0 END AS fee_bearing, \
                 CASE WHEN d.fee_vnd > 0 AND d.paid_online IN (1, 2) THEN 1 ELSE 0 END \
                   AS fee_paid_online, \
                 0 AS finished, 0 AS finished_on_time, 0 AS settled, 0 AS settled_e_result, \
                 0 AS settled_digitised, 0 AS settled_fully_online, 0 AS finished_disliked \
               FROM dossiers d WHERE d.received_at >= $1 AND d.received_at < $2 {SCOPE} \
             UNION ALL \
               SELECT d.office_id, 0, 0, 0, 0, 1, \
                 CASE WHEN d.late THEN 0 ELSE 1 END, \
                 CASE WHEN d.status IN {SETTLED} THEN 1 ELSE 0 END, \
                 CASE WHEN d.status IN {SETTLED} AND d.has_result THEN 1 ELSE 0 END, \
                 CASE WHEN d.status IN {SETTLED} AND d.has_result AND EXISTS \
                   (SELECT 1 FROM dossier_files f WHERE f.dossier_id = d.id) THEN 1 ELSE 0 END, \
                 CASE WHEN d.status IN {SETTLED} AND d.has_result AND d.channel = 2 \
                   THEN 1 ELSE 0 END, \
                 CASE WHEN NOT d.late AND EXISTS (SELECT 1 FROM dossier_ratings r \
                   WHERE r.dossier_id = d.id AND r.score <= {DISLIKE_MAX_SCORE}) \
                   THEN 1 ELSE 0 END \
               FROM dossiers d WHERE d.finished_at >= $1 AND d.finished_at < $2 \
                 AND d.received_at IS NOT NULL AND d.status IN {FINISHED} {SCOPE} \
             ) x JOIN offices o ON o.id = x.office_id \
             GROUP BY o.id, o.code, o.name, o.province_code \
             ORDER BY o.province_code, o.code"
        );
        let rows = with_pool!(self, p => sqlx::query_as::<_, Row>(sqlx::AssertSqlSafe(sql))
            .bind(period.from)
            .bind(period.to)
            .bind(scope.office_id)
            .bind(&scope.province_code)
            .fetch_all(p)
            .await)?;
        Ok(rows
            .into_iter()
            .map(|r| OfficeCounts {
                office_id: r.office_id,
                office_code: r.office_code,
                office_name: r.office_name,
                province_code: r.province_code,
                counts: Counts {
                    received: r.received,
                    received_online: r.received_online,
                    finished: r.finished,
                    finished_on_time: r.finished_on_time,
                    settled: r.settled,
                    settled_e_result: r.settled_e_result,
                    settled_digitised: r.settled_digitised,
                    settled_fully_online: r.settled_fully_online,
                    fee_bearing: r.fee_bearing,
                    fee_paid_online: r.fee_paid_online,
                    finished_disliked: Some(r.finished_disliked),
                },
            })
            .collect())
    }

    /// The facts of every dossier of `scope` received or finished in `period`, one per dossier
    /// (the input of `Counts::tally`): for checks and small exports, not for national volume.
    pub async fn indicator_facts(
        &self,
        period: Period,
        scope: &IndicatorScope,
    ) -> Result<Vec<DossierFacts>> {
        let sql = format!(
            "SELECT d.channel, d.status, d.received_at, d.finished_at, d.late, d.has_result, \
             EXISTS (SELECT 1 FROM dossier_files f WHERE f.dossier_id = d.id) AS has_files, \
             d.fee_vnd, d.paid_online, r.score \
             FROM dossiers d LEFT JOIN dossier_ratings r ON r.dossier_id = d.id \
             WHERE ((d.received_at >= $1 AND d.received_at < $2) \
                OR (d.finished_at >= $1 AND d.finished_at < $2)) {SCOPE} ORDER BY d.id"
        );
        let rows = with_pool!(self, p => sqlx::query_as::<_, FactRow>(sqlx::AssertSqlSafe(sql))
            .bind(period.from)
            .bind(period.to)
            .bind(scope.office_id)
            .bind(&scope.province_code)
            .fetch_all(p)
            .await)?;
        rows.into_iter()
            .map(|r| {
                let status = DossierStatus::parse(&r.status)
                    .map_err(|e| crate::StoreError::Corrupt(e.to_string()))?;
                Ok(DossierFacts {
                    channel: r.channel,
                    status,
                    received_at: r.received_at,
                    finished_at: r.finished_at,
                    late: r.late,
                    has_result: r.has_result,
                    has_files: r.has_files,
                    fee_vnd: r.fee_vnd,
                    paid_online: r.paid_online,
                    lowest_rating: r.score,
                })
            })
            .collect()
    }
}
