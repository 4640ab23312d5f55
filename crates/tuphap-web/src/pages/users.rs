//! User administration: the list of accounts and a form to add one (administrators only).

use askama::Template;
use axum::Form;
use axum::extract::rejection::{FormRejection, QueryRejection};
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use tuphap_core::role::Role;
use tuphap_domain::identity::{NewUserInput, UserSummary};
use tuphap_domain::{Actor, DomainError};

use super::reference::{Choice, bad_query, domain_error_page, html, non_empty};
use super::{CsrfProtected, Layout, PageActor, accept_form, encode_component, error_page};
use crate::extract::Meta;
use crate::state::AppState;
use tuphap_domain::RequestMeta;

/// Accounts per page.
pub const PAGE_SIZE: i64 = 100;

pub struct UserView {
    pub username: String,
    pub display_name: String,
    pub role_label: &'static str,
    pub office_name: String,
    pub office_code: String,
    pub status_label: String,
    pub status_class: &'static str,
}

fn user_view(u: UserSummary) -> UserView {
    let now = tuphap_store::now_utc();
    let (status_label, status_class) = if !u.active {
        ("Ngừng hoạt động".to_string(), "denied")
    } else if let Some(until) = u.locked_until.filter(|t| *t > now) {
        let t = until.to_offset(tuphap_core::dates::VN_OFFSET);
        (
            format!(
                "Tạm khóa đến {:02}:{:02} {}",
                t.hour(),
                t.minute(),
                tuphap_core::dates::format_vn(t.date())
            ),
            "failure",
        )
    } else {
        ("Hoạt động".to_string(), "success")
    };
    UserView {
        username: u.username,
        display_name: u.display_name,
        role_label: u.role.label_vi(),
        office_name: u.office_name,
        office_code: u.office_code,
        status_label,
        status_class,
    }
}

/// The add-user form as submitted (the password is never sent back).
#[derive(Debug, Default, Deserialize)]
pub struct NewUserForm {
    #[serde(default)]
    pub csrf: String,
    #[serde(default)]
    pub username: String,
    #[serde(default)]
    pub display_name: String,
    #[serde(default)]
    pub role: String,
    #[serde(default)]
    pub unit: String,
    #[serde(default)]
    pub password: String,
}

impl CsrfProtected for NewUserForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

#[derive(Template)]
#[template(path = "users.html")]
pub struct UsersPage {
    pub l: Layout,
    pub users: Vec<UserView>,
    pub next_href: Option<String>,
    pub first_href: Option<String>,
    pub flash: Option<String>,
    pub form: NewUserForm,
    pub roles: Vec<Choice>,
    pub form_error: Option<String>,
    pub username_error: Option<String>,
    pub display_name_error: Option<String>,
    pub role_error: Option<String>,
    pub unit_error: Option<String>,
    pub password_error: Option<String>,
}

fn role_choices(current: &str) -> Vec<Choice> {
    Role::ALL
        .into_iter()
        .map(|r| Choice::new(r.as_str(), r.label_vi(), current))
        .collect()
}

fn forbidden(actor: &Actor) -> Response {
    error_page(
        &format!(
            "Tài khoản {} (vai trò {}) không có quyền quản lý người dùng.",
            actor.username,
            actor.role.label_vi()
        ),
        StatusCode::FORBIDDEN,
    )
}

async fn base_page(
    state: &AppState,
    actor: &Actor,
    meta: &RequestMeta,
    after: Option<&str>,
) -> Result<UsersPage, DomainError> {
    let mut users = state
        .app
        .list_users(actor, meta, after, PAGE_SIZE + 1)
        .await?;
    let has_more = users.len() > usize::try_from(PAGE_SIZE).unwrap_or(100);
    users.truncate(usize::try_from(PAGE_SIZE).unwrap_or(100));
    let next_href = has_more
        .then(|| {
            users
                .last()
                .map(|u| format!("/users?after={}", encode_component(&u.username)))
        })
        .flatten();
    Ok(UsersPage {
        l: Layout::for_actor("Người dùng", actor, "/users"),
        users: users.into_iter().map(user_view).collect(),
        next_href,
        first_href: after.map(|_| "/users".to_string()),
        flash: None,
        form: NewUserForm {
            role: Role::Officer.as_str().to_string(),
            ..NewUserForm::default()
        },
        roles: role_choices(Role::Officer.as_str()),
        form_error: None,
        username_error: None,
        display_name_error: None,
        role_error: None,
        unit_error: None,
        password_error: None,
    })
}

#[derive(Debug, Default, Deserialize)]
pub struct UsersQuery {
    pub after: Option<String>,
    pub created: Option<String>,
    /// Set after an administrator ended a user's sessions (issue 8).
    pub revoked: Option<String>,
}

pub async fn page(
    State(state): State<AppState>,
    Meta(meta): Meta,
    PageActor(actor): PageActor,
    query: Result<Query<UsersQuery>, QueryRejection>,
) -> Response {
    if !actor.role.can_administer() {
        return forbidden(&actor);
    }
    let q = match query {
        Ok(Query(q)) => q,
        Err(rej) => return bad_query(&rej),
    };
    let after = non_empty(q.after.as_deref());
    let mut page = match base_page(&state, &actor, &meta, after).await {
        Ok(p) => p,
        Err(e) => return domain_error_page(&e),
    };
    if let Some(created) = non_empty(q.created.as_deref()) {
        // Only confirm an account that exists (the parameter is just a hint from the redirect).
        match state.app.store.user_by_username(created).await {
            Ok(Some(u)) => {
                page.flash = Some(format!(
                    "Đã tạo tài khoản {} ({}).",
                    u.username, u.display_name
                ));
            }
            Ok(None) => {}
            Err(e) => return domain_error_page(&DomainError::from(e)),
        }
    }
    if let Some(revoked) = non_empty(q.revoked.as_deref()) {
        page.flash = Some(format!(
            "Đã thu hồi mọi phiên đăng nhập của tài khoản {revoked}."
        ));
    }
    html(StatusCode::OK, page.render())
}

pub async fn create(
    State(state): State<AppState>,
    Meta(meta): Meta,
    PageActor(actor): PageActor,
    form: Result<Form<NewUserForm>, FormRejection>,
) -> Response {
    let f = match accept_form(&actor, form) {
        Ok(f) => f,
        Err(refused) => return refused,
    };
    if !actor.role.can_administer() {
        return forbidden(&actor);
    }
    let input = NewUserInput {
        username: f.username.clone(),
        display_name: non_empty(Some(&f.display_name)).map(str::to_string),
        role: f.role.clone(),
        unit: f.unit.clone(),
        password: f.password.clone(),
    };
    let e = match state.app.add_user(input, Some(&actor), &meta).await {
        Ok(u) => {
            return Redirect::to(&format!("/users?created={}", encode_component(&u.username)))
                .into_response();
        }
        Err(e) => e,
    };
    let mut page = match base_page(&state, &actor, &meta, None).await {
        Ok(p) => p,
        Err(e) => return domain_error_page(&e),
    };
    let status = crate::error::status_of(e.kind);
    match e.field.as_deref() {
        Some("username") => page.username_error = Some(e.message),
        Some("display_name") => page.display_name_error = Some(e.message),
        Some("role") => page.role_error = Some(e.message),
        Some("unit") => page.unit_error = Some(e.message),
        Some("password") => page.password_error = Some(e.message),
        _ => page.form_error = Some(e.message),
    }
    page.roles = role_choices(&f.role);
    page.form = NewUserForm {
        csrf: String::new(),
        password: String::new(),
        ..f
    };
    html(status, page.render())
}
