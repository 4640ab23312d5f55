//! Reference data API (public, read-only except the calendar adjustments).

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use time::Date;
use tuphap_core::calendar::{AdjustmentKind, DayAdjustment};
use tuphap_core::dates::{DateError, format_vn, parse_date, vn_today};
use tuphap_core::error::Coded;
use tuphap_core::personal_id::{PersonalId, Sex};
use tuphap_core::reference::AdminLevel;
use tuphap_domain::{DomainError, ErrorKind};
use tuphap_store::reference::{AdminUnitRow, SuccessionRow};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::error::{ApiError, ErrorBody};
use crate::extract::{ApiActor, ApiJson, ApiPath, ApiQuery, Meta};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_admin_units))
        .routes(routes!(get_admin_unit))
        .routes(routes!(ethnic_groups))
        .routes(routes!(countries))
        .routes(routes!(decode_personal_id))
        .routes(routes!(days_off))
        .routes(routes!(add_working_days))
        .routes(routes!(set_adjustment, delete_adjustment))
}

/// Parses an optional date parameter: 400 for a wrong shape, 422 for a day that does not exist.
pub fn date_param(value: Option<&str>, field: &str) -> Result<Option<Date>, ApiError> {
    match value.map(str::trim).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(v) => parse_date(v).map(Some).map_err(|e| {
            let kind = match e {
                DateError::Format { .. } => ErrorKind::BadRequest,
                DateError::NotACalendarDate { .. } => ErrorKind::Unprocessable,
            };
            ApiError(DomainError::new(kind, e.code(), e.message_vi()).with_field(field))
        }),
    }
}

fn required_date(value: Option<&str>, field: &str) -> Result<Date, ApiError> {
    date_param(value, field)?.ok_or_else(|| {
        ApiError(
            DomainError::new(
                ErrorKind::BadRequest,
                "parameter_required",
                format!("Thiếu tham số bắt buộc \u{201c}{field}\u{201d}."),
            )
            .with_field(field),
        )
    })
}

/// A unit version.
#[derive(Debug, Serialize, ToSchema)]
pub struct AdminUnit {
    #[schema(example = "00004")]
    pub code: String,
    #[schema(example = "Ba Đình")]
    pub name: String,
    #[schema(example = "Phường Ba Đình")]
    pub full_name: String,
    /// province, district or commune.
    #[schema(example = "commune")]
    pub level: String,
    #[schema(example = "Phường")]
    pub unit_type: String,
    #[schema(example = "01")]
    pub parent_code: Option<String>,
    pub province_code: String,
    /// First day of validity (YYYY-MM-DD); null when it predates the data (before 2021-11-01).
    pub valid_from: Option<String>,
    /// First day it is no longer valid (exclusive); null while valid.
    pub valid_to: Option<String>,
}

