//! Civil-status registry API: declare, register, return/reject, read, work queues.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use tuphap_domain::civil::{
    AdoptionRegistration, AmendmentRequest, BirthDeclaration, DeathDeclaration, Declared,
    DivorceRecording, MaritalStatusRequest, MarriageDeclaration, ParentageRecognition, RecordView,
    Registered, register_text,
};
use tuphap_domain::civil::{
    AdoptionTermination, GuardianshipChange, GuardianshipEnd, GuardianshipRegistration,
};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::error::{ApiError, ErrorBody};
use crate::extract::{ApiActor, ApiJson, ApiJsonOpt, ApiPath, ApiQuery, Meta};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(declare_birth))
        .routes(routes!(declare_death))
        .routes(routes!(declare_marriage))
        .routes(routes!(declare_divorce))
        .routes(routes!(declare_marital_status))
        .routes(routes!(declare_amendment))
        .routes(routes!(declare_parentage))
        .routes(routes!(declare_adoption))
        .routes(routes!(declare_adoption_termination))
        .routes(routes!(declare_guardianship))
        .routes(routes!(declare_guardianship_change))
        .routes(routes!(declare_guardianship_end))
        .routes(routes!(register))
        .routes(routes!(return_record))
        .routes(routes!(reject_record))
        .routes(routes!(get_record))
        .routes(routes!(queue))
        .routes(routes!(certificate))
        .routes(routes!(linked_steps))
        .routes(routes!(certificate_pdf))
        .routes(routes!(revoke_certificates))
        .routes(routes!(verify_code))
        .routes(routes!(get_person))
}

/// Declare a birth at the caller's office (officer or signer of a commune).
///
/// The office must be competent: the commune where the mother or the father resides (Luật Hộ
/// tịch 2014, Điều 13). A birth declared more than 60 days after it happened is flagged `late`.
/// Candidate duplicates (same folded name and date of birth) are returned with scores.
#[utoipa::path(
    post, path = "/api/v1/civil/births", tag = "civil",
    security(("bearer" = [])),
    request_body(content = BirthDeclaration, example = json!({
        "child": {"full_name": "Nguyễn Thị Hương", "sex": "female", "date_of_birth": "2026-11-20",
                  "place_of_birth": {"admin_unit_code": "00004", "detail": "Bệnh viện Phụ sản Hà Nội"},
                  "ethnicity_code": "01", "nationality_code": "VN"},
        "mother": {"full_name": "Trần Thị Mai", "date_of_birth": "1995-03-14", "personal_id": "001195012345",
                   "ethnicity_code": "01", "nationality_code": "VN",
                   "residence": {"admin_unit_code": "00004", "detail": "12 phố Quán Thánh"}},
        "father": {"full_name": "Nguyễn Văn Nam", "date_of_birth": "1993-07-02",
                   "ethnicity_code": "01", "nationality_code": "VN",
                   "residence": {"admin_unit_code": "00004", "detail": "12 phố Quán Thánh"}},
        "declarant": {"full_name": "Trần Thị Mai", "relationship": "mẹ"}
    })),
    responses(
        (status = 201, description = "Đã tiếp nhận", body = Declared, example = json!({
            "id": 294, "status": "declared", "late": false,
            "duplicates": [{"record_id": 291, "status": "declared", "score": 100, "probable": true,
                            "matched": ["full_name", "date_of_birth", "sex", "mother_name", "father_name", "place_of_birth"]}]
        })),
        (status = 401, body = ErrorBody), (status = 403, description = "Không có thẩm quyền", body = ErrorBody),
        (status = 422, description = "Dữ liệu không hợp lệ (mã lỗi và trường)", body = ErrorBody),
    )
)]
async fn declare_birth(
    State(state): State<AppState>,
    Meta(meta): Meta,
    ApiActor(actor): ApiActor,
    ApiJson(d): ApiJson<BirthDeclaration>,
) -> Result<(StatusCode, Json<Declared>), ApiError> {
    let r = state.app.declare_birth(&actor, &meta, d).await?;
    Ok((StatusCode::CREATED, Json(r)))
}

/// Declare a death at the caller's office (the commune of the last residence, or of the place of
/// death when the residence is unknown). A person whose death is already declared or registered
/// is refused (409 `death_already_registered`); more than 15 days after the death is `late`.
#[utoipa::path(
    post, path = "/api/v1/civil/deaths", tag = "civil",
    security(("bearer" = [])),
    request_body(content = DeathDeclaration, example = json!({
        "deceased": {"personal_id": "001045000123", "full_name": "Lê Văn Bình", "sex": "male", "date_of_birth": "1945-05-19",
                     "residence": {"admin_unit_code": "00004", "detail": "5 phố Phan Đình Phùng"}},
        "date_of_death": "2026-11-20",
        "place_of_death": {"admin_unit_code": "00004", "detail": "Tại nhà"},
        "cause": "Bệnh già",
        "declarant": {"full_name": "Lê Thị Lan", "relationship": "con"}
    })),
    responses(
        (status = 201, body = Declared, example = json!({"id": 292, "status": "declared", "late": false, "duplicates": []})),
        (status = 403, body = ErrorBody),
        (status = 409, description = "Đã đăng ký khai tử (`death_already_registered`)", body = ErrorBody),
        (status = 422, body = ErrorBody),
    )
)]
async fn declare_death(
    State(state): State<AppState>,
    Meta(meta): Meta,
    ApiActor(actor): ApiActor,
    ApiJson(d): ApiJson<DeathDeclaration>,
) -> Result<(StatusCode, Json<Declared>), ApiError> {
    let r = state.app.declare_death(&actor, &meta, d).await?;
    Ok((StatusCode::CREATED, Json(r)))
}

