//! JSON API `/api/v1`, documented with utoipa: each handler carries its `#[utoipa::path]`, and
//! `OpenApiRouter` builds the routes and the OpenAPI 3.1 document together, so the document
//! cannot drift from the routes.

pub mod audit;
pub mod auth;
pub mod civil;
pub mod dossier_public;
pub mod dossiers;
pub mod exchange;
pub mod exchange_log;
pub mod exchange_members;
pub mod extracts;
pub mod indicators;
pub mod payments;
pub mod person_merge;
pub mod privacy;
pub mod procedures;
pub mod reference;
pub mod search;
pub mod strong_auth;
pub mod users;

use std::sync::Arc;

use axum::Router;
use axum::response::IntoResponse;
use axum::routing::get;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;
use utoipa_swagger_ui::SwaggerUi;

use crate::state::AppState;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "tuphap API",
        description = "API của nền tảng số ngành Tư pháp (tuphap). Lỗi trả về JSON `{code, message, field, request_id}`: `code` là mã máy ổn định, `message` là thông báo tiếng Việt.",
        license(name = "MIT OR Apache-2.0")
    ),
    modifiers(&BearerAuth),
    tags(
        (name = "reference", description = "Danh mục dùng chung: đơn vị hành chính, dân tộc, quốc gia, số định danh, lịch ngày làm việc"),
        (name = "auth", description = "Đăng nhập, đăng xuất"),
        (name = "users", description = "Quản lý người dùng"),
        (name = "audit", description = "Nhật ký kiểm tra"),
        (name = "civil", description = "Đăng ký hộ tịch: khai sinh, đăng ký, tra cứu hồ sơ"),
        (name = "exchange", description = "Nền tảng trao đổi dữ liệu (LGSP): đăng ký nhận tin, hàng đợi gửi đi, thư lỗi"),
        (name = "procedures", description = "Danh mục thủ tục hành chính, dịch vụ công trực tuyến"),
        (name = "dossiers", description = "Hồ sơ dịch vụ công trực tuyến: hàng đợi của cơ quan, tiếp nhận, yêu cầu bổ sung, từ chối, dừng xử lý, xin lỗi và hẹn lại"),
        (name = "payments", description = "Thanh toán lệ phí hồ sơ trực tuyến: thông báo của cổng thanh toán"),
        (name = "security", description = "An ninh: sự kiện tấn công phát hiện được, địa chỉ bị chặn"),
    )
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("Mã phiên lấy từ POST /api/v1/auth/login"))
                    .build(),
            ),
        );
    }
}

/// All API routes with their OpenAPI document.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(reference::router())
        .merge(auth::router())
        .merge(strong_auth::router())
        .merge(users::router())
        .merge(audit::router())
        .merge(privacy::router())
        .merge(civil::router())
        .merge(extracts::router())
        .merge(person_merge::router())
        .merge(procedures::router())
        .merge(payments::router())
        .merge(indicators::router())
        .merge(search::router())
        .merge(exchange_members::router())
        .merge(exchange::router())
        .merge(dossier_public::router())
        .merge(dossiers::router())
        .merge(exchange_log::router())
        .merge(crate::security::api_router())
}

/// `/api/openapi.json` and the vendored Swagger UI at `/api/docs`.
pub fn docs_router(doc: Arc<utoipa::openapi::OpenApi>) -> Router<AppState> {
    let json = doc.clone();
    Router::new()
        .route(
            "/api/openapi.json",
            get(move || {
                let json = json.clone();
                async move { axum::Json(json.as_ref().clone()).into_response() }
            }),
        )
        .merge(SwaggerUi::new("/api/docs").url("/api/openapi-ui.json", doc.as_ref().clone()))
}
