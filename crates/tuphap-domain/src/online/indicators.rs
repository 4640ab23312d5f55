//! Decision 766 indicators of the online public services (issue 7, item 6), per office, per
//! province and for the country, over a period of Vietnam days. The formulas are
//! `tuphap_core::indicators`; the counts come from one aggregate query
//! (`Store::indicator_counts`).
//!
//! **Who sees what.** Aggregates carry no personal data, and the GOV.UK Service Standard (point
//! 10) asks services to publish their performance: national and per-province figures are public
//! (no login, `/indicators` and `GET /api/v1/indicators`). Per-office figures are for staff,
//! within their office's scope: the ministry's offices see every office, a provincial
//! Department of Justice the offices of its province, a commune its own office.

use serde::{Deserialize, Serialize};
use time::{Date, Duration, OffsetDateTime};
use tuphap_core::dates::{VN_OFFSET, format_vn};
use tuphap_core::indicators::{
    self as formulas, Counts, Indicators, Period, Ratio, TARGET_DIGITISED, TARGET_FULLY_ONLINE,
    TARGET_ON_TIME, TARGET_ONLINE, TARGET_ONLINE_PAYMENT, TARGET_SATISFACTION, Target,
};
use tuphap_core::reference as refdata;
use tuphap_store::indicators::{IndicatorScope, OfficeCounts};
use utoipa::ToSchema;

use crate::error::{DomainError, ErrorKind, Result};
use crate::identity::Scope;
use crate::{Actor, App};

/// The longest period one request may cover (days).
pub const MAX_PERIOD_DAYS: i64 = 3 * 366;

/// How the rows of a report are grouped.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum GroupBy {
    /// One row per province (public).
    #[default]
    Province,
    /// One row per office (staff, within their scope).
    Office,
}

impl GroupBy {
    pub fn parse(s: &str) -> Option<GroupBy> {
        match s.trim() {
            "province" => Some(GroupBy::Province),
            "office" => Some(GroupBy::Office),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            GroupBy::Province => "province",
            GroupBy::Office => "office",
        }
    }
}

/// What to report: the days `from`–`to` (both included, Vietnam time), optionally one province
/// (its current code) or one office (its code).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndicatorFilter {
    pub from: Date,
    pub to: Date,
    pub province: Option<String>,
    pub office: Option<String>,
    pub group_by: GroupBy,
}

/// One indicator of one group: the rate with its numerator, denominator and target.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct IndicatorValue {
    /// `on_time`, `online`, `fully_online`, `e_result`, `digitised`, `online_payment`,
    /// `satisfaction`.
    pub key: &'static str,
    /// The indicator's number in Decision 766 (`2.1`, …).
    pub number: &'static str,
    pub label: &'static str,
    pub numerator: i64,
    pub denominator: i64,
    /// In percent, two decimals; `null` when the denominator is 0.
    pub percent: Option<f64>,
    /// Full marks at or above, in percent; `null` when the sheet sets none.
    pub target_percent: Option<f64>,
    /// Whether the target is met; `null` when nothing was counted or there is no target.
    pub meets_target: Option<bool>,
}

/// The figures of one office, one province or the whole selection.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct IndicatorGroup {
    /// Office code, province code, or `national`.
    pub code: String,
    pub name: String,
    #[schema(value_type = Object)]
    pub counts: Counts,
    pub indicators: Vec<IndicatorValue>,
}

/// A report: the period, one group per office or province, and the total.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct IndicatorReport {
    #[serde(with = "tuphap_core::dates::iso_date")]
    #[schema(value_type = String, example = "2026-09-01")]
    pub from: Date,
    #[serde(with = "tuphap_core::dates::iso_date")]
    #[schema(value_type = String, example = "2026-11-30")]
    pub to: Date,
    /// `dd/mm/yyyy – dd/mm/yyyy`.
    pub period_vn: String,
    pub group_by: GroupBy,
    pub groups: Vec<IndicatorGroup>,
    pub total: IndicatorGroup,
}

fn value(
    key: &'static str,
    number: &'static str,
    label: &'static str,
    r: Ratio,
    target: Option<Target>,
) -> IndicatorValue {
    IndicatorValue {
        key,
        number,
        label,
        numerator: r.numerator,
        denominator: r.denominator,
        percent: r.basis_points().map(|b| b as f64 / 100.0),
        target_percent: target.map(|t| f64::from(t.basis_points) / 100.0),
        meets_target: target.and_then(|t| r.meets(t)),
    }
}

