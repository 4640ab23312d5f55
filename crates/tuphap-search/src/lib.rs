//! Civil-status search: a tantivy index of the civil records, kept as a projection of the change
//! log.
//!
//! One document per civil record (birth, death, marriage). The index follows the change log by
//! `seq`: [`SearchIndex::catch_up`] reads the changes after the last applied sequence number in
//! batches of 1,000, reloads each changed record from the store and upserts its document (delete
//! by id, add), commits, then persists the sequence number (`applied_seq` in the index
//! directory). Re-applying a change is harmless, so a crash between the commit and the write of
//! `applied_seq` only repeats work. [`SearchIndex::rebuild`] wipes the index and replays the log
//! from the start (`tuphap reindex`).
//!
//! Vietnamese text: every value and every query is NFC-normalised and its tone marks placed one
//! way (`tuphap_core::text::tone_canonical`), then analysed by `vi_fold` (SimpleTokenizer →
//! LowerCaser → AsciiFoldingFilter: "Nguyễn Thị Hương" → `nguyen thi huong`) for recall and by
//! `vi_exact` (no folding) in a second field boosted ×3, so that exact-accent hits rank first.
//!
//! Jurisdiction is not decided here: the caller passes a [`SearchScope`] (national, a province
//! code, or one office) and the index filters on it. The province of a record for the scope is
//! the province of its registering office, as in `App::get_record`.

use std::collections::{BTreeSet, HashMap};
use std::ops::Bound;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::Serialize;
use tantivy::collector::{Count, TopDocs};
use tantivy::query::{
    AllQuery, BooleanQuery, BoostQuery, ConstScoreQuery, Occur, Query, RangeQuery, TermQuery,
};
use tantivy::schema::{
    FAST, Field, INDEXED, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing,
    TextOptions, Value,
};
use tantivy::tokenizer::{
    AsciiFoldingFilter, LowerCaser, SimpleTokenizer, TextAnalyzer, TokenStream,
};
use tantivy::{Index, IndexReader, IndexWriter, ReloadPolicy, TantivyDocument, Term};
use time::Date;
use tuphap_core::reference::{self as refdata, AdminLevel};
use tuphap_store::{Change, Store, StoreError};

/// Change-log entities that are civil records.
pub const RECORD_ENTITIES: [&str; 12] = [
    "birth",
    "death",
    "marriage",
    "divorce",
    "marital_status",
    "amendment",
    "parentage",
    "adoption",
    "adoption_termination",
    "guardianship",
    "guardianship_change",
    "guardianship_end",
];
/// Changes read per batch (one commit per batch).
pub const BATCH: i64 = 1_000;
/// Largest page.
pub const MAX_LIMIT: usize = 100;
const SEQ_FILE: &str = "applied_seq";
/// Bumped whenever the schema or the document content changes.
const SCHEMA_VERSION: &str = "2";
const SCHEMA_FILE: &str = "schema_version";
/// Records per index commit when applying changes (an import batch names thousands).
const DOC_CHUNK: usize = 20_000;
const WRITER_MEMORY: usize = 50_000_000;