/// Record a court's divorce or annulment of a registered marriage (ghi vào sổ việc ly hôn, hủy
/// việc kết hôn trái pháp luật) at the office holding the marriage's book. Once a signer
/// registers it (`POST /api/v1/civil/records/{id}/register`), the marriage has ended: the spouses'
/// status is derived as divorced and they may marry again.
#[utoipa::path(
    post, path = "/api/v1/civil/divorces", tag = "civil",
    security(("bearer" = [])),
    request_body(content = DivorceRecording, example = json!({
        "marriage_record_id": 42,
        "decision": {"kind": "divorce", "court": "Tòa án nhân dân khu vực 1 – Hà Nội",
                     "number": "125/2026/HNGĐ-ST", "decided_on": "2026-10-01", "effective_on": "2026-10-16"}
    })),
    responses(
        (status = 201, body = Declared, example = json!({"id": 311, "status": "declared", "late": false, "duplicates": []})),
        (status = 403, description = "Việc kết hôn thuộc sổ của cơ quan khác", body = ErrorBody),
        (status = 404, description = "Không có việc kết hôn này (`marriage_not_found`)", body = ErrorBody),
        (status = 409, description = "Đã chấm dứt (`marriage_already_ended`, `marriage_ended_by_death`), đang chờ (`divorce_already_declared`), chưa đăng ký (`marriage_not_registered`)", body = ErrorBody),
        (status = 422, body = ErrorBody),
    )
)]
async fn declare_divorce(
    State(state): State<AppState>,
    Meta(meta): Meta,
    ApiActor(actor): ApiActor,
    ApiJson(d): ApiJson<DivorceRecording>,
) -> Result<(StatusCode, Json<Declared>), ApiError> {
    let r = state.app.declare_divorce(&actor, &meta, d).await?;
    Ok((StatusCode::CREATED, Json(r)))
}

/// Request a marital-status certificate (Giấy xác nhận tình trạng hôn nhân) at the commune of
/// the applicant's residence. The status is derived from the registry (marriages, recorded
/// divorces, spouses' deaths); for marrying it is refused while the registry shows a current
/// marriage (409 `marital_status_married`). Valid 6 months from issue, for the stated purpose.
#[utoipa::path(
    post, path = "/api/v1/civil/marital-status", tag = "civil",
    security(("bearer" = [])),
    request_body(content = MaritalStatusRequest, example = json!({
        "applicant": {"full_name": "Nguyễn Thị Lan", "sex": "female", "date_of_birth": "1994-05-12",
                      "personal_id": "001194012345", "ethnicity_code": "01", "nationality_code": "VN",
                      "residence": {"admin_unit_code": "00004", "detail": "12 phố Đội Cấn"}},
        "purpose": {"kind": "marriage", "intended_spouse": {"full_name": "Trần Văn Bình", "date_of_birth": "1992-08-20", "nationality_code": "VN"},
                    "marriage_place": "UBND phường Ba Đình, Thành phố Hà Nội"},
        "residence_from": "2012-05-12"
    })),
    responses(
        (status = 201, body = Declared, example = json!({"id": 312, "status": "declared", "late": false, "duplicates": []})),
        (status = 403, description = "Không phải xã nơi cư trú của người yêu cầu", body = ErrorBody),
        (status = 409, description = "Đang có vợ/chồng (`marital_status_married`), đã chết (`marital_status_person_deceased`), giấy cũ còn hạn chưa nộp lại (`marital_status_previous_valid`)", body = ErrorBody),
        (status = 422, body = ErrorBody),
    )
)]
async fn declare_marital_status(
    State(state): State<AppState>,
    Meta(meta): Meta,
    ApiActor(actor): ApiActor,
    ApiJson(r): ApiJson<MaritalStatusRequest>,
) -> Result<(StatusCode, Json<Declared>), ApiError> {
    let r = state.app.declare_marital_status(&actor, &meta, r).await?;
    Ok((StatusCode::CREATED, Json(r)))
}

/// Request a change, correction, supplement or ethnicity redetermination of a registered record
/// (thay đổi, cải chính, bổ sung hộ tịch, xác định lại dân tộc; Luật Hộ tịch 2014, Điều 26–29).
/// Each change names a field of the record's content by its dotted path; the amended content must
/// pass the checks of its kind. When a signer registers the request, the record gets a new
/// version: certificates of the earlier version verify as `superseded`, the next print issues a
/// new one.
#[utoipa::path(
    post, path = "/api/v1/civil/amendments", tag = "civil",
    security(("bearer" = [])),
    request_body(content = AmendmentRequest, example = json!({
        "target_record_id": 12, "kind": "correction",
        "changes": [{"field": "child.date_of_birth", "to": "2026-10-05"}],
        "reason": "Ngày sinh ghi sai so với Giấy chứng sinh",
        "legal_basis": "Luật Hộ tịch 2014, Điều 26; Nghị định 123/2015/NĐ-CP, Điều 7",
        "evidence": "Giấy chứng sinh số 123/GCS ngày 05/10/2026 của Bệnh viện Phụ sản Hà Nội",
        "requester": {"full_name": "Trần Thị Mai", "relationship": "mẹ"}
    })),
    responses(
        (status = 201, body = Declared, example = json!({"id": 313, "status": "declared", "late": false, "duplicates": []})),
        (status = 403, description = "Hồ sơ thuộc sổ của cơ quan khác", body = ErrorBody),
        (status = 404, description = "Không có hồ sơ (`civil_record_not_found`)", body = ErrorBody),
        (status = 409, description = "Hồ sơ chưa đăng ký (`amendment_target_not_registered`), đang có yêu cầu khác (`amendment_pending`), nội dung trong sổ khác `from` (`amendment_value_changed`)", body = ErrorBody),
        (status = 422, description = "Mục không có (`amendment_field_unknown`), nội dung như cũ (`amendment_same_value`), loại yêu cầu không hợp (`amendment_kind_mismatch`), hoặc nội dung mới không qua được kiểm tra của loại hồ sơ", body = ErrorBody),
    )
)]
async fn declare_amendment(
    State(state): State<AppState>,
    Meta(meta): Meta,
    ApiActor(actor): ApiActor,
    ApiJson(r): ApiJson<AmendmentRequest>,
) -> Result<(StatusCode, Json<Declared>), ApiError> {
    let r = state.app.declare_amendment(&actor, &meta, r).await?;
    Ok((StatusCode::CREATED, Json(r)))
}