/// The indicators of `counts`, in the order of the pages.
pub fn indicator_values(counts: &Counts) -> Vec<IndicatorValue> {
    let i: Indicators = formulas::indicators(counts);
    let mut out = vec![
        value(
            "on_time",
            "2.1",
            "Hồ sơ giải quyết đúng hạn",
            i.on_time,
            Some(TARGET_ON_TIME),
        ),
        value(
            "online",
            "3.3",
            "Hồ sơ nộp trực tuyến",
            i.online,
            Some(TARGET_ONLINE),
        ),
        value(
            "fully_online",
            "3.3",
            "Hồ sơ trực tuyến toàn trình",
            i.fully_online,
            Some(TARGET_FULLY_ONLINE),
        ),
        value(
            "e_result",
            "4.1",
            "Hồ sơ có kết quả điện tử",
            i.e_result,
            None,
        ),
        value(
            "digitised",
            "4.2",
            "Hồ sơ được số hóa",
            i.digitised,
            Some(TARGET_DIGITISED),
        ),
        value(
            "online_payment",
            "3.6",
            "Hồ sơ có phí thanh toán trực tuyến",
            i.online_payment,
            Some(TARGET_ONLINE_PAYMENT),
        ),
    ];
    if let Some(s) = i.satisfaction {
        out.push(value(
            "satisfaction",
            "5.4",
            "Mức độ hài lòng",
            s,
            Some(TARGET_SATISFACTION),
        ));
    }
    out
}

fn group(code: String, name: String, counts: Counts) -> IndicatorGroup {
    IndicatorGroup {
        indicators: indicator_values(&counts),
        code,
        name,
        counts,
    }
}

/// The name of a province (current structure), or its code.
fn province_name(code: &str, today: Date) -> String {
    refdata::unit_on(code, today)
        .map(|u| u.full_name.clone())
        .unwrap_or_else(|| format!("Tỉnh mã {code}"))
}

/// `[from 00:00, to + 1 day 00:00)` in Vietnam time, as unix microseconds.
pub fn period_of(from: Date, to: Date) -> Period {
    let start = |d: Date| {
        let t = d.midnight().assume_offset(VN_OFFSET);
        i64::try_from(t.unix_timestamp_nanos() / 1000).unwrap_or(i64::MAX)
    };
    Period {
        from: start(from),
        to: to
            .checked_add(Duration::days(1))
            .map(start)
            .unwrap_or(i64::MAX),
    }
}

/// The default period of the pages: the last 90 days up to today (Vietnam time).
pub fn default_period(now: OffsetDateTime) -> (Date, Date) {
    let today = now.to_offset(VN_OFFSET).date();
    (today - Duration::days(89), today)
}

/// The offices whose own figures `actor` may see.
enum Visible {
    All,
    Province(String),
    Office(i64),
    Nothing,
}

fn visible(actor: Option<&Actor>) -> Visible {
    match actor.map(|a| (&a.office.scope, a.office.id)) {
        None => Visible::Nothing,
        Some((Scope::National, _)) => Visible::All,
        Some((Scope::Province { province_code }, _)) => Visible::Province(province_code.clone()),
        Some((Scope::Commune { .. }, id)) => Visible::Office(id),
    }
}

fn per_office_refused(logged_in: bool) -> DomainError {
    if logged_in {
        DomainError::new(
            ErrorKind::Forbidden,
            "indicators_scope_forbidden",
            "Chỉ xem được số liệu từng cơ quan trong phạm vi quản lý của cơ quan mình (Bộ: mọi cơ quan; Sở Tư pháp: các cơ quan trong tỉnh; UBND xã: cơ quan mình).",
        )
    } else {
        DomainError::new(
            ErrorKind::Unauthenticated,
            "auth_required",
            "Số liệu từng cơ quan dành cho cán bộ: hãy đăng nhập. Số liệu toàn quốc và từng tỉnh được công khai.",
        )
    }
}

