//! The person register's merges over the API: merge an entry into another (the same person
//! registered twice), and undo a merge. `GET /api/v1/civil/persons/{id}` then answers with
//! `merged_into` and the entry's merge history (`merges`).

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use tuphap_domain::civil::{PersonMerge, PersonMergeRequest};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::civil::ReasonRequest;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{ApiActor, ApiJson, ApiPath, Meta};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(merge_person))
        .routes(routes!(undo_merge))
}

/// Merge the entry `merged_person_id` into the entry `{id}`, which stays (signers of a commune,
/// province or ministry staff whose jurisdiction covers a record of each entry).
///
/// Direction: `{id}` is the survivor; `merged_person_id` is folded into it. No record is moved:
/// the merged entry points at `{id}`, and `{id}`'s events, derived civil status and the marriage
/// rules then count the records of both. `{id}` takes what it lacks from the merged entry
/// (personal ID, sex, date of birth, death). Refused: different personal IDs, sex, date of
/// birth or death; an entry already merged; `{id}` itself merged or the merged entry having
/// others merged into it (no chains); both in one record; no reason. Audited with the reason.
#[utoipa::path(
    post, path = "/api/v1/civil/persons/{id}/merge", tag = "civil",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "The entry that stays (survivor)")),
    request_body(content = PersonMergeRequest, example = json!({
        "merged_person_id": 1207,
        "reason": "Cùng họ tên, ngày sinh, cha mẹ; đối chiếu bản chính Giấy khai sinh số 12/1993 và CCCD 001093012345"
    })),
    responses(
        (status = 201, body = PersonMerge, example = json!({
            "id": 3, "survivor_id": 1150, "survivor_name": "Nguyễn Văn Nam",
            "merged_id": 1207, "merged_name": "Nguyễn Văn Nam",
            "reason": "Cùng họ tên, ngày sinh, cha mẹ; đối chiếu bản chính Giấy khai sinh số 12/1993 và CCCD 001093012345",
            "merged_by": "Lãnh đạo UBND Phường Ba Đình", "merged_at": "2026-11-20T03:15:00Z",
            "personal_id_moved": "001093012345", "taken": ["personal_id"], "active": true,
            "undone_by": null, "undone_at": null, "undo_reason": null
        })),
        (status = 403, description = "Không phải người ký, Sở hoặc Bộ; hoặc một mục ngoài phạm vi thẩm quyền", body = ErrorBody),
        (status = 404, description = "Không có người này (`person_not_found`)", body = ErrorBody),
        (status = 409, description = "Đã hợp nhất (`person_merge_already_merged`), người giữ lại đã được hợp nhất (`person_merge_survivor_merged`), đã có mục hợp nhất vào người này (`person_merge_has_merged`)", body = ErrorBody),
        (status = 422, description = "Thiếu lý do (`person_merge_reason_required`), cùng một mục (`person_merge_same_person`), khác số định danh (`person_merge_personal_id_differs`), giới tính (`person_merge_sex_differs`), ngày sinh (`person_merge_birth_differs`), ngày chết (`person_merge_death_differs`), cùng trong một hồ sơ (`person_merge_same_record`)", body = ErrorBody),
    )
)]
async fn merge_person(
    State(state): State<AppState>,
    Meta(meta): Meta,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(req): ApiJson<PersonMergeRequest>,
) -> Result<(StatusCode, Json<PersonMerge>), ApiError> {
    let m = state
        .app
        .merge_persons(&actor, &meta, id, req.merged_person_id, &req.reason)
        .await?;
    Ok((StatusCode::CREATED, Json(m)))
}

/// Undo a merge with a reason: the merged entry stands on its own again with its records, and
/// the survivor gives back what it took (a personal ID returns to the merged entry). The merge
/// stays in both entries' history, marked undone. Same permissions as merging.
#[utoipa::path(
    post, path = "/api/v1/civil/person-merges/{merge_id}/undo", tag = "civil",
    security(("bearer" = [])),
    params(("merge_id" = i64, Path)),
    request_body(content = ReasonRequest, example = json!({
        "reason": "Xác minh lại: hai người trùng họ tên, ngày sinh nhưng khác cha mẹ"
    })),
    responses(
        (status = 200, body = PersonMerge, example = json!({
            "id": 3, "survivor_id": 1150, "survivor_name": "Nguyễn Văn Nam",
            "merged_id": 1207, "merged_name": "Nguyễn Văn Nam",
            "reason": "Cùng họ tên, ngày sinh, cha mẹ; đối chiếu bản chính Giấy khai sinh số 12/1993 và CCCD 001093012345",
            "merged_by": "Lãnh đạo UBND Phường Ba Đình", "merged_at": "2026-11-20T03:15:00Z",
            "personal_id_moved": "001093012345", "taken": ["personal_id"], "active": false,
            "undone_by": "Sở Tư pháp Hà Nội", "undone_at": "2026-11-21T02:00:00Z",
            "undo_reason": "Xác minh lại: hai người trùng họ tên, ngày sinh nhưng khác cha mẹ"
        })),
        (status = 403, body = ErrorBody),
        (status = 404, description = "Không có lần hợp nhất này (`person_merge_not_found`)", body = ErrorBody),
        (status = 409, description = "Đã hủy (`person_merge_already_undone`)", body = ErrorBody),
        (status = 422, description = "Thiếu lý do (`person_merge_reason_required`)", body = ErrorBody),
    )
)]
async fn undo_merge(
    State(state): State<AppState>,
    Meta(meta): Meta,
    ApiActor(actor): ApiActor,
    ApiPath(merge_id): ApiPath<i64>,
    ApiJson(req): ApiJson<ReasonRequest>,
) -> Result<Json<PersonMerge>, ApiError> {
    Ok(Json(
        state
            .app
            .undo_person_merge(&actor, &meta, merge_id, &req.reason)
            .await?,
    ))
}