/// Recognise the father or the mother of a child whose birth is registered (đăng ký nhận cha,
/// mẹ, con; Luật Hộ tịch 2014, Điều 24–25). When a signer registers it, the birth record gets a
/// new version naming the parent: the next birth certificate prints them, the earlier one
/// verifies as `superseded`.
#[utoipa::path(
    post, path = "/api/v1/civil/parentage", tag = "civil",
    security(("bearer" = [])),
    request_body(content = ParentageRecognition, example = json!({
        "birth_record_id": 12, "role": "father",
        "parent": {"full_name": "Nguyễn Văn Nam", "date_of_birth": "1993-07-02", "personal_id": "001093012345",
                   "ethnicity_code": "01", "nationality_code": "VN", "residence": {"admin_unit_code": "00004"}},
        "evidence": "Kết quả giám định ADN số 45/GĐ ngày 01/11/2026 của Viện Pháp y Quốc gia",
        "requester": {"full_name": "Nguyễn Văn Nam", "relationship": "cha"}
    })),
    responses(
        (status = 201, body = Declared, example = json!({"id": 314, "status": "declared", "late": false, "duplicates": []})),
        (status = 403, description = "Hồ sơ khai sinh thuộc sổ của cơ quan khác", body = ErrorBody),
        (status = 404, description = "Không có hồ sơ khai sinh (`birth_not_found`)", body = ErrorBody),
        (status = 409, description = "Đã ghi cha/mẹ (`parentage_parent_recorded`), đang chờ (`parentage_pending`), người được nhận đã chết (`parentage_parent_deceased`), khai sinh chưa đăng ký (`parentage_birth_not_registered`)", body = ErrorBody),
        (status = 422, body = ErrorBody),
    )
)]
async fn declare_parentage(
    State(state): State<AppState>,
    Meta(meta): Meta,
    ApiActor(actor): ApiActor,
    ApiJson(r): ApiJson<ParentageRecognition>,
) -> Result<(StatusCode, Json<Declared>), ApiError> {
    let r = state.app.declare_parentage(&actor, &meta, r).await?;
    Ok((StatusCode::CREATED, Json(r)))
}

/// Register a domestic adoption (đăng ký nuôi con nuôi; Luật Nuôi con nuôi 2010). The child is
/// under 16, each adoptive parent at least 20 years older; when a signer registers it, the
/// adoptive parents are linked to the child's birth record.
#[utoipa::path(
    post, path = "/api/v1/civil/adoptions", tag = "civil",
    security(("bearer" = [])),
    request_body(content = AdoptionRegistration, example = json!({
        "birth_record_id": 12,
        "adoptive_father": {"full_name": "Phạm Văn Hải", "date_of_birth": "1980-02-02", "personal_id": "001080002222",
                            "ethnicity_code": "01", "nationality_code": "VN", "residence": {"admin_unit_code": "00004"}},
        "adoptive_mother": null,
        "evidence": "Văn bản đồng ý của mẹ đẻ ngày 01/11/2026",
        "requester": {"full_name": "Phạm Văn Hải", "relationship": "cha nuôi"}
    })),
    responses(
        (status = 201, body = Declared, example = json!({"id": 315, "status": "declared", "late": false, "duplicates": []})),
        (status = 403, description = "Hồ sơ khai sinh thuộc sổ của cơ quan khác", body = ErrorBody),
        (status = 404, description = "Không có hồ sơ khai sinh (`birth_not_found`)", body = ErrorBody),
        (status = 409, description = "Đã là con nuôi (`adoption_exists`), đang chờ (`adoption_pending`), người đã chết", body = ErrorBody),
        (status = 422, description = "Con đủ 16 tuổi (`adoption_child_too_old`), chênh lệch dưới 20 tuổi (`adoption_age_gap`), cha mẹ đẻ (`adoption_birth_parent`)", body = ErrorBody),
    )
)]
async fn declare_adoption(
    State(state): State<AppState>,
    Meta(meta): Meta,
    ApiActor(actor): ApiActor,
    ApiJson(r): ApiJson<AdoptionRegistration>,
) -> Result<(StatusCode, Json<Declared>), ApiError> {
    let r = state.app.declare_adoption(&actor, &meta, r).await?;
    Ok((StatusCode::CREATED, Json(r)))
}

