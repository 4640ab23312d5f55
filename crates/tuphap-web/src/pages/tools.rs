//! Tools for officers: decoding and checking a 12-digit personal ID number.

use askama::Template;
use axum::extract::Query;
use axum::extract::rejection::QueryRejection;
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use tuphap_core::error::Coded;
use tuphap_core::personal_id::{PersonalId, PersonalIdError, Sex};

use super::reference::{Choice, bad_query, html, non_empty, parse_date_field};
use super::{Layout, PageActor};

#[derive(Debug, Default, Deserialize)]
pub struct PersonalIdQuery {
    pub number: Option<String>,
    pub sex: Option<String>,
    pub date_of_birth: Option<String>,
}

/// What the number says.
pub struct Decoded {
    pub number: String,
    pub province_code: String,
    pub province_full_name: String,
    pub province_after_code: String,
    pub province_after_name: String,
    pub sex_label: &'static str,
    pub century: u16,
    pub century_from: i32,
    pub century_to: i32,
    pub birth_year: i32,
    pub serial: String,
}

#[derive(Template)]
#[template(path = "personal_id.html")]
pub struct PersonalIdPage {
    pub l: Layout,
    pub number: String,
    pub number_error: Option<String>,
    pub sex_error: Option<String>,
    pub sexes: Vec<Choice>,
    pub date_of_birth: String,
    pub dob_error: Option<String>,
    pub decoded: Option<Decoded>,
    /// True when sex and/or date of birth were given and agree with the number.
    pub checked: bool,
    pub checked_what: String,
}

fn decode(id: &PersonalId) -> Decoded {
    let after = id.province_after_2025();
    let century_from = (i32::from(id.century()) - 1) * 100;
    Decoded {
        number: id.as_str().to_string(),
        province_code: id.province_code().to_string(),
        province_full_name: id.province_full_name().to_string(),
        province_after_code: after.code.to_string(),
        province_after_name: after.full_name.to_string(),
        sex_label: id.sex().label_vi(),
        century: id.century(),
        century_from,
        century_to: century_from + 99,
        birth_year: id.birth_year(),
        serial: id.serial().to_string(),
    }
}

pub async fn personal_id(
    PageActor(actor): PageActor,
    query: Result<Query<PersonalIdQuery>, QueryRejection>,
) -> Response {
    let q = match query {
        Ok(Query(q)) => q,
        Err(rej) => return bad_query(&rej),
    };
    let number = q.number.as_deref().map(str::trim).unwrap_or_default();
    let sex_raw = non_empty(q.sex.as_deref()).unwrap_or_default();
    let parsed_sex = (!sex_raw.is_empty()).then(|| Sex::parse(sex_raw));
    let selected = match &parsed_sex {
        Some(Ok(s)) => s.as_str(),
        _ => "",
    };
    let mut page = PersonalIdPage {
        l: Layout::for_actor("Số định danh cá nhân", &actor, "/tools/personal-id"),
        number: number.chars().take(40).collect(),
        number_error: None,
        sex_error: None,
        sexes: vec![
            Choice::new("", "Không kiểm tra", selected),
            Choice::new("male", "Nam", selected),
            Choice::new("female", "Nữ", selected),
        ],
        date_of_birth: non_empty(q.date_of_birth.as_deref())
            .unwrap_or_default()
            .chars()
            .take(20)
            .collect(),
        dob_error: None,
        decoded: None,
        checked: false,
        checked_what: String::new(),
    };
    // Nothing asked yet: the empty form.
    if q.number.is_none() {
        return html(StatusCode::OK, page.render());
    }
    let sex = match parsed_sex {
        None => None,
        Some(Ok(sex)) => Some(sex),
        Some(Err(e)) => {
            page.sex_error = Some(e.message_vi());
            None
        }
    };
    let dob = match parse_date_field(q.date_of_birth.as_deref()) {
        Ok(d) => d,
        Err(msg) => {
            page.dob_error = Some(msg);
            None
        }
    };
    match PersonalId::parse(number) {
        Err(e) => page.number_error = Some(e.message_vi()),
        Ok(id) => {
            page.decoded = Some(decode(&id));
            let check = match (sex, dob) {
                (Some(sex), Some(dob)) => Some(id.check(sex, dob)),
                (Some(sex), None) if sex != id.sex() => {
                    let found_digit = id.century_sex_digit();
                    Some(Err(PersonalIdError::SexMismatch {
                        expected: sex,
                        found: id.sex(),
                        found_digit,
                        expected_digit: found_digit / 2 * 2 + u8::from(sex == Sex::Female),
                    }))
                }
                (Some(_), None) => Some(Ok(())),
                (None, Some(dob)) => Some(id.check(id.sex(), dob)),
                (None, None) => None,
            };
            match check {
                Some(Ok(())) => {
                    page.checked = true;
                    page.checked_what = match (sex, dob) {
                        (Some(_), Some(_)) => "giới tính và ngày sinh",
                        (Some(_), None) => "giới tính",
                        _ => "năm sinh",
                    }
                    .to_string();
                }
                Some(Err(e)) => page.number_error = Some(e.message_vi()),
                None => {}
            }
        }
    }
    let status =
        if page.number_error.is_some() || page.sex_error.is_some() || page.dob_error.is_some() {
            StatusCode::UNPROCESSABLE_ENTITY
        } else {
            StatusCode::OK
        };
    html(status, page.render())
}
