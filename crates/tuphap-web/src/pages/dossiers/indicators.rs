//! `/indicators`: the Decision 766 indicators of the online public services, public (the
//! country and the provinces; GOV.UK Service Standard point 10, "publish performance data") and,
//! for staff, per office within their scope. A GET form picks the period (dd/mm/yyyy) and the
//! grouping; a table gives every rate with its numerator and denominator against its target, and
//! server-rendered SVG bar charts show each indicator per group (no JavaScript). The table
//! scrolls inside its wrapper on a phone; the page itself does not.

use askama::Template;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde::Deserialize;
use time::Date;
use tuphap_core::dates::{format_vn, parse_date, parse_vn};
use tuphap_core::error::Coded;
use tuphap_domain::Actor;
use tuphap_domain::online::indicators::{
    GroupBy, IndicatorFilter, IndicatorGroup, IndicatorValue, default_period,
};

use super::super::Layout;
use super::super::reference::{Choice, bad_query, html, non_empty};
use crate::extract::{SESSION_COOKIE, cookie};
use crate::state::AppState;

#[derive(Debug, Default, Deserialize)]
pub struct IndicatorsPageQuery {
    pub from: Option<String>,
    pub to: Option<String>,
    pub group_by: Option<String>,
    pub province: Option<String>,
    pub office: Option<String>,
}

/// One cell of the table: `numerator/denominator` and the rate.
pub struct Cell {
    pub ratio: String,
    pub percent: String,
    /// `ok`, `bad` or `none` (no target or nothing counted).
    pub state: &'static str,
}

pub struct Row {
    pub code: String,
    pub name: String,
    pub total: bool,
    pub cells: Vec<Cell>,
}

pub struct Column {
    pub number: &'static str,
    pub label: &'static str,
    pub target: String,
}

/// One bar of a chart.
pub struct Bar {
    pub label: String,
    pub value: String,
    /// Top of the bar and baseline of its label, in the chart's user units.
    pub bar_y: u32,
    pub label_y: u32,
    /// Width of the bar: the rate × [`SCALE`].
    pub width: String,
    pub class: &'static str,
}

/// A horizontal bar chart of one indicator over the groups, drawn in SVG.
pub struct Chart {
    pub id: String,
    pub title: String,
    pub target: String,
    pub target_x: Option<String>,
    pub height: u32,
    pub bars: Vec<Bar>,
}

#[derive(Template)]
#[template(path = "indicators.html")]
pub struct IndicatorsPage {
    pub l: Layout,
    pub from: String,
    pub to: String,
    pub groupings: Vec<Choice>,
    pub logged_in: bool,
    pub error: Option<String>,
    pub period_vn: String,
    pub group_label: &'static str,
    pub columns: Vec<Column>,
    pub rows: Vec<Row>,
    pub charts: Vec<Chart>,
    pub province: String,
    pub office: String,
}

/// `98.5` → `98,50%` (Vietnamese decimal comma).
fn percent_vi(p: Option<f64>) -> String {
    match p {
        Some(p) => format!("{p:.2}%").replace('.', ","),
        None => "—".to_string(),
    }
}

fn cell(v: &IndicatorValue) -> Cell {
    Cell {
        ratio: format!("{}/{}", v.numerator, v.denominator),
        percent: percent_vi(v.percent),
        state: match v.meets_target {
            Some(true) => "ok",
            Some(false) => "bad",
            None => "none",
        },
    }
}

fn row(g: &IndicatorGroup, total: bool) -> Row {
    Row {
        code: g.code.clone(),
        name: g.name.clone(),
        total,
        cells: g.indicators.iter().map(cell).collect(),
    }
}

/// A chart is 320 user units wide: bars start at [`LEFT`] and 100 % is [`SCALE`] × 100 long;
/// each group takes [`GAP`] units (its label line, then its bar).
const LEFT: f64 = 10.0;
const SCALE: f64 = 3.0;
const GAP: u32 = 36;

fn charts(groups: &[IndicatorGroup], total: &IndicatorGroup) -> Vec<Chart> {
    let mut all: Vec<&IndicatorGroup> = groups.iter().collect();
    if groups.len() != 1 {
        all.push(total);
    }
    total
        .indicators
        .iter()
        .enumerate()
        .map(|(i, ind)| {
            let bars = all
                .iter()
                .enumerate()
                .map(|(j, g)| {
                    let v = g.indicators.get(i);
                    let pct = v.and_then(|v| v.percent);
                    let top = u32::try_from(j).unwrap_or(0) * GAP;
                    Bar {
                        label: g.name.clone(),
                        value: match v {
                            Some(v) => {
                                format!("{} ({}/{})", percent_vi(pct), v.numerator, v.denominator)
                            }
                            None => "—".into(),
                        },
                        label_y: top + 12,
                        bar_y: top + 17,
                        width: format!("{:.1}", pct.unwrap_or(0.0).clamp(0.0, 100.0) * SCALE),
                        class: match v.and_then(|v| v.meets_target) {
                            Some(true) => "ok",
                            Some(false) => "bad",
                            None => "none",
                        },
                    }
                })
                .collect::<Vec<_>>();
            Chart {
                id: format!("bieu-do-{}", ind.key),
                title: format!("{} {}", ind.number, ind.label),
                target: ind
                    .target_percent
                    .map(|t| format!("Mục tiêu: {}", percent_vi(Some(t))))
                    .unwrap_or_default(),
                target_x: ind
                    .target_percent
                    .map(|t| format!("{:.1}", LEFT + t * SCALE)),
                height: u32::try_from(bars.len()).unwrap_or(1) * GAP + 4,
                bars,
            }
        })
        .collect()
}

