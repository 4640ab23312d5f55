//! The typst `World` for one certificate: the templates and fonts embedded in the binary, the
//! certificate data and the QR code as virtual files, and a fixed date.

use std::sync::LazyLock;

use typst::diag::{FileError, FileResult, SourceDiagnostic};
use typst::foundations::{Bytes, Datetime, Duration};
use typst::syntax::{FileId, RootedPath, Source, VirtualPath, VirtualRoot};
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;
use typst::{Library, LibraryExt, World, WorldExt};

use crate::CertificateKind;

/// Fonts embedded in the binary: Noto Serif (the text) and Noto Mono (the verification code),
/// SIL OFL 1.1 (`fonts/OFL.txt`).
static FONT_FILES: [&[u8]; 5] = [
    include_bytes!("../fonts/NotoSerif-Regular.ttf"),
    include_bytes!("../fonts/NotoSerif-Bold.ttf"),
    include_bytes!("../fonts/NotoSerif-Italic.ttf"),
    include_bytes!("../fonts/NotoSerif-BoldItalic.ttf"),
    include_bytes!("../fonts/NotoMono-Regular.ttf"),
];

const COMMON_TYP: &str = include_str!("../templates/common.typ");
const BIRTH_TYP: &str = include_str!("../templates/birth.typ");
const DEATH_TYP: &str = include_str!("../templates/death.typ");
const MARRIAGE_TYP: &str = include_str!("../templates/marriage.typ");
const MARITAL_STATUS_TYP: &str = include_str!("../templates/marital_status.typ");
const DIVORCE_TYP: &str = include_str!("../templates/divorce.typ");
const EXTRACT_TYP: &str = include_str!("../templates/extract.typ");
const RECORD_EXTRACT_TYP: &str = include_str!("../templates/record_extract.typ");

struct Fonts {
    book: LazyHash<FontBook>,
    fonts: Vec<Font>,
}

/// Parsed once per process.
static FONTS: LazyLock<Fonts> = LazyLock::new(|| {
    let fonts: Vec<Font> = FONT_FILES
        .iter()
        .flat_map(|data| Font::iter(Bytes::new(*data)))
        .collect();
    Fonts {
        book: LazyHash::new(FontBook::from_fonts(&fonts)),
        fonts,
    }
});

/// Whether every style of the text font (Noto Serif) can display `c`: PDF/A refuses text it
/// cannot, so free text from the registry is checked before it is printed.
pub(crate) fn printable(c: char) -> bool {
    FONTS
        .fonts
        .iter()
        .filter(|f| f.info().family == "Noto Serif")
        .all(|f| f.info().coverage.contains(u32::from(c)))
}

static LIBRARY: LazyLock<LazyHash<Library>> =
    LazyLock::new(|| LazyHash::new(Library::builder().build()));

struct Ids {
    birth: FileId,
    death: FileId,
    marriage: FileId,
    marital_status: FileId,
    divorce: FileId,
    extract: FileId,
    record_extract: FileId,
    data: FileId,
    qr: FileId,
    /// The templates, parsed once.
    sources: [Source; 8],
}

fn file_id(path: &str) -> Result<FileId, String> {
    VirtualPath::new(path)
        .map(|vpath| RootedPath::new(VirtualRoot::Project, vpath).intern())
        .map_err(|e| format!("{path}: {e}"))
}

/// The virtual paths are constants, so this is always `Ok`; kept fallible to stay panic-free.
static IDS: LazyLock<Result<Ids, String>> = LazyLock::new(|| {
    let common = file_id("/common.typ")?;
    let birth = file_id("/birth.typ")?;
    let death = file_id("/death.typ")?;
    let marriage = file_id("/marriage.typ")?;
    let marital_status = file_id("/marital_status.typ")?;
    let divorce = file_id("/divorce.typ")?;
    let extract = file_id("/extract.typ")?;
    let record_extract = file_id("/record_extract.typ")?;
    Ok(Ids {
        birth,
        death,
        marriage,
        marital_status,
        divorce,
        extract,
        record_extract,
        data: file_id("/data.json")?,
        qr: file_id("/qr.svg")?,
        sources: [
            Source::new(common, COMMON_TYP.to_string()),
            Source::new(birth, BIRTH_TYP.to_string()),
            Source::new(death, DEATH_TYP.to_string()),
            Source::new(marriage, MARRIAGE_TYP.to_string()),
            Source::new(marital_status, MARITAL_STATUS_TYP.to_string()),
            Source::new(divorce, DIVORCE_TYP.to_string()),
            Source::new(extract, EXTRACT_TYP.to_string()),
            Source::new(record_extract, RECORD_EXTRACT_TYP.to_string()),
        ],
    })
});