/// Record a court's decision ending a registered adoption (ghi vào sổ việc chấm dứt nuôi con
/// nuôi; Luật Nuôi con nuôi 2010, Điều 25–27). When a signer registers it, the adoptive parents
/// are unlinked from the child's birth record (the adoption record keeps them).
#[utoipa::path(
    post, path = "/api/v1/civil/adoption-terminations", tag = "civil",
    security(("bearer" = [])),
    request_body(content = AdoptionTermination, example = json!({
        "adoption_record_id": 315,
        "decision": {"court": "Tòa án nhân dân khu vực 1 – Hà Nội", "number": "15/2026/QĐ-CCNCN",
                     "decided_on": "2026-10-01", "effective_on": "2026-10-16"}
    })),
    responses(
        (status = 201, body = Declared, example = json!({"id": 320, "status": "declared", "late": false, "duplicates": []})),
        (status = 403, description = "Hồ sơ nuôi con nuôi thuộc sổ của cơ quan khác", body = ErrorBody),
        (status = 404, description = "Không có hồ sơ nuôi con nuôi (`adoption_not_found`)", body = ErrorBody),
        (status = 409, description = "Đã chấm dứt (`adoption_already_terminated`), đang chờ (`adoption_termination_pending`), chưa đăng ký (`adoption_not_registered`)", body = ErrorBody),
        (status = 422, description = "Thiếu Tòa án, số (`adoption_termination_court_missing`, `adoption_termination_number_missing`), ngày hiệu lực sai (`adoption_termination_effective_before_decision`, `adoption_termination_before_adoption`)", body = ErrorBody),
    )
)]
async fn declare_adoption_termination(
    State(state): State<AppState>,
    Meta(meta): Meta,
    ApiActor(actor): ApiActor,
    ApiJson(t): ApiJson<AdoptionTermination>,
) -> Result<(StatusCode, Json<Declared>), ApiError> {
    let r = state
        .app
        .declare_adoption_termination(&actor, &meta, t)
        .await?;
    Ok((StatusCode::CREATED, Json(r)))
}

/// Register a guardianship (đăng ký giám hộ cử or đương nhiên; Luật Hộ tịch 2014, Điều 19–21) at
/// the commune where the ward or the guardian resides. The guardian is an adult who is alive and
/// not under guardianship (Bộ luật Dân sự 2015, Điều 49); a ward has one guardian (Điều 47.2).
#[utoipa::path(
    post, path = "/api/v1/civil/guardianships", tag = "civil",
    security(("bearer" = [])),
    request_body(content = GuardianshipRegistration, example = json!({
        "kind": "statutory", "ward_situation": "minor", "ward_birth_record_id": 12, "ward": null,
        "guardian": {"full_name": "Lê Văn Bình", "sex": "male", "date_of_birth": "1960-04-10",
                     "personal_id": "001060004444", "ethnicity_code": "01", "nationality_code": "VN",
                     "residence": {"admin_unit_code": "00004"}},
        "basis": "Ông nội; cha mẹ đã chết (trích lục khai tử số 5/2025)",
        "court_decision": null,
        "requester": {"full_name": "Lê Văn Bình", "relationship": "ông nội"}
    })),
    responses(
        (status = 201, body = Declared, example = json!({"id": 40, "status": "declared", "late": false, "duplicates": []})),
        (status = 403, description = "Cơ quan không có thẩm quyền (`civil_office_not_competent`)", body = ErrorBody),
        (status = 404, description = "Không có hồ sơ khai sinh (`birth_not_found`)", body = ErrorBody),
        (status = 409, description = "Đang có người giám hộ (`guardianship_exists`), đang chờ (`guardianship_pending`), người đã chết (`guardianship_person_deceased`), người giám hộ đang được giám hộ (`guardianship_guardian_under_guardianship`)", body = ErrorBody),
        (status = 422, description = "Người giám hộ chưa đủ 18 tuổi (`guardianship_guardian_minor`), người được giám hộ đã thành niên (`guardianship_ward_adult`), thiếu quyết định của Tòa án (`guardianship_court_decision_required`), tự giám hộ (`guardianship_self`)", body = ErrorBody),
    )
)]
async fn declare_guardianship(
    State(state): State<AppState>,
    Meta(meta): Meta,
    ApiActor(actor): ApiActor,
    ApiJson(r): ApiJson<GuardianshipRegistration>,
) -> Result<(StatusCode, Json<Declared>), ApiError> {
    let r = state.app.declare_guardianship(&actor, &meta, r).await?;
    Ok((StatusCode::CREATED, Json(r)))
}

/// Change the guardian of a current guardianship (thay đổi người giám hộ; Luật Hộ tịch 2014,
/// Điều 23; Bộ luật Dân sự 2015, Điều 60), at the office holding its book. Registering it ends
/// the current guardianship and starts the new guardian on the same day.
#[utoipa::path(
    post, path = "/api/v1/civil/guardianship-changes", tag = "civil",
    security(("bearer" = [])),
    request_body(content = GuardianshipChange, example = json!({
        "guardianship_record_id": 40,
        "new_guardian": {"full_name": "Phạm Thị Lan", "sex": "female", "date_of_birth": "1962-08-01",
                         "personal_id": null, "ethnicity_code": "01", "nationality_code": "VN",
                         "residence": {"admin_unit_code": "00004"}},
        "reason": "Người giám hộ cũ ốm nặng, đề nghị thay đổi; bà nội đồng ý làm người giám hộ",
        "basis": "Bà nội",
        "requester": {"full_name": "Phạm Thị Lan", "relationship": "bà nội"}
    })),
    responses(
        (status = 201, body = Declared, example = json!({"id": 41, "status": "declared", "late": false, "duplicates": []})),
        (status = 403, description = "Việc giám hộ thuộc sổ của cơ quan khác", body = ErrorBody),
        (status = 404, description = "Không có hồ sơ giám hộ (`guardianship_not_found`)", body = ErrorBody),
        (status = 409, description = "Đã chấm dứt (`guardianship_ended`), đang chờ (`guardianship_pending`)", body = ErrorBody),
        (status = 422, description = "Người giám hộ mới không đủ điều kiện (`guardianship_guardian_minor`, `guardianship_same_guardian`, `guardianship_self`)", body = ErrorBody),
    )
)]
async fn declare_guardianship_change(
    State(state): State<AppState>,
    Meta(meta): Meta,
    ApiActor(actor): ApiActor,
    ApiJson(r): ApiJson<GuardianshipChange>,
) -> Result<(StatusCode, Json<Declared>), ApiError> {
    let r = state
        .app
        .declare_guardianship_change(&actor, &meta, r)
        .await?;
    Ok((StatusCode::CREATED, Json(r)))
}