impl App {
    /// The Decision 766 indicators for `filter`. `actor` is `None` for the public, who see the
    /// country and the provinces; staff also see offices within their scope (see the module).
    /// Errors: `indicators_period_invalid` (422) for a period that ends before it starts or is
    /// longer than [`MAX_PERIOD_DAYS`]; `province_unknown` and `office_not_found` (404);
    /// `auth_required` (401) or forbidden (403) for offices outside the caller's view.
    pub async fn dossier_indicators(
        &self,
        actor: Option<&Actor>,
        filter: &IndicatorFilter,
    ) -> Result<IndicatorReport> {
        if filter.to < filter.from || (filter.to - filter.from).whole_days() >= MAX_PERIOD_DAYS {
            return Err(DomainError::new(
                ErrorKind::Unprocessable,
                "indicators_period_invalid",
                format!(
                    "Kỳ báo cáo phải có ngày bắt đầu không sau ngày kết thúc và dài không quá {MAX_PERIOD_DAYS} ngày."
                ),
            )
            .with_field("from"));
        }
        let today = tuphap_core::dates::vn_today();
        let province = filter
            .province
            .as_deref()
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(str::to_string);
        if let Some(p) = &province
            && refdata::unit_on(p, today).is_none_or(|u| u.level != refdata::AdminLevel::Province)
        {
            return Err(DomainError::not_found(
                "province_unknown",
                format!("Không có tỉnh, thành phố mã \u{201c}{p}\u{201d} đang có hiệu lực."),
            )
            .with_field("province"));
        }
        let office = match filter
            .office
            .as_deref()
            .map(str::trim)
            .filter(|o| !o.is_empty())
        {
            Some(code) => Some(self.store.office_by_code(code).await?.ok_or_else(|| {
                DomainError::not_found(
                    "office_not_found",
                    format!("Không có cơ quan mã \u{201c}{code}\u{201d}."),
                )
                .with_field("office")
            })?),
            None => None,
        };
        let mut scope = IndicatorScope {
            office_id: office.as_ref().map(|o| o.id),
            province_code: province.clone(),
        };
        // Office figures (an office filter, or one row per office) only within the caller's view.
        if filter.group_by == GroupBy::Office || office.is_some() {
            let refused = || per_office_refused(actor.is_some());
            match visible(actor) {
                Visible::Nothing => return Err(refused()),
                Visible::All => {}
                Visible::Province(p) => {
                    if province.as_ref().is_some_and(|x| *x != p)
                        || office
                            .as_ref()
                            .is_some_and(|o| o.province_code.as_deref() != Some(p.as_str()))
                    {
                        return Err(refused());
                    }
                    scope.province_code = Some(p);
                }
                Visible::Office(id) => {
                    if office.as_ref().is_some_and(|o| o.id != id) {
                        return Err(refused());
                    }
                    scope.office_id = Some(id);
                }
            }
        }
        let period = period_of(filter.from, filter.to);
        let rows = self.store.indicator_counts(period, &scope).await?;
        let groups = match filter.group_by {
            GroupBy::Office => rows
                .iter()
                .map(|r| group(r.office_code.clone(), r.office_name.clone(), r.counts))
                .collect(),
            GroupBy::Province => by_province(&rows, today),
        };
        let total_counts = rows
            .iter()
            .fold(Counts::default(), |acc, r| acc.add(&r.counts));
        let (code, name) = match (&office, &scope.province_code, scope.office_id) {
            (Some(o), _, _) => (o.code.clone(), o.name.clone()),
            (None, _, Some(id)) => match self.store.office_by_id(id).await? {
                Some(o) => (o.code, o.name),
                None => (id.to_string(), String::new()),
            },
            (None, Some(p), None) => (p.clone(), province_name(p, today)),
            (None, None, None) => ("national".to_string(), "Toàn quốc".to_string()),
        };
        Ok(IndicatorReport {
            from: filter.from,
            to: filter.to,
            period_vn: format!("{} – {}", format_vn(filter.from), format_vn(filter.to)),
            group_by: filter.group_by,
            groups,
            total: group(code, name, total_counts),
        })
    }
}

/// Office rows summed per province (ordered by province code; offices without a province, the
/// ministry's, under `-`).
fn by_province(rows: &[OfficeCounts], today: Date) -> Vec<IndicatorGroup> {
    let mut sums: std::collections::BTreeMap<String, Counts> = std::collections::BTreeMap::new();
    for r in rows {
        let key = r.province_code.clone().unwrap_or_else(|| "-".to_string());
        let e = sums.entry(key).or_default();
        *e = e.add(&r.counts);
    }
    sums.into_iter()
        .map(|(code, c)| {
            let name = if code == "-" {
                "Cơ quan trung ương".to_string()
            } else {
                province_name(&code, today)
            };
            group(code, name, c)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn a_period_is_whole_vietnam_days() {
        let p = period_of(date!(2026 - 11 - 01), date!(2026 - 11 - 30));
        // 01/11/2026 00:00 at UTC+7 is 31/10/2026 17:00 UTC.
        assert_eq!(p.from, 1_793_466_000 * 1_000_000);
        assert_eq!(p.to - p.from, 30 * 86_400 * 1_000_000);
    }

    #[test]
    fn values_carry_numerator_denominator_and_target() {
        let c = Counts {
            finished: 50,
            finished_on_time: 49,
            finished_disliked: Some(2),
            ..Counts::default()
        };
        let v = indicator_values(&c);
        let on_time = v.iter().find(|x| x.key == "on_time").unwrap();
        assert_eq!((on_time.numerator, on_time.denominator), (49, 50));
        assert_eq!(on_time.percent, Some(98.0));
        assert_eq!(on_time.target_percent, Some(98.0));
        assert_eq!(on_time.meets_target, Some(true));
        let online = v.iter().find(|x| x.key == "online").unwrap();
        assert_eq!((online.percent, online.meets_target), (None, None));
        let s = v.iter().find(|x| x.key == "satisfaction").unwrap();
        assert_eq!((s.numerator, s.denominator), (47, 50));
    }
}