/// Everything typst may read while compiling one certificate.
pub(crate) struct CertWorld {
    ids: &'static Ids,
    main: FileId,
    data: Bytes,
    qr_svg: Bytes,
    today: Option<Datetime>,
}

impl CertWorld {
    pub(crate) fn new(
        kind: CertificateKind,
        data: Vec<u8>,
        qr_svg: String,
        today: Datetime,
    ) -> Result<Self, String> {
        let ids = IDS.as_ref().map_err(Clone::clone)?;
        let main = match kind {
            CertificateKind::Birth => ids.birth,
            CertificateKind::Death => ids.death,
            CertificateKind::Marriage => ids.marriage,
            CertificateKind::MaritalStatus => ids.marital_status,
            CertificateKind::Divorce => ids.divorce,
            CertificateKind::Extract => ids.extract,
            CertificateKind::RecordExtract => ids.record_extract,
        };
        Ok(CertWorld {
            ids,
            main,
            data: Bytes::new(data),
            qr_svg: Bytes::from_string(qr_svg),
            today: Some(today),
        })
    }

    fn template(&self, id: FileId) -> Option<&'static Source> {
        self.ids.sources.iter().find(|s| s.id() == id)
    }

    /// One line per diagnostic: `file:line:column: message (hint: …)`.
    pub(crate) fn describe(&self, diags: &[SourceDiagnostic]) -> Vec<String> {
        diags
            .iter()
            .map(|d| {
                let mut line = String::new();
                if let Some(id) = d.span.id() {
                    line.push_str(id.vpath().get_with_slash());
                    if let (Some(range), Ok(source)) = (self.range(d.span), self.source(id))
                        && let Some((l, c)) = source.lines().byte_to_line_column(range.start)
                    {
                        line.push_str(&format!(":{}:{}", l + 1, c + 1));
                    }
                    line.push_str(": ");
                }
                line.push_str(&d.message);
                for hint in &d.hints {
                    line.push_str(&format!(" (hint: {})", hint.v));
                }
                line
            })
            .collect()
    }
}

impl World for CertWorld {
    fn library(&self) -> &LazyHash<Library> {
        &LIBRARY
    }

    fn book(&self) -> &LazyHash<FontBook> {
        &FONTS.book
    }

    fn main(&self) -> FileId {
        self.main
    }

    fn source(&self, id: FileId) -> FileResult<Source> {
        match self.template(id) {
            Some(source) => Ok(source.clone()),
            None => Err(not_found(id)),
        }
    }

    fn file(&self, id: FileId) -> FileResult<Bytes> {
        let ids = self.ids;
        if id == ids.data {
            Ok(self.data.clone())
        } else if id == ids.qr {
            Ok(self.qr_svg.clone())
        } else if let Some(source) = self.template(id) {
            Ok(Bytes::from_string(source.text().to_string()))
        } else {
            Err(not_found(id))
        }
    }

    fn font(&self, index: usize) -> Option<Font> {
        FONTS.fonts.get(index).cloned()
    }

    fn today(&self, _offset: Option<Duration>) -> Option<Datetime> {
        self.today
    }
}

fn not_found(id: FileId) -> FileError {
    FileError::NotFound(id.vpath().get_with_slash().into())
}

/// The number of embedded font faces (for tests and diagnostics).
pub(crate) fn font_count() -> usize {
    FONTS.fonts.len()
}