/// End a guardianship (chấm dứt giám hộ; Luật Hộ tịch 2014, Điều 22; Bộ luật Dân sự 2015, Điều
/// 62), at the office that registered it. Grounds: `ward_full_capacity`, `ward_deceased`,
/// `parents_able`, `ward_adopted`.
#[utoipa::path(
    post, path = "/api/v1/civil/guardianship-ends", tag = "civil",
    security(("bearer" = [])),
    request_body(content = GuardianshipEnd, example = json!({
        "guardianship_record_id": 40, "grounds": "ward_full_capacity", "ended_on": "2026-11-20",
        "evidence": "Người được giám hộ đã đủ 18 tuổi (giấy khai sinh số 12/2008)",
        "requester": {"full_name": "Lê Văn Bình", "relationship": "người giám hộ"}
    })),
    responses(
        (status = 201, body = Declared, example = json!({"id": 42, "status": "declared", "late": false, "duplicates": []})),
        (status = 403, description = "Việc giám hộ thuộc sổ của cơ quan khác", body = ErrorBody),
        (status = 404, description = "Không có hồ sơ giám hộ (`guardianship_not_found`)", body = ErrorBody),
        (status = 409, description = "Đã chấm dứt (`guardianship_ended`), đang chờ (`guardianship_pending`), chưa có việc nuôi con nuôi (`guardianship_end_not_adopted`)", body = ErrorBody),
        (status = 422, description = "Căn cứ không hợp lệ (`guardianship_end_grounds_invalid`), người được giám hộ chưa đủ 18 tuổi (`guardianship_end_ward_minor`), trước ngày đăng ký (`guardianship_end_before_start`)", body = ErrorBody),
    )
)]
async fn declare_guardianship_end(
    State(state): State<AppState>,
    Meta(meta): Meta,
    ApiActor(actor): ApiActor,
    ApiJson(r): ApiJson<GuardianshipEnd>,
) -> Result<(StatusCode, Json<Declared>), ApiError> {
    let r = state.app.declare_guardianship_end(&actor, &meta, r).await?;
    Ok((StatusCode::CREATED, Json(r)))
}

