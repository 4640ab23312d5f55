//! `/exchange/members` (administrators): partner members of the exchange platform — register
//! one, enable/disable it, issue/rotate/revoke its keys (a new key is shown once, on the page
//! that answers the form, never in a URL), grant and withdraw access rights. Plain forms, no
//! JavaScript.

use askama::Template;
use axum::Form;
use axum::extract::rejection::{FormRejection, QueryRejection};
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use tuphap_domain::exchange::members::{
    GrantInput, IssuedKey, MemberUpdate, MemberView, NewMemberInput, PROVIDER_ID, SERVICES,
};
use tuphap_domain::{Actor, DomainError, RequestMeta};

use super::reference::{bad_query, domain_error_page, html, non_empty};
use super::{CsrfProtected, Layout, PageActor, accept_form, encode_component, error_page};
use crate::extract::Meta;
use crate::state::AppState;

/// A service as offered in the forms.
pub struct ServiceChoice {
    pub code: &'static str,
    pub title: &'static str,
    pub method: &'static str,
    pub fields: String,
}

#[derive(Template)]
#[template(path = "exchange_members.html")]
pub struct MembersPage {
    pub l: Layout,
    pub provider: &'static str,
    pub members: Vec<MemberView>,
    pub services: Vec<ServiceChoice>,
    pub flash: Option<String>,
    pub error: Option<String>,
    /// A key just issued: shown this once.
    pub issued: Option<IssuedKey>,
}

/// Every form of the page (fields absent from a form stay empty).
#[derive(Debug, Default, Deserialize)]
pub struct MemberForm {
    #[serde(default)]
    pub csrf: String,
    #[serde(default)]
    pub client_id: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub rate_limit_per_minute: String,
    #[serde(default)]
    pub enabled: String,
    #[serde(default)]
    pub grace_hours: String,
    #[serde(default)]
    pub key_id: String,
    #[serde(default)]
    pub service_code: String,
    #[serde(default)]
    pub endpoint: String,
    #[serde(default)]
    pub fields: String,
}

impl CsrfProtected for MemberForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct MembersQuery {
    pub done: Option<String>,
}

fn forbidden(actor: &Actor) -> Response {
    error_page(
        &format!(
            "Tài khoản {} (vai trò {}) không có quyền quản lý các hệ thống đối tác.",
            actor.username,
            actor.role.label_vi()
        ),
        StatusCode::FORBIDDEN,
    )
}

async fn base_page(state: &AppState, actor: &Actor) -> Result<MembersPage, DomainError> {
    Ok(MembersPage {
        l: Layout::for_actor("Hệ thống đối tác", actor, "/exchange"),
        provider: PROVIDER_ID,
        members: state.app.exchange_members(actor).await?,
        services: SERVICES
            .iter()
            .map(|s| ServiceChoice {
                code: s.code,
                title: s.title_vi,
                method: s.method,
                fields: s.fields.join(", "),
            })
            .collect(),
        flash: None,
        error: None,
        issued: None,
    })
}

/// `GET /exchange/members`.
pub async fn page(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    query: Result<Query<MembersQuery>, QueryRejection>,
) -> Response {
    if !actor.role.can_administer() {
        return forbidden(&actor);
    }
    let q = match query {
        Ok(Query(q)) => q,
        Err(rej) => return bad_query(&rej),
    };
    let mut page = match base_page(&state, &actor).await {
        Ok(p) => p,
        Err(e) => return domain_error_page(&e),
    };
    page.flash = match non_empty(q.done.as_deref()) {
        Some("registered") => Some("Đã đăng ký hệ thống đối tác.".into()),
        Some("updated") => Some("Đã cập nhật hệ thống đối tác.".into()),
        Some("revoked") => Some("Đã thu hồi khóa truy cập.".into()),
        Some("granted") => Some("Đã cấp quyền truy cập dịch vụ.".into()),
        Some("withdrawn") => Some("Đã thu hồi quyền truy cập dịch vụ.".into()),
        _ => None,
    };
    html(StatusCode::OK, page.render())
}

fn done(what: &str) -> Response {
    Redirect::to(&format!(
        "/exchange/members?done={}",
        encode_component(what)
    ))
    .into_response()
}

async fn refused(state: &AppState, actor: &Actor, e: DomainError) -> Response {
    let mut page = match base_page(state, actor).await {
        Ok(p) => p,
        Err(e) => return domain_error_page(&e),
    };
    page.error = Some(e.message);
    html(crate::error::status_of(e.kind), page.render())
}

fn optional_number(v: &str, field: &'static str) -> Result<Option<i64>, DomainError> {
    match non_empty(Some(v.trim())) {
        None => Ok(None),
        Some(s) => s.parse().map(Some).map_err(|_| {
            DomainError::new(
                tuphap_domain::ErrorKind::Unprocessable,
                "number_invalid",
                format!("\u{201c}{s}\u{201d} không phải là một số nguyên."),
            )
            .with_field(field)
        }),
    }
}