/// A date from the form: `dd/mm/yyyy`, or `YYYY-MM-DD` (links from the API).
fn date_field(v: Option<&str>, what: &str) -> Result<Option<Date>, String> {
    match non_empty(v) {
        None => Ok(None),
        Some(s) => parse_vn(s)
            .or_else(|e| parse_date(s).map_err(|_| e))
            .map(Some)
            .map_err(|e| format!("{what}: {}", e.message_vi())),
    }
}

async fn optional_actor(state: &AppState, headers: &HeaderMap) -> Option<Actor> {
    let token = cookie(headers, SESSION_COOKIE)?;
    state.app.authenticate(token).await.ok().flatten()
}

/// `GET /indicators`.
pub async fn page(
    State(state): State<AppState>,
    headers: HeaderMap,
    q: Result<Query<IndicatorsPageQuery>, QueryRejection>,
) -> Response {
    let q = match q {
        Ok(Query(q)) => q,
        Err(rej) => return bad_query(&rej),
    };
    let actor = optional_actor(&state, &headers).await;
    let title = "Chỉ số phục vụ người dân (Quyết định 766)";
    let l = match &actor {
        Some(a) => Layout::for_actor(title, a, "/indicators"),
        None => Layout::public(title, String::new()),
    };
    let (default_from, default_to) = default_period(tuphap_store::now_utc());
    let group_by = non_empty(q.group_by.as_deref())
        .and_then(GroupBy::parse)
        .unwrap_or(if actor.is_some() {
            GroupBy::Office
        } else {
            GroupBy::Province
        });
    let mut groupings = vec![Choice::new(
        "province",
        "Theo tỉnh, thành phố",
        group_by.as_str(),
    )];
    if actor.is_some() {
        groupings.push(Choice::new("office", "Theo cơ quan", group_by.as_str()));
    }
    let mut p = IndicatorsPage {
        l,
        from: non_empty(q.from.as_deref()).unwrap_or_default().to_string(),
        to: non_empty(q.to.as_deref()).unwrap_or_default().to_string(),
        groupings,
        logged_in: actor.is_some(),
        error: None,
        period_vn: String::new(),
        group_label: match group_by {
            GroupBy::Office => "Cơ quan",
            GroupBy::Province => "Tỉnh, thành phố",
        },
        columns: Vec::new(),
        rows: Vec::new(),
        charts: Vec::new(),
        province: non_empty(q.province.as_deref())
            .unwrap_or_default()
            .to_string(),
        office: non_empty(q.office.as_deref())
            .unwrap_or_default()
            .to_string(),
    };
    let dates = date_field(q.from.as_deref(), "Từ ngày")
        .and_then(|f| date_field(q.to.as_deref(), "Đến ngày").map(|t| (f, t)));
    let (from, to) = match dates {
        Ok((f, t)) => (f.unwrap_or(default_from), t.unwrap_or(default_to)),
        Err(msg) => {
            p.error = Some(msg);
            return html(StatusCode::BAD_REQUEST, p.render());
        }
    };
    p.from = format_vn(from);
    p.to = format_vn(to);
    let filter = IndicatorFilter {
        from,
        to,
        province: non_empty(q.province.as_deref()).map(str::to_string),
        office: non_empty(q.office.as_deref()).map(str::to_string),
        group_by,
    };
    let report = match state.app.dossier_indicators(actor.as_ref(), &filter).await {
        Ok(r) => r,
        Err(e) => {
            p.error = Some(e.message.clone());
            return html(crate::error::status_of(e.kind), p.render());
        }
    };
    p.period_vn = report.period_vn.clone();
    p.columns = report
        .total
        .indicators
        .iter()
        .map(|v| Column {
            number: v.number,
            label: v.label,
            target: v
                .target_percent
                .map(|t| format!("≥ {}", percent_vi(Some(t))))
                .unwrap_or_else(|| "—".into()),
        })
        .collect();
    p.rows = report.groups.iter().map(|g| row(g, false)).collect();
    p.rows.push(row(&report.total, true));
    p.charts = charts(&report.groups, &report.total);
    html(StatusCode::OK, p.render())
}