/// Declare a marriage at the caller's office (the commune where either party resides).
///
/// Refused with a code when the registry shows: a husband under 20 or a wife under 18 full years
/// (`marriage_husband_under_age`, `marriage_wife_under_age`, 422), a party already married
/// (`marriage_already_married`, 409) or deceased (`marriage_partner_deceased`, 409), or a
/// prohibited relationship (`marriage_direct_line`, `marriage_siblings`, …, 422). The rules are
/// checked again when the marriage is registered.
#[utoipa::path(
    post, path = "/api/v1/civil/marriages", tag = "civil",
    security(("bearer" = [])),
    request_body(content = MarriageDeclaration, example = json!({
        "husband": {"full_name": "Nguyễn Văn Nam", "date_of_birth": "1993-07-02", "personal_id": "001093012345",
                    "ethnicity_code": "01", "nationality_code": "VN", "residence": {"admin_unit_code": "00004"}},
        "wife": {"full_name": "Trần Thị Mai", "date_of_birth": "1995-03-14", "personal_id": "001195012345",
                 "ethnicity_code": "01", "nationality_code": "VN", "residence": {"admin_unit_code": "00004"}}
    })),
    responses(
        (status = 201, body = Declared, example = json!({"id": 293, "status": "declared", "late": false, "duplicates": []})),
        (status = 403, body = ErrorBody),
        (status = 409, description = "Một bên đang có vợ/chồng hoặc đã chết", body = ErrorBody),
        (status = 422, description = "Chưa đủ tuổi, quan hệ cấm kết hôn, dữ liệu sai", body = ErrorBody),
    )
)]
async fn declare_marriage(
    State(state): State<AppState>,
    Meta(meta): Meta,
    ApiActor(actor): ApiActor,
    ApiJson(d): ApiJson<MarriageDeclaration>,
) -> Result<(StatusCode, Json<Declared>), ApiError> {
    let r = state.app.declare_marriage(&actor, &meta, d).await?;
    Ok((StatusCode::CREATED, Json(r)))
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegisterRequest {
    /// Required when a probable duplicate exists: why this is a different event.
    pub duplicate_override_reason: Option<String>,
}

/// Register a declared record (signers of the registering office): allocates "Số: N, Quyển
/// số: K/YYYY" in the office's book of that kind and year, gapless.
#[utoipa::path(
    post, path = "/api/v1/civil/records/{id}/register", tag = "civil",
    security(("bearer" = [])),
    params(("id" = i64, Path)),
    request_body(content = Option<RegisterRequest>, example = json!({})),
    responses(
        (status = 200, body = Registered, example = json!({"id": 1, "register_number": 1, "book": "01", "year": 2026, "register_text": "Số: 1, Quyển số: 01/2026", "registered_at": "2026-11-27"})),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, description = "Không ở trạng thái chờ ký, hoặc cần lý do vượt qua hồ sơ trùng (`duplicate_override_required`)", body = ErrorBody),
    )
)]
async fn register(
    State(state): State<AppState>,
    Meta(meta): Meta,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJsonOpt(body): ApiJsonOpt<RegisterRequest>,
) -> Result<Json<Registered>, ApiError> {
    let req = body.unwrap_or_default();
    let r = state
        .app
        .register_record(&actor, &meta, id, req.duplicate_override_reason)
        .await?;
    Ok(Json(r))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReasonRequest {
    #[schema(example = "Thiếu giấy chứng sinh")]
    pub reason: String,
}

/// Return a declared record to the officer with a reason.
#[utoipa::path(
    post, path = "/api/v1/civil/records/{id}/return", tag = "civil",
    security(("bearer" = [])),
    params(("id" = i64, Path)),
    request_body(content = ReasonRequest, example = json!({"reason": "Thiếu giấy chứng sinh của cơ sở y tế"})),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody))
)]
async fn return_record(
    State(state): State<AppState>,
    Meta(meta): Meta,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(req): ApiJson<ReasonRequest>,
) -> Result<StatusCode, ApiError> {
    state
        .app
        .decide_record(&actor, &meta, id, false, &req.reason)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Reject a declared record with a reason (final).
#[utoipa::path(
    post, path = "/api/v1/civil/records/{id}/reject", tag = "civil",
    security(("bearer" = [])),
    params(("id" = i64, Path)),
    request_body(content = ReasonRequest, example = json!({"reason": "Sự kiện đã được đăng ký tại UBND phường khác (trùng)"})),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody))
)]
async fn reject_record(
    State(state): State<AppState>,
    Meta(meta): Meta,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(req): ApiJson<ReasonRequest>,
) -> Result<StatusCode, ApiError> {
    state
        .app
        .decide_record(&actor, &meta, id, true, &req.reason)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A record with its persons and version history (403 outside the caller's jurisdiction; the
/// attempt is audited).
#[utoipa::path(
    get, path = "/api/v1/civil/records/{id}", tag = "civil",
    security(("bearer" = [])),
    params(("id" = i64, Path)),
    responses(
        (status = 200, body = RecordView, example = json!({
            "id": 42, "kind": "birth", "status": "registered", "office_code": "UBND-00004",
            "office_name": "UBND Phường Ba Đình", "event_date": "2026-11-20", "late": false,
            "register_text": "Số: 1, Quyển số: 01/2026", "registered_on": "2026-11-27",
            "status_reason": null, "duplicate_override_reason": null, "version": 1,
            "data": {"child": {"full_name": "Nguyễn Thị Hương", "sex": "female", "date_of_birth": "2026-11-20"}},
            "persons": [{"role": "child", "person_id": 101, "full_name": "Nguyễn Thị Hương", "personal_id": null},
                        {"role": "mother", "person_id": 100, "full_name": "Trần Thị Mai", "personal_id": "001195012345"}],
            "history": [{"version": 1, "created_at": "2026-11-27T02:15:00Z", "created_by": 3, "reason": null}]
        })),
        (status = 403, description = "Ngoài phạm vi quản lý (được ghi nhật ký)", body = ErrorBody),
        (status = 404, body = ErrorBody),
    )
)]
async fn get_record(
    State(state): State<AppState>,
    Meta(meta): Meta,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<RecordView>, ApiError> {
    Ok(Json(state.app.get_record(&actor, &meta, id).await?))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct QueueQuery {
    /// declared (to sign), returned, rejected, registered (to print), certificate_issued.
    #[param(example = "declared")]
    pub status: String,
    /// Continue after this record id.
    pub after: Option<i64>,
    /// 1–500, default 100.
    pub limit: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct QueueItem {
    pub id: i64,
    pub kind: String,
    pub status: String,
    pub event_date: String,
    pub late: bool,
    pub register_text: Option<String>,
    pub status_reason: Option<String>,
}

/// The caller's office's work queue for a status, oldest first.
#[utoipa::path(
    get, path = "/api/v1/civil/queue", tag = "civil",
    security(("bearer" = [])),
    params(QueueQuery),
    responses(
        (status = 200, body = Vec<QueueItem>, example = json!([
            {"id": 42, "kind": "birth", "status": "declared", "event_date": "2026-11-20", "late": false,
             "register_text": null, "status_reason": null},
            {"id": 43, "kind": "death", "status": "declared", "event_date": "2026-10-01", "late": true,
             "register_text": null, "status_reason": null}
        ])),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
    )
)]
async fn queue(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiQuery(q): ApiQuery<QueueQuery>,
) -> Result<Json<Vec<QueueItem>>, ApiError> {
    let rows = state
        .app
        .record_queue(&actor, &q.status, q.after, q.limit.unwrap_or(100))
        .await?;
    Ok(Json(
        rows.into_iter()
            .map(|r| QueueItem {
                register_text: match (
                    r.register_number,
                    r.register_book.as_deref(),
                    r.register_year,
                ) {
                    (Some(n), Some(b), Some(y)) => Some(register_text(n, b, y)),
                    _ => None,
                },
                id: r.id,
                kind: r.kind,
                status: r.status,
                event_date: r.event_date.to_string(),
                late: r.late,
                status_reason: r.status_reason,
            })
            .collect(),
    ))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CertificateInfo {
    pub record_id: i64,
    #[schema(example = "birth")]
    pub kind: String,
    /// The text of the certificate's QR code: `VNHT1.<payload>.<signature>`.
    pub verification_code: String,
    /// YYYY-MM-DD
    pub issued_on: String,
    /// Where to download the PDF.
    pub pdf_url: String,
}

/// Issue (or re-print) the certificate of a registered record: its signed verification code.
/// The first issue marks the record `certificate_issued`; later calls for the same version of the
/// record return the same code.
#[utoipa::path(
    get, path = "/api/v1/civil/records/{id}/certificate", tag = "civil",
    security(("bearer" = [])),
    params(("id" = i64, Path)),
    responses(
        (status = 200, body = CertificateInfo, example = json!({
            "record_id": 42, "kind": "birth",
            "verification_code": "VNHT1.MXxifDQyfDF8MDF8MjAyNnxVQk5ELTAwMDA0fE5ndXnhu4VuIFRo4buLIEjGsMahbmd8fDIwMjYtMTEtMjB8MjAyNi0xMS0yN3xrMQ.c2lnbmF0dXJl",
            "issued_on": "2026-11-27", "pdf_url": "/api/v1/civil/records/42/certificate.pdf"
        })),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, description = "Chưa đăng ký (`civil_record_not_registered`)", body = ErrorBody),
    )
)]
async fn certificate(
    State(state): State<AppState>,
    Meta(meta): Meta,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<CertificateInfo>, ApiError> {
    let c = state.app.issue_certificate(&actor, &meta, id).await?;
    Ok(Json(CertificateInfo {
        record_id: c.record_id,
        kind: c.kind.as_str().to_string(),
        verification_code: c.code,
        issued_on: c.issued_on.to_string(),
        pdf_url: format!("/api/v1/civil/records/{id}/certificate.pdf"),
    }))
}

/// The linked procedure of a registered birth or death with partner agencies over the exchange
/// platform: each step (population database, residence, social insurance), its state
/// (`not_started`, `not_applicable`, `pending`, `sending`, `retrying`, `done`, `skipped`,
/// `failed`), attempts, the last error and what the agency gave. Empty for other kinds.
#[utoipa::path(
    get, path = "/api/v1/civil/records/{id}/linked", tag = "civil",
    security(("bearer" = [])),
    params(("id" = i64, Path)),
    responses(
        (status = 200, body = Vec<tuphap_domain::exchange::linked::LinkedStepView>, example = json!([
            {"provider": "VN/GOV/BCA/CSDLQGDC", "service": "assignPersonalId",
             "label": "Cấp số định danh cá nhân (CSDL quốc gia về dân cư)", "state": "done",
             "state_label": "Đã xong", "attempts": 1, "detail": null,
             "result": "Số định danh cá nhân: 001226000123", "result_value": "001226000123",
             "result_label": "Số định danh cá nhân", "message_id": "tuphap-812-assignPersonalId"},
            {"provider": "VN/GOV/BCA/CSDLCUTRU", "service": "registerPermanentResidence",
             "label": "Đăng ký thường trú (CSDL về cư trú)", "state": "retrying",
             "state_label": "Chờ gửi lại (đã gửi 2 lần)", "attempts": 2,
             "detail": "HTTP 503: …", "result": null, "result_value": null, "result_label": null,
             "message_id": "tuphap-812-registerPermanentResidence"},
            {"provider": "VN/GOV/BHXH/CSDLBHXH", "service": "issueHealthInsuranceCard",
             "label": "Cấp thẻ bảo hiểm y tế (BHXH Việt Nam)", "state": "not_started",
             "state_label": "Chờ bước trước", "attempts": 0, "detail": null, "result": null,
             "result_value": null, "result_label": null, "message_id": null}
        ])),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
    )
)]
async fn linked_steps(
    State(state): State<AppState>,
    Meta(meta): Meta,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Vec<tuphap_domain::exchange::linked::LinkedStepView>>, ApiError> {
    let view = state.app.get_record(&actor, &meta, id).await?;
    Ok(Json(state.app.linked_steps(&view.kind, id).await?))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Revoked {
    pub record_id: i64,
    /// How many certificates were revoked.
    pub revoked: u64,
}

/// Revoke the certificates issued for a record (signers of the registering office) with a
/// reason: they verify as `revoked`; the record goes back to the "to print" queue and the next
/// issue gets a new code.
#[utoipa::path(
    post, path = "/api/v1/civil/records/{id}/certificate/revoke", tag = "civil",
    security(("bearer" = [])),
    params(("id" = i64, Path)),
    request_body(content = ReasonRequest, example = json!({"reason": "Giấy đã cấp ghi sai ngày sinh, cấp lại sau cải chính"})),
    responses(
        (status = 200, body = Revoked, example = json!({"record_id": 42, "revoked": 1})),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, description = "Không có giấy đang có hiệu lực (`certificate_not_issued`)", body = ErrorBody),
        (status = 422, description = "Thiếu lý do (`reason_required`)", body = ErrorBody),
    )
)]
async fn revoke_certificates(
    State(state): State<AppState>,
    Meta(meta): Meta,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(req): ApiJson<ReasonRequest>,
) -> Result<Json<Revoked>, ApiError> {
    let revoked = state
        .app
        .revoke_certificates(&actor, &meta, id, &req.reason)
        .await?;
    Ok(Json(Revoked {
        record_id: id,
        revoked,
    }))
}