async fn form_action(
    state: &AppState,
    actor: &Actor,
    meta: &RequestMeta,
    action: &str,
    f: MemberForm,
) -> Result<Response, DomainError> {
    let app = &state.app;
    match action {
        "register" => {
            app.register_member(
                actor,
                meta,
                NewMemberInput {
                    client_id: f.client_id,
                    name: f.name,
                    rate_limit_per_minute: optional_number(
                        &f.rate_limit_per_minute,
                        "rate_limit_per_minute",
                    )?,
                },
            )
            .await?;
            Ok(done("registered"))
        }
        "update" => {
            app.update_member(
                actor,
                meta,
                &f.client_id,
                MemberUpdate {
                    name: non_empty(Some(&f.name)).map(str::to_string),
                    enabled: match f.enabled.as_str() {
                        "1" | "true" => Some(true),
                        "0" | "false" => Some(false),
                        _ => None,
                    },
                    rate_limit_per_minute: optional_number(
                        &f.rate_limit_per_minute,
                        "rate_limit_per_minute",
                    )?,
                },
            )
            .await?;
            Ok(done("updated"))
        }
        "issue" => {
            let issued = app
                .issue_client_key(
                    actor,
                    meta,
                    &f.client_id,
                    optional_number(&f.grace_hours, "grace_hours")?,
                    None,
                )
                .await?;
            let mut page = base_page(state, actor).await?;
            page.issued = Some(issued);
            let mut r = html(StatusCode::OK, page.render());
            // The page carries a secret: never cached.
            r.headers_mut().insert(
                axum::http::header::CACHE_CONTROL,
                axum::http::HeaderValue::from_static("no-store"),
            );
            Ok(r)
        }
        "revoke" => {
            app.revoke_client_key(actor, meta, &f.client_id, &f.key_id)
                .await?;
            Ok(done("revoked"))
        }
        "grant" => {
            app.grant_access(
                actor,
                meta,
                &f.client_id,
                GrantInput {
                    service_code: f.service_code,
                    endpoint: non_empty(Some(&f.endpoint)).map(str::to_string),
                    fields: f
                        .fields
                        .split([',', ' ', '\n'])
                        .map(str::trim)
                        .filter(|x| !x.is_empty())
                        .map(str::to_string)
                        .collect(),
                },
            )
            .await?;
            Ok(done("granted"))
        }
        _ => {
            app.revoke_access(
                actor,
                meta,
                &f.client_id,
                &f.service_code,
                non_empty(Some(&f.endpoint)),
            )
            .await?;
            Ok(done("withdrawn"))
        }
    }
}

async fn submit(
    state: AppState,
    meta: RequestMeta,
    actor: Actor,
    form: Result<Form<MemberForm>, FormRejection>,
    action: &str,
) -> Response {
    let f = match accept_form(&actor, form) {
        Ok(f) => f,
        Err(refused) => return refused,
    };
    if !actor.role.can_administer() {
        return forbidden(&actor);
    }
    match form_action(&state, &actor, &meta, action, f).await {
        Ok(r) => r,
        Err(e) => refused(&state, &actor, e).await,
    }
}

/// `POST /exchange/members`: register a member.
pub async fn register(
    State(state): State<AppState>,
    Meta(meta): Meta,
    PageActor(actor): PageActor,
    form: Result<Form<MemberForm>, FormRejection>,
) -> Response {
    submit(state, meta, actor, form, "register").await
}

/// `POST /exchange/members/update`: enable/disable, rename, rate limit.
pub async fn update(
    State(state): State<AppState>,
    Meta(meta): Meta,
    PageActor(actor): PageActor,
    form: Result<Form<MemberForm>, FormRejection>,
) -> Response {
    submit(state, meta, actor, form, "update").await
}

/// `POST /exchange/members/keys`: issue (rotate) a key, shown once.
pub async fn issue_key(
    State(state): State<AppState>,
    Meta(meta): Meta,
    PageActor(actor): PageActor,
    form: Result<Form<MemberForm>, FormRejection>,
) -> Response {
    submit(state, meta, actor, form, "issue").await
}

/// `POST /exchange/members/keys/revoke`.
pub async fn revoke_key(
    State(state): State<AppState>,
    Meta(meta): Meta,
    PageActor(actor): PageActor,
    form: Result<Form<MemberForm>, FormRejection>,
) -> Response {
    submit(state, meta, actor, form, "revoke").await
}

/// `POST /exchange/members/rights`: grant a right.
pub async fn grant(
    State(state): State<AppState>,
    Meta(meta): Meta,
    PageActor(actor): PageActor,
    form: Result<Form<MemberForm>, FormRejection>,
) -> Response {
    submit(state, meta, actor, form, "grant").await
}

/// `POST /exchange/members/rights/revoke`: withdraw a right.
pub async fn withdraw(
    State(state): State<AppState>,
    Meta(meta): Meta,
    PageActor(actor): PageActor,
    form: Result<Form<MemberForm>, FormRejection>,
) -> Response {
    submit(state, meta, actor, form, "withdraw").await
}
