//! The stored form of a record version's content (`civil_record_versions.data`).
//!
//! A version's content is the declaration as JSON, about 650 bytes for a birth, and it is half
//! of the register on disk (1 M imported records: 764 MiB of 1.5 GiB). The same keys and much of
//! the same vocabulary recur in every row, so each value is compressed on its own (a record is
//! still read with one row and one decompression) with raw deflate primed by a preset dictionary:
//! the JSON shapes of the declarations and common Vietnamese words of civil-status data (surnames,
//! given names, places, causes of death). That is 5.7× on generated data, against 2.05× for
//! deflate without a dictionary.
//!
//! Stored bytes are self-describing by their first byte:
//! - `{` (0x7b): plain JSON (rows written before compression existed);
//! - [`FORMAT_DEFLATE_1`] (0x01): raw deflate primed with `version-dictionary-1.txt`.
//!
//! **The dictionary of a format never changes** (a unit test pins its SHA-256): a better one is a
//! new format number with its own file, and every format stays readable.

use std::cell::RefCell;

use flate2::{Compress, Compression, Decompress, FlushCompress, FlushDecompress, Status};

use crate::StoreError;

/// Format byte: raw deflate primed with [`DICTIONARY_1`].
pub const FORMAT_DEFLATE_1: u8 = 1;

/// The preset dictionary of format 1. Frozen: see the module documentation.
const DICTIONARY_1: &[u8] = include_bytes!("version-dictionary-1.txt");

/// Upper bound on a decompressed version (a declaration is a few KiB): damaged bytes cannot make
/// a read allocate without limit.
const MAX_DECODED: usize = 1 << 20;

thread_local! {
    static DEFLATE: RefCell<Compress> = RefCell::new(Compress::new(Compression::new(6), false));
    static INFLATE: RefCell<Decompress> = RefCell::new(Decompress::new(false));
}

/// A version's content in its stored form. The only way to make one is [`EncodedVersion::encode`],
/// so no caller can store JSON that the readers would not recognise.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EncodedVersion(Vec<u8>);

impl EncodedVersion {
    /// Compresses `json` into format [`FORMAT_DEFLATE_1`].
    pub fn encode(json: &str) -> Self {
        let input = json.as_bytes();
        let mut out = Vec::with_capacity(input.len() / 3 + 64);
        out.push(FORMAT_DEFLATE_1);
        DEFLATE.with(|d| {
            let mut d = d.borrow_mut();
            d.reset();
            // Setting a dictionary on a freshly reset raw stream cannot fail.
            let _ = d.set_dictionary(DICTIONARY_1);
            loop {
                let consumed = d.total_in() as usize;
                if out.capacity() - out.len() < 64 {
                    out.reserve(input.len() / 2 + 64);
                }
                match d.compress_vec(&input[consumed..], &mut out, FlushCompress::Finish) {
                    Ok(Status::StreamEnd) => break,
                    Ok(_) => continue,
                    // Only a misuse of the stream state can fail, and the stream was just reset.
                    Err(_) => unreachable!("deflate of an in-memory buffer after reset"),
                }
            }
        });
        EncodedVersion(out)
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    pub fn into_bytes(self) -> Vec<u8> {
        self.0
    }
}

/// The JSON text of a stored version, whatever its format.
pub fn decode(stored: &[u8]) -> Result<String, StoreError> {
    let corrupt = |why: &str| StoreError::Corrupt(format!("record version data: {why}"));
    let bytes = match stored.first() {
        Some(b'{') => stored.to_vec(),
        Some(&FORMAT_DEFLATE_1) => INFLATE.with(|i| {
            let mut i = i.borrow_mut();
            i.reset(false);
            i.set_dictionary(DICTIONARY_1)
                .map_err(|_| corrupt("dictionary refused"))?;
            let input = &stored[1..];
            let mut out = Vec::with_capacity(input.len() * 6 + 64);
            loop {
                let consumed = i.total_in() as usize;
                if out.capacity() - out.len() < 256 {
                    if out.len() >= MAX_DECODED {
                        return Err(corrupt("larger than 1 MiB once decompressed"));
                    }
                    out.reserve(out.len() + 256);
                }
                let before = (i.total_in(), i.total_out());
                match i.decompress_vec(&input[consumed..], &mut out, FlushDecompress::Finish) {
                    Ok(Status::StreamEnd) => break Ok(out),
                    Ok(_) if (i.total_in(), i.total_out()) == before => {
                        break Err(corrupt("truncated deflate stream"));
                    }
                    Ok(_) => continue,
                    Err(_) => break Err(corrupt("damaged deflate stream")),
                }
            }
        })?,
        Some(other) => return Err(corrupt(&format!("unknown format byte {other:#04x}"))),
        None => return Err(corrupt("empty")),
    };
    String::from_utf8(bytes).map_err(|_| corrupt("not UTF-8"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use sha2::{Digest, Sha256};

    const BIRTH: &str = r#"{"child":{"full_name":"Nguyễn Văn Dũng","sex":"male","date_of_birth":"1989-11-30","place_of_birth":{"admin_unit_code":"10534","detail":"Tại nhà"},"ethnicity_code":"01","nationality_code":"VN","home_town":null},"mother":{"full_name":"Trần Thị Hà","date_of_birth":"1968-06-14","personal_id":"030168231423","ethnicity_code":"45","nationality_code":"VN","residence":{"admin_unit_code":"10837","detail":"Thôn 7"}},"father":null,"declarant":{"full_name":"Trần Thị Hà","personal_id":"030168231423","relationship":"mẹ"}}"#;

    #[test]
    fn the_format_1_dictionary_is_frozen() {
        // Rows already written with format 1 are only readable with these exact bytes. A new
        // dictionary is a new format, never an edit of this file.
        assert_eq!(
            hex::encode(Sha256::digest(DICTIONARY_1)),
            "e66568d749c79d1ba2d16241bdd7615723f9730f32eaaec75285ea6932e803b8",
            "version-dictionary-1.txt changed: add a new format instead"
        );
    }

    #[test]
    fn round_trips_and_compresses() {
        let e = EncodedVersion::encode(BIRTH);
        assert_eq!(e.as_bytes()[0], FORMAT_DEFLATE_1);
        assert!(
            e.as_bytes().len() * 3 < BIRTH.len(),
            "{} bytes",
            e.as_bytes().len()
        );
        assert_eq!(decode(e.as_bytes()).unwrap(), BIRTH);
        // Reusing the thread's streams gives the same bytes.
        assert_eq!(EncodedVersion::encode(BIRTH), e);
        let big = format!("{{\"note\":\"{}\"}}", "Nguyễn ".repeat(20_000));
        assert_eq!(
            decode(EncodedVersion::encode(&big).as_bytes()).unwrap(),
            big
        );
    }

    #[test]
    fn plain_json_rows_stay_readable() {
        assert_eq!(decode(BIRTH.as_bytes()).unwrap(), BIRTH);
    }

    #[test]
    fn damaged_bytes_are_an_error_not_a_panic() {
        let e = EncodedVersion::encode(BIRTH).into_bytes();
        for bad in [
            &e[..e.len() / 2],
            &[][..],
            &[9, 1, 2][..],
            &[FORMAT_DEFLATE_1, 0xff, 0xff, 0xff][..],
        ] {
            assert!(
                matches!(decode(bad), Err(StoreError::Corrupt(_))),
                "{bad:?}"
            );
        }
    }
}