/// Renders an issued certificate as PDF (typst; CPU work off the async threads).
pub async fn render_pdf(
    state: &AppState,
    c: tuphap_domain::certificates::IssuedCertificate,
) -> Result<Vec<u8>, ApiError> {
    let cert = tuphap_pdf::Certificate {
        kind: c.kind,
        fields: c.fields,
        qr_text: c.code,
        verify_url: format!("{}/verify", state.config.public_url.trim_end_matches('/')),
        issued_on: c.issued_on,
    };
    let rendered = tokio::task::spawn_blocking(move || tuphap_pdf::render(&cert))
        .await
        .map_err(|_| ApiError(tuphap_domain::DomainError::internal()))?;
    rendered.map_err(|e| {
        tracing::error!(error = %e, "certificate rendering failed");
        ApiError(tuphap_domain::DomainError::internal())
    })
}

/// The certificate as PDF (Giấy khai sinh, Trích lục khai tử, Giấy chứng nhận kết hôn, …; for an
/// amendment, a recognition of a parent, an adoption or its end, a guardianship, its change or
/// end: its trích lục, kind `record_extract` — for an adoption Giấy chứng nhận nuôi con nuôi).
#[utoipa::path(
    get, path = "/api/v1/civil/records/{id}/certificate.pdf", tag = "civil",
    security(("bearer" = [])),
    params(("id" = i64, Path)),
    responses(
        (status = 200, content_type = "application/pdf", description = "PDF A4"),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
    )
)]
async fn certificate_pdf(
    State(state): State<AppState>,
    Meta(meta): Meta,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
) -> Result<axum::response::Response, ApiError> {
    use axum::response::IntoResponse;
    let c = state.app.issue_certificate(&actor, &meta, id).await?;
    let kind = c.kind.as_str();
    let pdf = render_pdf(&state, c).await?;
    Ok((
        [
            (
                axum::http::header::CONTENT_TYPE,
                "application/pdf".to_string(),
            ),
            (
                axum::http::header::CONTENT_DISPOSITION,
                format!("inline; filename=\"{kind}-{id}.pdf\""),
            ),
        ],
        pdf,
    )
        .into_response())
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VerifyRequest {
    /// The text of the QR code.
    #[schema(example = "VNHT1.MXxCfDF8…")]
    pub code: String,
}

/// Verify a certificate's code (public). Always 200: `valid: false` with the reason for a forged,
/// altered, superseded or revoked certificate.
#[utoipa::path(
    post, path = "/api/v1/verify", tag = "civil",
    request_body(content = VerifyRequest, example = json!({"code": "VNHT1.MXxifDQyfDF8MDF8MjAyNnxVQk5ELTAwMDA0fE5ndXnhu4VuIFRo4buLIEjGsMahbmd8fDIwMjYtMTEtMjB8MjAyNi0xMS0yN3xrMQ.c2lnbmF0dXJl"})),
    responses(
        (status = 200, body = tuphap_domain::certificates::Verification, example = json!({
            "valid": true, "status": "valid",
            "message": "Giấy tờ hợp lệ: chữ ký số đúng và khớp với Cơ sở dữ liệu hộ tịch điện tử.",
            "kind": "birth", "full_name": "Nguyễn Thị Hương", "second_name": null,
            "event_date": "20/11/2026", "register_text": "Số: 1, Quyển số: 01/2026",
            "office_code": "UBND-00004", "office_name": "UBND Phường Ba Đình", "issued_on": "27/11/2026"
        })),
        (status = 422, body = ErrorBody),
    )
)]
async fn verify_code(
    State(state): State<AppState>,
    ApiJson(req): ApiJson<VerifyRequest>,
) -> Result<Json<tuphap_domain::certificates::Verification>, ApiError> {
    Ok(Json(state.app.verify_certificate(&req.code).await?))
}

