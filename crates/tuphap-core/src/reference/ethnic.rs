//! `ethnic_groups.csv`: the 54 ethnic groups (codes of QĐ 121-TCTK/PPCĐ, 1979).

use serde::Deserialize;

use super::parse::{list, rows};
use super::{EthnicGroup, ReferenceDataError};

const FILE: &str = "ethnic_groups.csv";
const TEXT: &str = include_str!("../../../../data/reference/ethnic_groups.csv");

#[derive(Deserialize)]
struct Row {
    code: String,
    name: String,
    name_with_alt: String,
    name_ascii: String,
    spelling_variants: String,
    other_names: String,
}

pub(super) fn load() -> Result<Vec<EthnicGroup>, ReferenceDataError> {
    let mut groups = Vec::new();
    for r in rows::<Row>(FILE, TEXT)? {
        if r.code.len() != 2 || !r.code.bytes().all(|b| b.is_ascii_digit()) {
            return Err(ReferenceDataError::Value {
                file: FILE,
                column: "code",
                value: r.code,
            });
        }
        groups.push(EthnicGroup {
            code: r.code,
            name: r.name,
            name_with_alt: r.name_with_alt,
            name_ascii: r.name_ascii,
            // `;`-separated; `other_names` is `,`-separated (no comma inside brackets).
            spelling_variants: list(&r.spelling_variants, ';'),
            other_names: list(&r.other_names, ','),
        });
    }
    groups.sort_by(|a, b| a.code.cmp(&b.code));
    Ok(groups)
}