#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    #[error("store: {0}")]
    Store(#[from] StoreError),
    #[error("index: {0}")]
    Index(#[from] tantivy::TantivyError),
    #[error("index directory: {0}")]
    OpenDirectory(#[from] tantivy::directory::error::OpenDirectoryError),
    #[error("io: {0}")]
    Io(#[from] std::io::Error),
    #[error("the index writer lock is poisoned")]
    Poisoned,
}

pub type Result<T, E = SearchError> = std::result::Result<T, E>;

/// Whose records a search may return.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SearchScope {
    /// Every record (the ministry).
    National,
    /// Records registered by offices of this province (current code).
    Province(String),
    /// Records registered by this office.
    Office(i64),
    /// Records whose register books this commune (current code) holds: its own, and those of
    /// the former communes it succeeded.
    Commune(String),
}

/// A search request. Empty fields do not filter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchQuery {
    /// Free text: name words; a 12-digit number is a personal ID; `N/YYYY` a register number.
    pub q: Option<String>,
    /// `birth`, `death`, `marriage`.
    pub kind: Option<String>,
    /// `male`, `female`.
    pub sex: Option<String>,
    /// Year of birth (births) or of the event.
    pub year: Option<i32>,
    /// Event date range, both ends included.
    pub date_from: Option<Date>,
    pub date_to: Option<Date>,
    /// The record's unit code (place of the event, as it was then).
    pub unit_code: Option<String>,
    pub mother_name: Option<String>,
    pub father_name: Option<String>,
    pub scope: SearchScope,
    pub limit: usize,
    pub offset: usize,
}

impl SearchQuery {
    /// A query for `q` within `scope`, first page of 20.
    pub fn new(q: Option<&str>, scope: SearchScope) -> SearchQuery {
        SearchQuery {
            q: q.map(str::to_string),
            kind: None,
            sex: None,
            year: None,
            date_from: None,
            date_to: None,
            unit_code: None,
            mother_name: None,
            father_name: None,
            scope,
            limit: 20,
            offset: 0,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Hit {
    pub id: i64,
    pub kind: String,
    pub status: String,
    pub full_name: String,
    /// Event date, `YYYY-MM-DD`.
    pub date: String,
    pub unit_code: Option<String>,
    /// `N/YYYY` once registered.
    pub register_text: Option<String>,
    pub score: f32,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SearchResults {
    pub items: Vec<Hit>,
    pub total: usize,
}

#[derive(Debug, Clone, Copy)]
struct Fields {
    id: Field,
    kind: Field,
    status: Field,
    office: Field,
    office_province: Field,
    holder: Field,
    unit: Field,
    province: Field,
    name: Field,
    name_exact: Field,
    full_name: Field,
    date: Field,
    date_text: Field,
    year: Field,
    sex: Field,
    mother: Field,
    father: Field,
    register: Field,
    personal_id: Field,
}

fn schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let text = |tokenizer: &str| {
        TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(tokenizer)
                .set_index_option(IndexRecordOption::WithFreqsAndPositions),
        )
    };
    let fields = Fields {
        id: b.add_u64_field("id", INDEXED | STORED | FAST),
        kind: b.add_text_field("kind", STRING | STORED),
        status: b.add_text_field("status", STRING | STORED),
        office: b.add_i64_field("office", INDEXED | STORED),
        office_province: b.add_text_field("office_province", STRING),
        holder: b.add_text_field("holder", STRING),
        unit: b.add_text_field("unit", STRING | STORED),
        province: b.add_text_field("province", STRING),
        name: b.add_text_field("name", text("vi_fold")),
        name_exact: b.add_text_field("name_exact", text("vi_exact")),
        full_name: b.add_text_field("full_name", STORED),
        date: b.add_i64_field("date", INDEXED | FAST),
        date_text: b.add_text_field("date_text", STORED),
        year: b.add_i64_field("year", INDEXED),
        sex: b.add_text_field("sex", STRING),
        mother: b.add_text_field("mother", text("vi_fold")),
        father: b.add_text_field("father", text("vi_fold")),
        register: b.add_text_field("register", STRING | STORED),
        personal_id: b.add_text_field("personal_id", STRING),
    };
    (b.build(), fields)
}

fn register_tokenizers(index: &Index) {
    index.tokenizers().register(
        "vi_fold",
        TextAnalyzer::builder(SimpleTokenizer::default())
            .filter(LowerCaser)
            .filter(AsciiFoldingFilter)
            .build(),
    );
    index.tokenizers().register(
        "vi_exact",
        TextAnalyzer::builder(SimpleTokenizer::default())
            .filter(LowerCaser)
            .build(),
    );
}

/// Text as indexed and queried: NFC with one tone-mark placement.
pub fn normalize(s: &str) -> String {
    tuphap_core::text::tone_canonical(s)
}

/// The civil-status search index.
pub struct SearchIndex {
    index: Index,
    reader: IndexReader,
    writer: Mutex<IndexWriter<TantivyDocument>>,
    fields: Fields,
    dir: Option<PathBuf>,
    /// The last applied change-log sequence number; held while applying, so catch-ups run one
    /// at a time.
    applied: tokio::sync::Mutex<i64>,
}

impl std::fmt::Debug for SearchIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SearchIndex")
            .field("dir", &self.dir)
            .finish_non_exhaustive()
    }
}

impl SearchIndex {
    /// Opens (or creates) the index in `dir` (`<data dir>/search`), with its persisted sequence
    /// number.
    pub fn open(dir: &Path) -> Result<SearchIndex> {
        std::fs::create_dir_all(dir)?;
        // An index written with another schema is rebuilt from the change log.
        let version_file = dir.join(SCHEMA_FILE);
        let version = std::fs::read_to_string(&version_file).unwrap_or_default();
        if version.trim() != SCHEMA_VERSION {
            for entry in std::fs::read_dir(dir)? {
                let path = entry?.path();
                if path.is_dir() {
                    std::fs::remove_dir_all(&path)?;
                } else {
                    std::fs::remove_file(&path)?;
                }
            }
            std::fs::write(&version_file, format!("{SCHEMA_VERSION}\n"))?;
        }
        let (schema, fields) = schema();
        let mmap = tantivy::directory::MmapDirectory::open(dir)?;
        let index = Index::open_or_create(mmap, schema)?;
        let seq = match std::fs::read_to_string(dir.join(SEQ_FILE)) {
            Ok(s) => s.trim().parse::<i64>().unwrap_or(0),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => 0,
            Err(e) => return Err(e.into()),
        };
        Self::from_index(index, fields, Some(dir.to_path_buf()), seq)
    }

    /// An index in memory (tests; a server without a data directory).
    pub fn in_ram() -> Result<SearchIndex> {
        let (schema, fields) = schema();
        Self::from_index(Index::create_in_ram(schema), fields, None, 0)
    }

    fn from_index(
        index: Index,
        fields: Fields,
        dir: Option<PathBuf>,
        seq: i64,
    ) -> Result<SearchIndex> {
        register_tokenizers(&index);
        let writer = index.writer_with_num_threads(1, WRITER_MEMORY)?;
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        Ok(SearchIndex {
            index,
            reader,
            writer: Mutex::new(writer),
            fields,
            dir,
            applied: tokio::sync::Mutex::new(seq),
        })
    }

    /// The last change-log sequence number applied.
    pub async fn applied_seq(&self) -> i64 {
        *self.applied.lock().await
    }

    /// Number of records in the index.
    pub fn num_docs(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    /// Applies changes (any entities; civil records are (re)loaded from the store and upserted)
    /// and commits. Does not move the persisted sequence number: see [`SearchIndex::catch_up`].
    pub async fn apply(&self, store: &Store, changes: &[Change]) -> Result<usize> {
        let mut ids: BTreeSet<i64> = changes
            .iter()
            .filter(|c| RECORD_ENTITIES.contains(&c.entity.as_str()))
            .filter_map(|c| c.entity_id.parse::<i64>().ok())
            .collect();
        // A batch of the bulk import names its records as id ranges (one change-log row per
        // batch instead of one per record).
        // A merge of two person entries (or its undoing) names the records of both: their
        // documents carry the personal ID of the entry that stays.
        for c in changes.iter().filter(|c| c.entity == "person") {
            let payload: serde_json::Value = serde_json::from_str(&c.payload).unwrap_or_default();
            ids.extend(
                payload["records"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(serde_json::Value::as_i64),
            );
        }
        for c in changes
            .iter()
            .filter(|c| c.entity == "import" && c.action == "batch")
        {
            let payload: serde_json::Value = serde_json::from_str(&c.payload).unwrap_or_default();
            for r in payload["records"].as_array().into_iter().flatten() {
                if let (Some(a), Some(b)) = (r[0].as_i64(), r[1].as_i64()) {
                    ids.extend(a..=b);
                }
            }
        }
        if ids.is_empty() {
            return Ok(0);
        }
        let mut offices = HashMap::new();
        let all: Vec<i64> = ids.into_iter().collect();
        for chunk in all.chunks(DOC_CHUNK) {
            let (Some(&lo), Some(&hi)) = (chunk.first(), chunk.last()) else {
                continue;
            };
            // Two queries for the whole id range (scattered ids would read too much: then one
            // record at a time).
            let mut loaded: HashMap<i64, TantivyDocument> = HashMap::new();
            if hi - lo < 4 * chunk.len() as i64 {
                let (records, persons) = store.records_for_index(lo, hi).await?;
                let mut by_record: HashMap<i64, Vec<tuphap_store::civil::IndexPersonRow>> =
                    HashMap::new();
                for p in persons {
                    by_record.entry(p.record_id).or_default().push(p);
                }
                for r in records {
                    let persons = by_record.remove(&r.id).unwrap_or_default();
                    let doc = self.build_doc(store, &r, &persons, &mut offices).await?;
                    loaded.insert(r.id, doc);
                }
            } else {
                for &id in chunk {
                    if let Some(r) = store.record_by_id(id).await? {
                        let persons: Vec<tuphap_store::civil::IndexPersonRow> =
                            store.records_for_index(id, id).await?.1;
                        let doc = self.build_doc(store, &r, &persons, &mut offices).await?;
                        loaded.insert(id, doc);
                    }
                }
            }
            let mut w = self.writer.lock().map_err(|_| SearchError::Poisoned)?;
            for &id in chunk {
                w.delete_term(Term::from_field_u64(self.fields.id, id as u64));
                if let Some(doc) = loaded.remove(&id) {
                    w.add_document(doc)?;
                }
            }
            w.commit()?;
        }
        self.reader.reload()?;
        Ok(all.len())
    }

    /// Follows the change log from the last applied sequence number to its end, in batches of
    /// 1,000 with one commit each; returns the number of changes read.
    pub async fn catch_up(&self, store: &Store) -> Result<usize> {
        let mut applied = self.applied.lock().await;
        self.catch_up_locked(store, &mut applied).await
    }

    async fn catch_up_locked(&self, store: &Store, applied: &mut i64) -> Result<usize> {
        let mut read = 0;
        loop {
            let batch = store.changes_after(*applied, BATCH).await?;
            let Some(last) = batch.last().map(|c| c.seq) else {
                return Ok(read);
            };
            self.apply(store, &batch).await?;
            self.persist_seq(last)?;
            *applied = last;
            read += batch.len();
            if (batch.len() as i64) < BATCH {
                return Ok(read);
            }
        }
    }

    /// Wipes the index and replays the whole change log; returns the number of records indexed.
    pub async fn rebuild(&self, store: &Store) -> Result<u64> {
        let mut applied = self.applied.lock().await;
        {
            let mut w = self.writer.lock().map_err(|_| SearchError::Poisoned)?;
            w.delete_all_documents()?;
            w.commit()?;
        }
        self.persist_seq(0)?;
        *applied = 0;
        self.reader.reload()?;
        self.catch_up_locked(store, &mut applied).await?;
        Ok(self.num_docs())
    }

    fn persist_seq(&self, seq: i64) -> Result<()> {
        if let Some(dir) = &self.dir {
            let tmp = dir.join(format!("{SEQ_FILE}.tmp"));
            std::fs::write(&tmp, format!("{seq}\n"))?;
            std::fs::rename(&tmp, dir.join(SEQ_FILE))?;
        }
        Ok(())
    }

    async fn build_doc(
        &self,
        store: &Store,
        r: &tuphap_store::civil::RecordRow,
        persons: &[tuphap_store::civil::IndexPersonRow],
        offices: &mut HashMap<i64, OfficeKeys>,
    ) -> Result<TantivyDocument> {
        let f = &self.fields;
        let subject = persons.iter().find(|p| p.person_id == r.subject_person_id);
        if let std::collections::hash_map::Entry::Vacant(slot) = offices.entry(r.office_id) {
            let keys = store
                .office_by_id(r.office_id)
                .await?
                .map(|o| office_keys(&o))
                .unwrap_or_default();
            slot.insert(keys);
        }
        let mut doc = TantivyDocument::default();
        doc.add_u64(f.id, r.id as u64);
        doc.add_text(f.kind, &r.kind);
        doc.add_text(f.status, &r.status);
        doc.add_i64(f.office, r.office_id);
        if let Some(keys) = offices.get(&r.office_id) {
            for p in &keys.provinces {
                doc.add_text(f.office_province, p);
            }
            for h in &keys.holders {
                doc.add_text(f.holder, h);
            }
        }
        if let Some(u) = &r.unit_code {
            doc.add_text(f.unit, u);
            for p in provinces_of(u, r.event_date) {
                doc.add_text(f.province, &p);
            }
        }
        // The subject(s): the child, the deceased, both spouses.
        let subject_roles = ["husband", "wife"];
        let mut names: Vec<String> = Vec::new();
        let mut ids: Vec<String> = Vec::new();
        if let Some(s) = subject {
            names.push(s.full_name.clone());
            ids.extend(s.personal_id.clone());
            if let Some(sex) = &s.sex {
                doc.add_text(f.sex, sex);
            }
        }
        for p in persons {
            if p.person_id != r.subject_person_id && subject_roles.contains(&p.role.as_str()) {
                names.push(p.full_name.clone());
                ids.extend(p.personal_id.clone());
            }
            match p.role.as_str() {
                "mother" => doc.add_text(f.mother, normalize(&p.full_name)),
                "father" => doc.add_text(f.father, normalize(&p.full_name)),
                _ => {}
            }
        }
        for n in &names {
            let n = normalize(n);
            doc.add_text(f.name, &n);
            doc.add_text(f.name_exact, &n);
        }
        doc.add_text(f.full_name, names.join(" – "));
        for pid in ids {
            doc.add_text(f.personal_id, pid);
        }
        let date = subject
            .filter(|_| r.kind == "birth")
            .and_then(|s| s.date_of_birth)
            .unwrap_or(r.event_date);
        doc.add_i64(f.date, i64::from(date.to_julian_day()));
        doc.add_text(f.date_text, date.to_string());
        doc.add_i64(f.year, i64::from(date.year()));
        if let (Some(n), Some(y)) = (r.register_number, r.register_year) {
            doc.add_text(f.register, format!("{n}/{y}"));
        }
        Ok(doc)
    }

    fn tokens(&self, field: Field, text: &str) -> Result<Vec<String>> {
        let mut analyzer = self.index.tokenizer_for_field(field)?;
        let normalized = normalize(text);
        let mut stream = analyzer.token_stream(&normalized);
        let mut out = Vec::new();
        while stream.advance() {
            out.push(stream.token().text.clone());
        }
        Ok(out)
    }

    fn filter_term(term: Term) -> (Occur, Box<dyn Query>) {
        let q: Box<dyn Query> = Box::new(TermQuery::new(term, IndexRecordOption::Basic));
        (Occur::Must, Box::new(ConstScoreQuery::new(q, 0.0)))
    }

    /// Every folded word of `text` must appear in `field`.
    fn folded_words(&self, field: Field, text: &str) -> Result<Vec<(Occur, Box<dyn Query>)>> {
        Ok(self
            .tokens(field, text)?
            .into_iter()
            .map(|t| {
                let q: Box<dyn Query> = Box::new(TermQuery::new(
                    Term::from_field_text(field, &t),
                    IndexRecordOption::WithFreqs,
                ));
                (Occur::Must, q)
            })
            .collect())
    }

    fn build_query(&self, q: &SearchQuery) -> Result<Box<dyn Query>> {
        let f = &self.fields;
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        let mut scoring = false;
        if let Some(text) = q.q.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
            if let Some(pid) = personal_id_query(text) {
                clauses.push(Self::filter_term(Term::from_field_text(
                    f.personal_id,
                    &pid,
                )));
            } else if let Some(reg) = register_query(text) {
                clauses.push(Self::filter_term(Term::from_field_text(f.register, &reg)));
            } else {
                let must = self.folded_words(f.name, text)?;
                if must.is_empty() {
                    // Only punctuation: nothing can match.
                    return Ok(Box::new(BooleanQuery::new(vec![(
                        Occur::Must,
                        Box::new(TermQuery::new(
                            Term::from_field_text(f.kind, "\u{0}"),
                            IndexRecordOption::Basic,
                        )) as Box<dyn Query>,
                    )])));
                }
                clauses.extend(must);
                for t in self.tokens(f.name_exact, text)? {
                    let exact: Box<dyn Query> = Box::new(TermQuery::new(
                        Term::from_field_text(f.name_exact, &t),
                        IndexRecordOption::WithFreqs,
                    ));
                    clauses.push((Occur::Should, Box::new(BoostQuery::new(exact, 3.0))));
                }
                scoring = true;
            }
        }
        if let Some(k) = non_empty(&q.kind) {
            clauses.push(Self::filter_term(Term::from_field_text(f.kind, k)));
        }
        if let Some(s) = non_empty(&q.sex) {
            clauses.push(Self::filter_term(Term::from_field_text(f.sex, s)));
        }
        if let Some(u) = non_empty(&q.unit_code) {
            clauses.push(Self::filter_term(Term::from_field_text(f.unit, u)));
        }
        if let Some(y) = q.year {
            clauses.push(Self::filter_term(Term::from_field_i64(
                f.year,
                i64::from(y),
            )));
        }
        if q.date_from.is_some() || q.date_to.is_some() {
            let bound = |d: Option<Date>| match d {
                Some(d) => {
                    Bound::Included(Term::from_field_i64(f.date, i64::from(d.to_julian_day())))
                }
                None => Bound::Unbounded,
            };
            let range: Box<dyn Query> =
                Box::new(RangeQuery::new(bound(q.date_from), bound(q.date_to)));
            clauses.push((Occur::Must, Box::new(ConstScoreQuery::new(range, 0.0))));
        }
        for (field, text) in [(f.mother, &q.mother_name), (f.father, &q.father_name)] {
            if let Some(t) = non_empty(text) {
                for (_, w) in self.folded_words(field, t)? {
                    clauses.push((Occur::Must, Box::new(ConstScoreQuery::new(w, 0.0))));
                }
            }
        }
        match &q.scope {
            SearchScope::National => {}
            SearchScope::Province(p) => {
                clauses.push(Self::filter_term(Term::from_field_text(
                    f.office_province,
                    p,
                )));
            }
            SearchScope::Office(o) => {
                clauses.push(Self::filter_term(Term::from_field_i64(f.office, *o)));
            }
            SearchScope::Commune(c) => {
                clauses.push(Self::filter_term(Term::from_field_text(f.holder, c)));
            }
        }
        if clauses.is_empty() {
            return Ok(Box::new(AllQuery));
        }
        if !scoring {
            clauses.push((
                Occur::Should,
                Box::new(ConstScoreQuery::new(Box::new(AllQuery), 1.0)),
            ));
        }
        Ok(Box::new(BooleanQuery::new(clauses)))
    }

    /// Searches the index as it is (call [`SearchIndex::catch_up`] first for fresh results).
    pub fn search(&self, q: &SearchQuery) -> Result<SearchResults> {
        let query = self.build_query(q)?;
        let searcher = self.reader.searcher();
        let limit = q.limit.clamp(1, MAX_LIMIT);
        let (top, total) = searcher.search(
            &query,
            &(
                TopDocs::with_limit(limit)
                    .and_offset(q.offset)
                    .order_by_score(),
                Count,
            ),
        )?;
        let f = &self.fields;
        let mut items = Vec::with_capacity(top.len());
        for (score, addr) in top {
            let doc: TantivyDocument = searcher.doc(addr)?;
            let text = |field: Field| {
                doc.get_first(field)
                    .and_then(|v| v.as_str())
                    .map(str::to_string)
            };
            items.push(Hit {
                id: doc
                    .get_first(f.id)
                    .and_then(|v| v.as_u64())
                    .map(|v| v as i64)
                    .unwrap_or_default(),
                kind: text(f.kind).unwrap_or_default(),
                status: text(f.status).unwrap_or_default(),
                full_name: text(f.full_name).unwrap_or_default(),
                date: text(f.date_text).unwrap_or_default(),
                unit_code: text(f.unit),
                register_text: text(f.register),
                score,
            });
        }
        Ok(SearchResults { items, total })
    }
}

fn non_empty(s: &Option<String>) -> Option<&str> {
    s.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// A 12-digit personal ID (spaces allowed between groups).
fn personal_id_query(text: &str) -> Option<String> {
    let digits: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    (digits.len() == 12 && digits.chars().all(|c| c.is_ascii_digit())).then_some(digits)
}

/// `N/YYYY` (leading zeros of N ignored) → the indexed `N/YYYY`.
fn register_query(text: &str) -> Option<String> {
    let (n, y) = text.split_once('/')?;
    let (n, y) = (n.trim(), y.trim());
    if n.is_empty() || y.len() != 4 || !n.chars().chain(y.chars()).all(|c| c.is_ascii_digit()) {
        return None;
    }
    let n: u32 = n.parse().ok()?;
    let y: u32 = y.parse().ok()?;
    Some(format!("{n}/{y}"))
}

/// What places a registering office in jurisdictions: the current provinces over it and the
/// current communes that hold its books.
#[derive(Debug, Clone, Default)]
struct OfficeKeys {
    provinces: BTreeSet<String>,
    holders: BTreeSet<String>,
}

/// An office of today's structure holds its own books; the books of an office whose unit no
/// longer exists (a commune before the 2025 reform) are held by the communes that succeeded it.
fn office_keys(o: &tuphap_store::identity::OfficeRow) -> OfficeKeys {
    let mut keys = OfficeKeys::default();
    let Some(unit) = o.unit_code.as_deref() else {
        return keys;
    };
    match o.unit_valid_to {
        None => {
            keys.provinces.extend(o.province_code.clone());
            if o.kind == "commune" {
                keys.holders.insert(unit.to_string());
            }
        }
        Some(until) => {
            let last = until.previous_day().unwrap_or(until);
            keys.provinces = provinces_of(unit, last);
            let today = tuphap_core::dates::vn_today();
            if let Some(u) = refdata::unit_on(unit, last) {
                for s in refdata::successors_of(&u.code, u.level) {
                    if let Some(now) = refdata::unit_on(&s.new_code, today) {
                        keys.holders.insert(now.code.clone());
                    }
                }
            }
        }
    }
    keys
}

/// The province codes of the unit `code` as it was on `as_of`: then and today (following the
/// 2025 successions).
fn provinces_of(code: &str, as_of: Date) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let Some(unit) = refdata::unit_on(code, as_of) else {
        return out;
    };
    out.insert(unit.province_code.clone());
    let today = tuphap_core::dates::vn_today();
    if refdata::unit_on(code, today).is_some_and(|u| u == unit) {
        return out;
    }
    match unit.level {
        AdminLevel::Province => {
            for s in refdata::successors_of(&unit.code, AdminLevel::Province) {
                out.insert(s.new_code.clone());
            }
        }
        level => {
            for s in refdata::successors_of(&unit.code, level) {
                if let Some(u) = refdata::unit_on(&s.new_code, today) {
                    out.insert(u.province_code.clone());
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn free_text_kinds() {
        assert_eq!(
            personal_id_query("001 190 000 001").as_deref(),
            Some("001190000001")
        );
        assert_eq!(personal_id_query("00119000000"), None);
        assert_eq!(register_query("01/2026").as_deref(), Some("1/2026"));
        assert_eq!(register_query("1/26"), None);
        assert_eq!(register_query("Hương"), None);
    }
}
