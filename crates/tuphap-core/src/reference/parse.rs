//! CSV helpers shared by the reference-data loaders.

use serde::de::DeserializeOwned;
use time::Date;
use time::macros::format_description;

use super::ReferenceDataError;

/// Deserialises every row of an embedded CSV file (header row required, extra columns ignored).
pub(super) fn rows<T: DeserializeOwned>(
    file: &'static str,
    text: &str,
) -> Result<Vec<T>, ReferenceDataError> {
    csv::ReaderBuilder::new()
        .from_reader(text.as_bytes())
        .deserialize()
        .collect::<Result<Vec<T>, _>>()
        .map_err(|source| ReferenceDataError::Csv { file, source })
}

/// Empty field = no value.
pub(super) fn opt(s: &str) -> Option<String> {
    let s = s.trim();
    (!s.is_empty()).then(|| s.to_string())
}

/// Splits a list field on `sep`, trimming items and dropping empty ones.
pub(super) fn list(s: &str, sep: char) -> Vec<String> {
    s.split(sep)
        .map(str::trim)
        .filter(|x| !x.is_empty())
        .map(str::to_string)
        .collect()
}

/// `YYYY-MM-DD`.
pub(super) fn date(
    file: &'static str,
    column: &'static str,
    value: &str,
) -> Result<Date, ReferenceDataError> {
    Date::parse(value.trim(), format_description!("[year]-[month]-[day]")).map_err(|_| {
        ReferenceDataError::Value {
            file,
            column,
            value: value.to_string(),
        }
    })
}

/// Optional `YYYY-MM-DD` (empty = `None`).
pub(super) fn opt_date(
    file: &'static str,
    column: &'static str,
    value: &str,
) -> Result<Option<Date>, ReferenceDataError> {
    if value.trim().is_empty() {
        Ok(None)
    } else {
        date(file, column, value).map(Some)
    }
}