impl From<AdminUnitRow> for AdminUnit {
    fn from(r: AdminUnitRow) -> Self {
        AdminUnit {
            code: r.code,
            name: r.name,
            full_name: r.full_name,
            level: r.level,
            unit_type: r.unit_type,
            parent_code: r.parent_code,
            province_code: r.province_code,
            valid_from: r.valid_from.map(|d| d.to_string()),
            valid_to: r.valid_to.map(|d| d.to_string()),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AdminUnitList {
    /// The date the list is valid on.
    pub as_of: String,
    pub count: usize,
    pub items: Vec<AdminUnit>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct AdminUnitsQuery {
    /// province, district or commune (all levels when absent).
    #[param(example = "province")]
    pub level: Option<String>,
    /// Only units whose parent has this code.
    pub parent: Option<String>,
    /// YYYY-MM-DD, default today (Vietnam time).
    #[param(example = "2024-01-01")]
    pub as_of: Option<String>,
}

fn level_param(level: Option<&str>) -> Result<Option<AdminLevel>, ApiError> {
    match level.map(str::trim).filter(|l| !l.is_empty()) {
        None => Ok(None),
        Some(l) => AdminLevel::parse(l).map(Some).map_err(|_| {
            ApiError(
                DomainError::new(
                    ErrorKind::BadRequest,
                    "admin_level_invalid",
                    format!("Cấp hành chính \u{201c}{l}\u{201d} không hợp lệ; dùng province, district hoặc commune."),
                )
                .with_field("level"),
            )
        }),
    }
}

/// Administrative units valid on a date.
///
/// 63 provinces on 2024-01-01; 34 provinces and 3,321 communes from 2025-07-01 (no districts).
#[utoipa::path(
    get, path = "/api/v1/reference/admin-units", tag = "reference",
    params(AdminUnitsQuery),
    responses(
        (status = 200, body = AdminUnitList, example = json!({
            "as_of": "2024-01-01", "count": 63,
            "items": [
                {"code": "01", "name": "Hà Nội", "full_name": "Thành phố Hà Nội", "level": "province", "unit_type": "Thành phố",
                 "parent_code": null, "province_code": "01", "valid_from": null, "valid_to": "2025-07-01"},
                {"code": "02", "name": "Hà Giang", "full_name": "Tỉnh Hà Giang", "level": "province", "unit_type": "Tỉnh",
                 "parent_code": null, "province_code": "02", "valid_from": null, "valid_to": "2025-07-01"},
                {"code": "04", "name": "Cao Bằng", "full_name": "Tỉnh Cao Bằng", "level": "province", "unit_type": "Tỉnh",
                 "parent_code": null, "province_code": "04", "valid_from": null, "valid_to": "2025-07-01"}
            ]
        })),
        (status = 400, description = "Tham số sai", body = ErrorBody),
        (status = 422, description = "Ngày không tồn tại", body = ErrorBody),
    )
)]
async fn list_admin_units(
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<AdminUnitsQuery>,
) -> Result<Json<AdminUnitList>, ApiError> {
    let level = level_param(q.level.as_deref())?;
    let as_of = date_param(q.as_of.as_deref(), "as_of")?.unwrap_or_else(vn_today);
    let parent = q.parent.as_deref().map(str::trim).filter(|p| !p.is_empty());
    let rows = state
        .app
        .store
        .admin_units_on(level.map(AdminLevel::as_str), parent, as_of)
        .await
        .map_err(DomainError::from)?;
    let items: Vec<AdminUnit> = rows.into_iter().map(AdminUnit::from).collect();
    Ok(Json(AdminUnitList {
        as_of: as_of.to_string(),
        count: items.len(),
        items,
    }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Succession {
    pub code: String,
    pub full_name: Option<String>,
    pub level: String,
    /// full: the whole old unit; partial: part of it.
    #[schema(example = "full")]
    pub relation: String,
    pub effective: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AdminUnitDetail {
    pub as_of: String,
    #[serde(flatten)]
    pub unit: AdminUnit,
    /// Units this one became on 2025-07-01 (for units of the old structure).
    pub successors: Vec<Succession>,
    /// Units of the old structure that became this one (for units of the new structure).
    pub predecessors: Vec<Succession>,
    /// Every version of this code, oldest first (a code may name different units over time).
    pub versions: Vec<AdminUnit>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct AsOfQuery {
    /// YYYY-MM-DD, default today (Vietnam time).
    pub as_of: Option<String>,
}

async fn successions(
    state: &AppState,
    rows: Vec<SuccessionRow>,
    new_side: bool,
) -> Result<Vec<Succession>, ApiError> {
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let (code, level, on) = if new_side {
            (r.new_code, r.new_level, r.effective)
        } else {
            (
                r.old_code,
                r.old_level,
                r.effective.previous_day().unwrap_or(r.effective),
            )
        };
        let name = state
            .app
            .store
            .admin_unit_on(&code, on)
            .await
            .map_err(DomainError::from)?
            .map(|u| u.full_name);
        out.push(Succession {
            code,
            full_name: name,
            level,
            relation: r.relation,
            effective: r.effective.to_string(),
        });
    }
    Ok(out)
}

/// One administrative unit as valid on a date, with its successors/predecessors across the
/// 2025 reform and all versions of the code.
///
/// A code alone does not identify a unit across the reform: `00004` was Phường Trúc Bạch
/// until 30/06/2025 and is Phường Ba Đình since 01/07/2025.
#[utoipa::path(
    get, path = "/api/v1/reference/admin-units/{code}", tag = "reference",
    params(("code" = String, Path, description = "Mã đơn vị hành chính", example = "00004"), AsOfQuery),
    responses(
        (status = 200, body = AdminUnitDetail, example = json!({
            "as_of": "2026-11-27",
            "code": "00004", "name": "Ba Đình", "full_name": "Phường Ba Đình", "level": "commune", "unit_type": "Phường",
            "parent_code": "01", "province_code": "01", "valid_from": "2025-07-01", "valid_to": null,
            "successors": [],
            "predecessors": [
                {"code": "00004", "full_name": "Phường Trúc Bạch", "level": "commune", "relation": "full", "effective": "2025-07-01"},
                {"code": "00013", "full_name": "Phường Quán Thánh", "level": "commune", "relation": "full", "effective": "2025-07-01"},
                {"code": "00016", "full_name": "Phường Ngọc Hà", "level": "commune", "relation": "partial", "effective": "2025-07-01"}
            ],
            "versions": [
                {"code": "00004", "name": "Trúc Bạch", "full_name": "Phường Trúc Bạch", "level": "commune", "unit_type": "Phường",
                 "parent_code": "001", "province_code": "01", "valid_from": null, "valid_to": "2025-07-01"},
                {"code": "00004", "name": "Ba Đình", "full_name": "Phường Ba Đình", "level": "commune", "unit_type": "Phường",
                 "parent_code": "01", "province_code": "01", "valid_from": "2025-07-01", "valid_to": null}
            ]
        })),
        (status = 404, description = "Không có đơn vị mã này vào ngày đó (`admin_unit_not_found`)", body = ErrorBody),
    )
)]
async fn get_admin_unit(
    State(state): State<AppState>,
    ApiPath(code): ApiPath<String>,
    ApiQuery(q): ApiQuery<AsOfQuery>,
) -> Result<Json<AdminUnitDetail>, ApiError> {
    let as_of = date_param(q.as_of.as_deref(), "as_of")?.unwrap_or_else(vn_today);
    let store = &state.app.store;
    let Some(unit) = store
        .admin_unit_on(code.trim(), as_of)
        .await
        .map_err(DomainError::from)?
    else {
        let versions = store
            .admin_unit_versions(code.trim())
            .await
            .map_err(DomainError::from)?;
        let hint = if versions.is_empty() {
            String::new()
        } else {
            format!(
                " Mã này có {} phiên bản ở các thời điểm khác; xem danh sách với as_of phù hợp.",
                versions.len()
            )
        };
        return Err(ApiError(DomainError::not_found(
            "admin_unit_not_found",
            format!(
                "Không có đơn vị hành chính mã \u{201c}{}\u{201d} có hiệu lực ngày {}.{hint}",
                code.trim(),
                format_vn(as_of)
            ),
        )));
    };
    let successors = store
        .admin_unit_successors(&unit.code, &unit.level)
        .await
        .map_err(DomainError::from)?;
    let predecessors = store
        .admin_unit_predecessors(&unit.code, &unit.level)
        .await
        .map_err(DomainError::from)?;
    // Only the version that actually ended at the reform has successors; only the new one
    // has predecessors.
    let reform = time::macros::date!(2025 - 07 - 01);
    let successors = if unit.valid_to == Some(reform) {
        successions(&state, successors, true).await?
    } else {
        Vec::new()
    };
    let predecessors = if unit.valid_from.is_some_and(|f| f >= reform) {
        successions(&state, predecessors, false).await?
    } else {
        Vec::new()
    };
    let versions = store
        .admin_unit_versions(&unit.code)
        .await
        .map_err(DomainError::from)?
        .into_iter()
        .filter(|v| v.level == unit.level)
        .map(AdminUnit::from)
        .collect();
    Ok(Json(AdminUnitDetail {
        as_of: as_of.to_string(),
        unit: AdminUnit::from(unit),
        successors,
        predecessors,
        versions,
    }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EthnicGroup {
    #[schema(example = "01")]
    pub code: String,
    #[schema(example = "Kinh")]
    pub name: String,
    #[schema(example = "Kinh (Việt)")]
    pub name_with_alt: String,
    pub spelling_variants: Vec<String>,
    pub other_names: Vec<String>,
}

fn split_list(s: &str, sep: char) -> Vec<String> {
    s.split(sep)
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_string)
        .collect()
}

/// The 54 ethnic groups (codes of QĐ 121-TCTK/PPCĐ, 1979).
#[utoipa::path(
    get, path = "/api/v1/reference/ethnic-groups", tag = "reference",
    responses((status = 200, body = Vec<EthnicGroup>, example = json!([
        {"code": "01", "name": "Kinh", "name_with_alt": "Kinh (Việt)", "spelling_variants": [], "other_names": ["Việt"]},
        {"code": "02", "name": "Tày", "name_with_alt": "Tày", "spelling_variants": [],
         "other_names": ["Ngạn", "Phén", "Thù Lao", "Pa Dí"]},
        {"code": "05", "name": "Khơ-me", "name_with_alt": "Khơ-me", "spelling_variants": ["Khơ Me", "Khmer"],
         "other_names": ["Cur", "Cul", "Cu", "Thổ", "Việt gốc Miên", "Khơ-me Krôm"]}
    ])))
)]
async fn ethnic_groups(State(state): State<AppState>) -> Result<Json<Vec<EthnicGroup>>, ApiError> {
    let rows = state
        .app
        .store
        .ethnic_groups()
        .await
        .map_err(DomainError::from)?;
    Ok(Json(
        rows.into_iter()
            .map(|r| EthnicGroup {
                code: r.code,
                name: r.name,
                name_with_alt: r.name_with_alt,
                spelling_variants: split_list(&r.spelling_variants, ';'),
                other_names: split_list(&r.other_names, ','),
            })
            .collect(),
    ))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Country {
    #[schema(example = "VN")]
    pub alpha2: String,
    #[schema(example = "VNM")]
    pub alpha3: String,
    #[schema(example = "704")]
    pub numeric: String,
    #[schema(example = "Việt Nam")]
    pub name_vi: String,
    pub name_vi_alt: Vec<String>,
    pub name_en: String,
}

/// Countries and territories (ISO 3166-1, Vietnamese names from CLDR).
#[utoipa::path(
    get, path = "/api/v1/reference/countries", tag = "reference",
    responses((status = 200, body = Vec<Country>, example = json!([
        {"alpha2": "CZ", "alpha3": "CZE", "numeric": "203", "name_vi": "Séc", "name_vi_alt": ["Cộng hòa Séc"], "name_en": "Czechia"},
        {"alpha2": "LA", "alpha3": "LAO", "numeric": "418", "name_vi": "Lào", "name_vi_alt": [], "name_en": "Laos"},
        {"alpha2": "VN", "alpha3": "VNM", "numeric": "704", "name_vi": "Việt Nam", "name_vi_alt": [], "name_en": "Vietnam"}
    ])))
)]
async fn countries(State(state): State<AppState>) -> Result<Json<Vec<Country>>, ApiError> {
    let rows = state
        .app
        .store
        .countries()
        .await
        .map_err(DomainError::from)?;
    Ok(Json(
        rows.into_iter()
            .map(|r| Country {
                alpha2: r.alpha2,
                alpha3: r.alpha3,
                numeric: r.numeric_code,
                name_vi: r.name_vi,
                name_vi_alt: split_list(&r.name_vi_alt, ';'),
                name_en: r.name_en,
            })
            .collect(),
    ))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct PersonalIdQuery {
    /// male / female (or nam / nữ): checked against the century/sex digit.
    #[param(example = "male")]
    pub sex: Option<String>,
    /// YYYY-MM-DD: checked against the century and the year digits.
    #[param(example = "1995-01-01")]
    pub date_of_birth: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PersonalIdDecoded {
    #[schema(example = "001095012345")]
    pub number: String,
    /// Province where the birth was registered (3-digit code of the number).
    #[schema(example = "001")]
    pub province_code: String,
    #[schema(example = "Hà Nội")]
    pub province_name: String,
    #[schema(example = "Thành phố Hà Nội")]
    pub province_full_name: String,
    /// The province it belongs to since 01/07/2025.
    pub province_code_after_2025: String,
    pub province_full_name_after_2025: String,
    #[schema(example = "male")]
    pub sex: String,
    #[schema(example = "Nam")]
    pub sex_label: String,
    #[schema(example = 20)]
    pub century: u16,
    #[schema(example = 1995)]
    pub birth_year: i32,
    #[schema(example = "012345")]
    pub serial: String,
    /// True when sex and/or date of birth were given and agree with the number.
    pub checked: bool,
}

/// Decode a 12-digit personal ID number; with `sex` and `date_of_birth`, check that it agrees.
///
/// 422 with a code naming what is wrong: `personal_id_wrong_length`, `personal_id_not_digits`,
/// `personal_id_unknown_province`, `personal_id_sex_mismatch`, `personal_id_century_mismatch`,
/// `personal_id_birth_year_mismatch`.
#[utoipa::path(
    get, path = "/api/v1/reference/personal-ids/{number}", tag = "reference",
    params(("number" = String, Path, example = "001095012345"), PersonalIdQuery),
    responses(
        (status = 200, body = PersonalIdDecoded, example = json!({
            "number": "001095012345", "province_code": "001", "province_name": "Hà Nội",
            "province_full_name": "Thành phố Hà Nội", "province_code_after_2025": "01",
            "province_full_name_after_2025": "Thành phố Hà Nội", "sex": "male", "sex_label": "Nam",
            "century": 20, "birth_year": 1995, "serial": "012345", "checked": true
        })),
        (status = 422, description = "Số không hợp lệ hoặc không khớp", body = ErrorBody),
    )
)]
async fn decode_personal_id(
    ApiPath(number): ApiPath<String>,
    ApiQuery(q): ApiQuery<PersonalIdQuery>,
) -> Result<Json<PersonalIdDecoded>, ApiError> {
    let id = PersonalId::parse(&number)
        .map_err(|e| ApiError(DomainError::unprocessable(&e).with_field("number")))?;
    let sex = match q.sex.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(s) => Some(
            Sex::parse(s).map_err(|e| ApiError(DomainError::bad_request(&e).with_field("sex")))?,
        ),
    };
    let dob = date_param(q.date_of_birth.as_deref(), "date_of_birth")?;
    let checked = match (sex, dob) {
        (Some(sex), Some(dob)) => {
            id.check(sex, dob)
                .map_err(|e| ApiError(DomainError::unprocessable(&e).with_field("number")))?;
            true
        }
        (Some(sex), None) => {
            if id.sex() != sex {
                return Err(ApiError(
                    DomainError::new(
                        ErrorKind::Unprocessable,
                        "personal_id_sex_mismatch",
                        format!(
                            "Số định danh mã hóa giới tính {}, không khớp với giới tính {} đã khai.",
                            id.sex().label_vi(),
                            sex.label_vi()
                        ),
                    )
                    .with_field("number"),
                ));
            }
            true
        }
        (None, Some(dob)) => {
            id.check(id.sex(), dob)
                .map_err(|e| ApiError(DomainError::unprocessable(&e).with_field("number")))?;
            true
        }
        (None, None) => false,
    };
    let after = id.province_after_2025();
    Ok(Json(PersonalIdDecoded {
        number: id.as_str().to_string(),
        province_code: id.province_code().to_string(),
        province_name: id.province_name().to_string(),
        province_full_name: id.province_full_name().to_string(),
        province_code_after_2025: after.code.to_string(),
        province_full_name_after_2025: after.full_name.to_string(),
        sex: id.sex().as_str().to_string(),
        sex_label: id.sex().label_vi().to_string(),
        century: id.century(),
        birth_year: id.birth_year(),
        serial: id.serial().to_string(),
        checked,
    }))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct YearQuery {
    /// 2020–2030 (default: this year).
    #[param(example = 2026)]
    pub year: Option<i32>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DayOff {
    #[schema(example = "2026-02-17")]
    pub date: String,
    /// dd/mm/yyyy
    pub date_vn: String,
    #[schema(example = "Tết Nguyên đán")]
    pub name: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Adjustment {
    pub date: String,
    /// day_off or working_day
    pub kind: String,
    pub name_vi: String,
    pub legal_basis: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DaysOffView {
    pub year: i32,
    /// Weekday days off: public holidays, compensatory days and government decisions.
    pub days_off: Vec<DayOff>,
    /// The editable adjustments of that year (government decisions).
    pub adjustments: Vec<Adjustment>,
}

fn year_param(y: Option<i32>) -> Result<i32, ApiError> {
    let y = y.unwrap_or_else(|| vn_today().year());
    if (2020..=2030).contains(&y) {
        Ok(y)
    } else {
        Err(ApiError(
            DomainError::new(
                ErrorKind::Unprocessable,
                "calendar_year_unsupported",
                format!("Lịch ngày nghỉ có cho các năm 2020–2030 (đã hỏi năm {y})."),
            )
            .with_field("year"),
        ))
    }
}

/// Days off (public holidays, compensatory days, government decisions) of a year.
#[utoipa::path(
    get, path = "/api/v1/reference/calendar/days-off", tag = "reference",
    params(YearQuery),
    responses(
        (status = 200, body = DaysOffView, example = json!({
            "year": 2026,
            "days_off": [
                {"date": "2026-01-01", "date_vn": "01/01/2026", "name": "Tết Dương lịch"},
                {"date": "2026-01-02", "date_vn": "02/01/2026", "name": "Nghỉ hoán đổi dịp Tết Dương lịch"},
                {"date": "2026-02-16", "date_vn": "16/02/2026", "name": "Tết Nguyên đán"}
            ],
            "adjustments": [
                {"date": "2026-01-02", "kind": "day_off", "name_vi": "Nghỉ hoán đổi dịp Tết Dương lịch",
                 "legal_basis": "Công văn 12729/VPCP-KGVX ngày 25/12/2025 (hoán đổi thứ Sáu 02/01 sang thứ Bảy 10/01/2026)"},
                {"date": "2026-01-10", "kind": "working_day", "name_vi": "Làm bù cho ngày nghỉ hoán đổi 02/01/2026",
                 "legal_basis": "Công văn 12729/VPCP-KGVX ngày 25/12/2025 (hoán đổi thứ Sáu 02/01 sang thứ Bảy 10/01/2026)"}
            ]
        })),
        (status = 422, body = ErrorBody),
    )
)]
async fn days_off(
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<YearQuery>,
) -> Result<Json<DaysOffView>, ApiError> {
    let year = year_param(q.year)?;
    let cal = state.app.working_calendar().await?;
    let adjustments = state
        .app
        .store
        .calendar_adjustments()
        .await
        .map_err(DomainError::from)?
        .into_iter()
        .filter(|a| a.day.year() == year)
        .map(|a| Adjustment {
            date: a.day.to_string(),
            kind: a.kind,
            name_vi: a.name_vi,
            legal_basis: a.legal_basis,
        })
        .collect();
    Ok(Json(DaysOffView {
        year,
        days_off: cal
            .days_off(year)
            .into_iter()
            .map(|(d, name)| DayOff {
                date: d.to_string(),
                date_vn: format_vn(d),
                name,
            })
            .collect(),
        adjustments,
    }))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct WorkingDaysQuery {
    /// Start date (YYYY-MM-DD); the first day counted is the next working day after it.
    #[param(example = "2026-02-13")]
    pub from: Option<String>,
    /// Number of working days to add (0–365).
    #[param(example = 5)]
    pub days: Option<u32>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct WorkingDaysResult {
    pub from: String,
    pub days: u32,
    /// The resulting date (YYYY-MM-DD).
    pub date: String,
    /// dd/mm/yyyy
    pub date_vn: String,
}

/// Add working days to a date (the deadline rule of administrative procedures).
#[utoipa::path(
    get, path = "/api/v1/reference/calendar/working-days", tag = "reference",
    params(WorkingDaysQuery),
    responses(
        (status = 200, body = WorkingDaysResult, example = json!({"from": "2026-02-13", "days": 5, "date": "2026-02-27", "date_vn": "27/02/2026"})),
        (status = 400, body = ErrorBody), (status = 422, body = ErrorBody),
    )
)]
async fn add_working_days(
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<WorkingDaysQuery>,
) -> Result<Json<WorkingDaysResult>, ApiError> {
    let from = required_date(q.from.as_deref(), "from")?;
    let days = q.days.unwrap_or(0);
    if days > 365 {
        return Err(ApiError(
            DomainError::new(
                ErrorKind::Unprocessable,
                "working_days_out_of_range",
                "Số ngày làm việc phải từ 0 đến 365.",
            )
            .with_field("days"),
        ));
    }
    let cal = state.app.working_calendar().await?;
    let date = cal.add_working_days(from, days);
    Ok(Json(WorkingDaysResult {
        from: from.to_string(),
        days,
        date: date.to_string(),
        date_vn: format_vn(date),
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AdjustmentRequest {
    /// day_off or working_day
    #[schema(example = "day_off")]
    pub kind: String,
    #[schema(example = "Nghỉ Tết Nguyên đán")]
    pub name_vi: String,
    #[schema(example = "Thông báo của Bộ Nội vụ")]
    pub legal_basis: Option<String>,
}

/// Set the adjustment of a day (administrators): a government-decided day off, or a Saturday
/// made a working day.
#[utoipa::path(
    put, path = "/api/v1/reference/calendar/adjustments/{date}", tag = "reference",
    security(("bearer" = [])),
    params(("date" = String, Path, example = "2026-02-16")),
    request_body(content = AdjustmentRequest, example = json!({
        "kind": "day_off", "name_vi": "Tết Nguyên đán",
        "legal_basis": "Thông báo của Bộ Nội vụ: nghỉ Tết Bính Ngọ từ 14/02 đến hết 22/02/2026"
    })),
    responses((status = 204), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody))
)]
async fn set_adjustment(
    State(state): State<AppState>,
    Meta(meta): Meta,
    ApiActor(actor): ApiActor,
    ApiPath(date): ApiPath<String>,
    ApiJson(req): ApiJson<AdjustmentRequest>,
) -> Result<StatusCode, ApiError> {
    let date = required_date(Some(&date), "date")?;
    let kind = match req.kind.trim() {
        "day_off" => AdjustmentKind::DayOff,
        "working_day" => AdjustmentKind::WorkingDay,
        other => {
            return Err(ApiError(
                DomainError::new(
                    ErrorKind::Unprocessable,
                    "calendar_kind_invalid",
                    format!("Loại điều chỉnh \u{201c}{other}\u{201d} không hợp lệ; dùng day_off hoặc working_day."),
                )
                .with_field("kind"),
            ));
        }
    };
    state
        .app
        .set_calendar_adjustment(
            &actor,
            &meta,
            DayAdjustment {
                date,
                kind,
                name_vi: req.name_vi,
                legal_basis: req.legal_basis,
            },
        )
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Remove the adjustment of a day (administrators).
#[utoipa::path(
    delete, path = "/api/v1/reference/calendar/adjustments/{date}", tag = "reference",
    security(("bearer" = [])),
    params(("date" = String, Path, example = "2026-02-16")),
    responses((status = 204), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody))
)]
async fn delete_adjustment(
    State(state): State<AppState>,
    Meta(meta): Meta,
    ApiActor(actor): ApiActor,
    ApiPath(date): ApiPath<String>,
) -> Result<StatusCode, ApiError> {
    let date = required_date(Some(&date), "date")?;
    state
        .app
        .delete_calendar_adjustment(&actor, &meta, date)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
