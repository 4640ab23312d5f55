//! Civil-status search `GET /api/v1/civil/search`: the tantivy projection of the change log
//! (`tuphap-search`), filtered by the caller's jurisdiction. Every query is a read of personal
//! data and is audited (`civil.search`, with the query).

use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use tuphap_domain::identity::{OfficeKind, Scope};
use tuphap_domain::{Actor, DomainError, ErrorKind};
use tuphap_search::{SearchQuery, SearchScope};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::error::{ApiError, ErrorBody};
use crate::extract::{ApiActor, ApiQuery, Meta};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(search))
}

#[derive(Debug, Default, Deserialize, Serialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct SearchParams {
    /// Name words (accents optional: "nguyen thi huong" finds "Nguyễn Thị Hương", exact accents
    /// rank first), a 12-digit personal ID, or a register number "N/YYYY".
    #[param(example = "Nguyễn Thị Hương")]
    pub q: Option<String>,
    /// birth, death, marriage.
    #[param(example = "birth")]
    pub kind: Option<String>,
    /// male, female.
    pub sex: Option<String>,
    /// Year of birth (births) or of the event.
    #[param(example = 2026)]
    pub year: Option<i32>,
    /// Date of birth (births) or of the event, from (YYYY-MM-DD, inclusive).
    #[param(example = "2026-01-01")]
    pub date_from: Option<String>,
    /// Date of birth (births) or of the event, up to (YYYY-MM-DD, inclusive).
    #[param(example = "2026-12-31")]
    pub date_to: Option<String>,
    /// Unit code of the place of the event (as it was then).
    #[param(example = "00004")]
    pub unit: Option<String>,
    /// Mother's name words.
    pub mother: Option<String>,
    /// Father's name words.
    pub father: Option<String>,
    /// 1–100, default 20.
    pub limit: Option<usize>,
    /// Results to skip, default 0.
    pub offset: Option<usize>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SearchItem {
    pub id: i64,
    pub full_name: String,
    pub kind: String,
    pub status: String,
    /// Date of birth (births) or of the event, YYYY-MM-DD.
    pub date: String,
    /// "N/YYYY" once registered.
    pub register_text: Option<String>,
    pub score: f32,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SearchResponse {
    pub items: Vec<SearchItem>,
    /// All matches in the caller's jurisdiction (not only this page).
    pub total: usize,
}

/// The jurisdiction of an office: the ministry sees every record, a province office those
/// registered by offices of its province, a commune office those of the books it holds (its
/// own, and those of the former communes it succeeded) — the rule of reading a record.
pub fn scope_of(actor: &Actor) -> SearchScope {
    match (&actor.office.kind, &actor.office.scope) {
        (OfficeKind::Ministry, _) | (_, Scope::National) => SearchScope::National,
        (OfficeKind::Province, Scope::Province { province_code }) => {
            SearchScope::Province(province_code.clone())
        }
        (_, Scope::Commune { commune_code }) => SearchScope::Commune(commune_code.clone()),
        _ => SearchScope::Office(actor.office.id),
    }
}

fn unprocessable(code: &'static str, field: &str, message: &str) -> ApiError {
    ApiError(DomainError::new(ErrorKind::Unprocessable, code, message).with_field(field))
}

/// Search civil-status records within the caller's jurisdiction.
///
/// Ranked by relevance; records just declared are findable at once (the index catches up with
/// the change log before each search). Each search is audited as `civil.search`.
#[utoipa::path(
    get, path = "/api/v1/civil/search", tag = "civil",
    security(("bearer" = [])),
    params(SearchParams),
    responses(
        (status = 200, body = SearchResponse, example = json!({
            "items": [{"id": 42, "full_name": "Nguyễn Thị Hương", "kind": "birth", "status": "registered",
                       "date": "2026-11-20", "register_text": "15/2026", "score": 7.8}],
            "total": 1
        })),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 422, description = "Tham số không hợp lệ", body = ErrorBody),
    )
)]
async fn search(
    State(state): State<AppState>,
    Meta(meta): Meta,
    ApiActor(actor): ApiActor,
    ApiQuery(p): ApiQuery<SearchParams>,
) -> Result<Json<SearchResponse>, ApiError> {
    Ok(Json(run_search(&state, &actor, &meta, p).await?))
}

/// One search within the actor's jurisdiction, audited as `civil.search` (the API endpoint and
/// the back-office search page both use it).
pub async fn run_search(
    state: &AppState,
    actor: &Actor,
    meta: &tuphap_domain::RequestMeta,
    p: SearchParams,
) -> Result<SearchResponse, ApiError> {
    if let Some(k) = p.kind.as_deref().filter(|k| !k.is_empty())
        && !tuphap_search::RECORD_ENTITIES.contains(&k)
    {
        return Err(unprocessable(
            "search_bad_kind",
            "kind",
            &format!(
                "Loại hồ sơ phải là một trong: {}.",
                tuphap_search::RECORD_ENTITIES.join(", ")
            ),
        ));
    }
    if let Some(s) = p.sex.as_deref().filter(|s| !s.is_empty())
        && !["male", "female"].contains(&s)
    {
        return Err(unprocessable(
            "search_bad_sex",
            "sex",
            "Giới tính phải là male hoặc female.",
        ));
    }
    let date_param = |v: &Option<String>, field: &'static str| match v
        .as_deref()
        .map(str::trim)
        .filter(|v| !v.is_empty())
    {
        None => Ok(None),
        Some(v) => tuphap_core::dates::parse_date(v)
            .map(Some)
            .map_err(|e| ApiError(DomainError::unprocessable(&e).with_field(field))),
    };
    let date_from = date_param(&p.date_from, "date_from")?;
    let date_to = date_param(&p.date_to, "date_to")?;
    if let (Some(from), Some(to)) = (date_from, date_to)
        && from > to
    {
        return Err(unprocessable(
            "search_bad_date_range",
            "date_to",
            "Ngày kết thúc phải sau hoặc bằng ngày bắt đầu.",
        ));
    }
    let Some(index) = state.search.clone() else {
        return Err(ApiError(DomainError::internal()));
    };
    if let Err(e) = index.catch_up(&state.app.store).await {
        tracing::error!(error = %e, "search catch-up failed");
        return Err(ApiError(DomainError::internal()));
    }
    let query = SearchQuery {
        q: p.q.clone(),
        kind: p.kind.clone(),
        sex: p.sex.clone(),
        year: p.year,
        date_from,
        date_to,
        unit_code: p.unit.clone(),
        mother_name: p.mother.clone(),
        father_name: p.father.clone(),
        scope: scope_of(actor),
        limit: p.limit.unwrap_or(20).clamp(1, tuphap_search::MAX_LIMIT),
        offset: p.offset.unwrap_or(0),
    };
    let results = index.search(&query).map_err(|e| {
        tracing::error!(error = %e, "search failed");
        ApiError(DomainError::internal())
    })?;
    let mut entry = actor.audit(meta, "civil.search");
    entry.target_type = Some("civil_record".into());
    entry.details = Some(serde_json::json!({
        "query": p,
        "total": results.total,
        "returned": results.items.iter().map(|h| h.id).collect::<Vec<_>>(),
    }));
    state
        .app
        .store
        .audit(&[entry])
        .await
        .map_err(DomainError::from)?;
    Ok(SearchResponse {
        total: results.total,
        items: results
            .items
            .into_iter()
            .map(|h| SearchItem {
                id: h.id,
                full_name: h.full_name,
                kind: h.kind,
                status: h.status,
                date: h.date,
                register_text: h.register_text,
                score: h.score,
            })
            .collect(),
    })
}