/// A person of the register with the life events the caller may see and the civil status derived
/// from them (403 when none of the person's events is within the caller's jurisdiction).
#[utoipa::path(
    get, path = "/api/v1/civil/persons/{id}", tag = "civil",
    security(("bearer" = [])),
    params(("id" = i64, Path)),
    responses(
        (status = 200, body = tuphap_domain::civil::PersonView, example = json!({
            "id": 100, "full_name": "Trần Thị Mai", "personal_id": "001195012345", "sex": "female",
            "date_of_birth": "1995-03-14", "date_of_death": null,
            "civil_status": "married",
            "civil_status_explained": "Kết hôn với Nguyễn Văn Nam (Số: 1, Quyển số: 01/2026).",
            "events": [
                {"record_id": 40, "person_id": 100, "kind": "marriage", "role": "wife", "status": "registered", "date": "2026-11-02",
                 "register_text": "Số: 1, Quyển số: 01/2026", "office_name": "UBND Phường Ba Đình"},
                {"record_id": 42, "person_id": 100, "kind": "birth", "role": "mother", "status": "registered", "date": "2026-11-20",
                 "register_text": "Số: 1, Quyển số: 01/2026", "office_name": "UBND Phường Ba Đình"}
            ],
            "hidden_events": 0,
            "merged_into": null,
            "merges": []
        })),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
    )
)]
async fn get_person(
    State(state): State<AppState>,
    Meta(meta): Meta,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<tuphap_domain::civil::PersonView>, ApiError> {
    Ok(Json(state.app.get_person(&actor, &meta, id).await?))
}
