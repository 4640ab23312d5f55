//! `countries.csv`: ISO 3166-1 countries and territories with CLDR 48.2 names.

use serde::Deserialize;

use super::parse::{list, rows};
use super::{Country, ReferenceDataError};

const FILE: &str = "countries.csv";
const TEXT: &str = include_str!("../../../../data/reference/countries.csv");

#[derive(Deserialize)]
struct Row {
    alpha2: String,
    alpha3: String,
    numeric: String,
    name_vi: String,
    name_vi_alt: String,
    name_en: String,
    name_en_alt: String,
    iso_status: String,
}

pub(super) fn load() -> Result<Vec<Country>, ReferenceDataError> {
    let mut countries = Vec::new();
    for r in rows::<Row>(FILE, TEXT)? {
        let bad = |column: &'static str, value: &str| ReferenceDataError::Value {
            file: FILE,
            column,
            value: value.to_string(),
        };
        if r.alpha2.len() != 2 || !r.alpha2.bytes().all(|b| b.is_ascii_uppercase()) {
            return Err(bad("alpha2", &r.alpha2));
        }
        if r.alpha3.len() != 3 || !r.alpha3.bytes().all(|b| b.is_ascii_uppercase()) {
            return Err(bad("alpha3", &r.alpha3));
        }
        if r.numeric.len() != 3 || !r.numeric.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad("numeric", &r.numeric));
        }
        countries.push(Country {
            alpha2: r.alpha2,
            alpha3: r.alpha3,
            numeric: r.numeric,
            name_vi: r.name_vi,
            name_vi_alt: list(&r.name_vi_alt, ';'),
            name_en: r.name_en,
            name_en_alt: list(&r.name_en_alt, ';'),
            iso_status: r.iso_status,
        });
    }
    countries.sort_by(|a, b| a.alpha2.cmp(&b.alpha2));
    Ok(countries)
}
