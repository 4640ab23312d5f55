//! What a paper prints of a registered record's content, per kind: titled sections of
//! label/value lines (`tuphap_pdf::ExtractSection`) and the names its verification code carries.
//! One builder for every paper that shows a record's content as sections: the certified copies
//! of extracts (`extract.rs`, any kind) and the original trích lục of the kinds without a form
//! of their own (`record_extract.rs`: amendments, recognitions of parents, adoptions and their
//! end, guardianships, changes of guardian and their end).
//!
//! The content is read from the version's JSON by the field names of the declaration structs
//! (`AmendmentData`, `ParentageRecognition`, `AdoptionRegistration`, `AdoptionTermination`,
//! `GuardianshipRegistration`, `GuardianshipChange`, `GuardianshipEnd`); a field that is absent
//! prints as an empty line, never an error, so that older versions still print.

use time::Date;

use tuphap_core::dates::{format_vn, parse_date};
use tuphap_core::text::VnText;
use tuphap_store::civil::{RecordPersonRow, RecordRow};

use super::guardianship::{end_grounds_text, ward_situation_text};
use super::kind_name;
use crate::App;
use crate::certificates::{ethnicity_name, nationality_name, place_text};
use crate::error::Result;

/// What a paper prints of the record's content, and the names its code carries.
pub(crate) struct Content {
    pub sections: Vec<serde_json::Value>,
    /// The person the paper is about (the code's field 8).
    pub full_name: String,
    /// The other party (the code's field 9): the husband; the guardian; the recognised parent;
    /// the adoptive parents.
    pub second_name: Option<String>,
}

/// A field of an amended record as printed: `child.full_name` → "Họ, chữ đệm, tên (người được
/// khai sinh)"; a path it does not know stays as it is.
pub(crate) fn field_label(path: &str) -> String {
    let (party, field) = path.rsplit_once('.').unwrap_or(("", path));
    let what = match field {
        "full_name" => "Họ, chữ đệm, tên",
        "date_of_birth" => "Ngày, tháng, năm sinh",
        "sex" => "Giới tính",
        "ethnicity_code" => "Dân tộc",
        "nationality_code" => "Quốc tịch",
        "home_town" => "Quê quán",
        "personal_id" => "Số định danh cá nhân",
        "admin_unit_code" | "detail" => "Địa chỉ",
        "date_of_death" => "Ngày chết",
        "cause" => "Nguyên nhân chết",
        _ => return path.to_string(),
    };
    let whose = match party.split('.').next().unwrap_or_default() {
        "" => return what.to_string(),
        "child" => "người được khai sinh",
        "mother" => "người mẹ",
        "father" => "người cha",
        "deceased" => "người đã chết",
        "wife" => "vợ",
        "husband" => "chồng",
        "place_of_birth" => "nơi sinh",
        "place_of_death" => "nơi chết",
        other => other,
    };
    format!("{what} ({whose})")
}

/// An amended value as printed: dates dd/mm/yyyy, sex, ethnicity, nationality and unit in words;
/// anything else as it is.
fn change_value(path: &str, value: &serde_json::Value, on: Date) -> String {
    let field = path.rsplit('.').next().unwrap_or(path);
    let raw = text(value);
    if raw.is_empty() {
        return raw;
    }
    let named = match field {
        "sex" => sex_label(value),
        "ethnicity_code" => ethnicity_name(value),
        "nationality_code" => nationality_name(value),
        "admin_unit_code" => place_text(&serde_json::json!({ "admin_unit_code": raw.clone() }), on),
        _ if field.starts_with("date") => vn_date(value),
        _ => String::new(),
    };
    if named.is_empty() { raw } else { named }
}

/// `YYYY-MM-DD` → dd/mm/yyyy, `YYYY` as is.
pub(crate) fn vn_date(v: &serde_json::Value) -> String {
    let s = v.as_str().unwrap_or_default().trim();
    parse_date(s)
        .map(format_vn)
        .unwrap_or_else(|_| s.to_string())
}

pub(crate) fn text(v: &serde_json::Value) -> String {
    v.as_str()
        .map(|s| VnText::new(s).into_string())
        .unwrap_or_default()
}

fn sex_label(v: &serde_json::Value) -> String {
    tuphap_core::personal_id::Sex::parse(v.as_str().unwrap_or_default())
        .map(|s| s.label_vi().to_string())
        .unwrap_or_default()
}

fn line(label: &str, value: String) -> serde_json::Value {
    serde_json::json!({"label": label, "value": value, "strong": false})
}

fn name_line(label: &str, value: String) -> serde_json::Value {
    serde_json::json!({"label": label, "value": value, "strong": true})
}

fn section(heading: &str, lines: Vec<serde_json::Value>) -> serde_json::Value {
    serde_json::json!({"heading": heading, "lines": lines})
}

/// A role of a person linked to a record, as printed.
fn role_label(role: &str) -> &'static str {
    match role {
        "child" => "Người được khai sinh",
        "mother" => "Mẹ",
        "father" => "Cha",
        "deceased" => "Người đã chết",
        "wife" => "Vợ",
        "husband" => "Chồng",
        "applicant" => "Người được xác nhận",
        "subject" => "Người được thay đổi, cải chính",
        "adoptive_father" => "Cha nuôi",
        "adoptive_mother" => "Mẹ nuôi",
        "ward" => "Người được giám hộ",
        "guardian" => "Người giám hộ",
        _ => "Người liên quan",
    }
}

fn parent_lines(p: &serde_json::Value, who: &str, on: Date) -> Vec<serde_json::Value> {
    if p.is_null() {
        return vec![line(
            &format!("Họ, chữ đệm, tên người {who}"),
            String::new(),
        )];
    }
    vec![
        name_line(
            &format!("Họ, chữ đệm, tên người {who}"),
            text(&p["full_name"]),
        ),
        line("Năm sinh", vn_date(&p["date_of_birth"])),
        line("Dân tộc", ethnicity_name(&p["ethnicity_code"])),
        line("Quốc tịch", nationality_name(&p["nationality_code"])),
        line("Nơi cư trú", place_text(&p["residence"], on)),
    ]
}

fn spouse_lines(p: &serde_json::Value, on: Date) -> Vec<serde_json::Value> {
    vec![
        name_line("Họ, chữ đệm, tên", text(&p["full_name"])),
        line("Ngày, tháng, năm sinh", vn_date(&p["date_of_birth"])),
        line("Dân tộc", ethnicity_name(&p["ethnicity_code"])),
        line("Quốc tịch", nationality_name(&p["nationality_code"])),
        line("Số định danh cá nhân", text(&p["personal_id"])),
        line("Nơi cư trú", place_text(&p["residence"], on)),
    ]
}

/// A person given in full on a declaration (`ParentInput`, `GuardianshipPersonInput`): name,
/// date of birth, sex when given, ethnicity, nationality, personal ID when given, residence.
fn person_lines(p: &serde_json::Value, on: Date) -> Vec<serde_json::Value> {
    let mut lines = vec![
        name_line("Họ, chữ đệm, tên", text(&p["full_name"])),
        line("Ngày, tháng, năm sinh", vn_date(&p["date_of_birth"])),
    ];
    let sex = sex_label(&p["sex"]);
    if !sex.is_empty() {
        lines.push(line("Giới tính", sex));
    }
    lines.push(line("Dân tộc", ethnicity_name(&p["ethnicity_code"])));
    lines.push(line("Quốc tịch", nationality_name(&p["nationality_code"])));
    let pid = text(&p["personal_id"]);
    if !pid.is_empty() {
        lines.push(line("Số định danh cá nhân", pid));
    }
    lines.push(line("Nơi cư trú", place_text(&p["residence"], on)));
    lines
}

/// "Trần Thị Mai (mẹ)" from a `RequesterInput`.
fn requester_line(r: &serde_json::Value) -> Option<serde_json::Value> {
    let name = text(&r["full_name"]);
    if name.is_empty() {
        return None;
    }
    let relationship = text(&r["relationship"]);
    Some(line(
        "Người yêu cầu",
        if relationship.is_empty() {
            name
        } else {
            format!("{name} ({relationship})")
        },
    ))
}

/// A court's decision as cited: "Quyết định số 15/2026/QĐ-CCNCN ngày 01/10/2026 của Tòa án …"
/// (`CourtOrderInput`).
fn court_order(d: &serde_json::Value) -> String {
    format!(
        "Quyết định số {} ngày {} của {}",
        text(&d["number"]),
        vn_date(&d["decided_on"]),
        text(&d["court"])
    )
}

fn name_of(persons: &[RecordPersonRow], role: &str) -> Option<String> {
    persons
        .iter()
        .find(|p| p.role == role)
        .map(|p| p.full_name.clone())
}

/// The adoptive parents' names, "Phạm Văn Hải và Vũ Thị Thu".
fn adoptive_parents(persons: &[RecordPersonRow]) -> Option<String> {
    let names: Vec<String> = ["adoptive_father", "adoptive_mother"]
        .iter()
        .filter_map(|r| name_of(persons, r))
        .collect();
    (!names.is_empty()).then(|| names.join(" và "))
}

pub(crate) fn capitalised(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

impl App {
    /// The record's content as a paper prints it, from the version content `d`: per kind for
    /// births, deaths, marriages, amendments, recognitions of parents, adoptions and their end,
    /// guardianships, changes of guardian and their end; for the other kinds (divorce recordings,
    /// marital-status certificates, whose own papers have forms of their own) the persons linked
    /// to the record and what the record says in brief.
    pub(crate) async fn record_content(
        &self,
        r: &RecordRow,
        d: &serde_json::Value,
    ) -> Result<Content> {
        let on = r.registered_on.unwrap_or(r.event_date);
        let persons = self.store.record_persons(r.id).await?;
        let person = |role: &str| name_of(&persons, role);
        let content = match r.kind.as_str() {
            "birth" => {
                let c = &d["child"];
                let dob = parse_date(c["date_of_birth"].as_str().unwrap_or_default())
                    .unwrap_or(r.event_date);
                Content {
                    sections: vec![
                        section(
                            "",
                            vec![
                                name_line("Họ, chữ đệm, tên", text(&c["full_name"])),
                                line("Ngày, tháng, năm sinh", vn_date(&c["date_of_birth"])),
                                line("Giới tính", sex_label(&c["sex"])),
                                line("Dân tộc", ethnicity_name(&c["ethnicity_code"])),
                                line("Quốc tịch", nationality_name(&c["nationality_code"])),
                                line("Nơi sinh", place_text(&c["place_of_birth"], dob)),
                                line("Quê quán", text(&c["home_town"])),
                            ],
                        ),
                        section("Thông tin người mẹ", parent_lines(&d["mother"], "mẹ", on)),
                        section("Thông tin người cha", parent_lines(&d["father"], "cha", on)),
                    ],
                    full_name: text(&c["full_name"]),
                    second_name: None,
                }
            }
            "death" => {
                let p = &d["deceased"];
                Content {
                    sections: vec![
                        section(
                            "",
                            vec![
                                name_line("Họ, chữ đệm, tên người đã chết", text(&p["full_name"])),
                                line("Ngày, tháng, năm sinh", vn_date(&p["date_of_birth"])),
                                line("Giới tính", sex_label(&p["sex"])),
                                line("Dân tộc", ethnicity_name(&p["ethnicity_code"])),
                                line("Quốc tịch", nationality_name(&p["nationality_code"])),
                                line("Số định danh cá nhân", text(&p["personal_id"])),
                                line("Nơi cư trú cuối cùng", place_text(&p["residence"], on)),
                                line("Đã chết vào ngày", vn_date(&d["date_of_death"])),
                                line("Nơi chết", place_text(&d["place_of_death"], r.event_date)),
                                line("Nguyên nhân chết", text(&d["cause"])),
                            ],
                        ),
                        section(
                            "Người đi khai tử",
                            vec![
                                line("Họ, chữ đệm, tên", text(&d["declarant"]["full_name"])),
                                line(
                                    "Quan hệ với người đã chết",
                                    text(&d["declarant"]["relationship"]),
                                ),
                            ],
                        ),
                    ],
                    full_name: text(&p["full_name"]),
                    second_name: None,
                }
            }
            "marriage" => Content {
                sections: vec![
                    section("Bên nữ (vợ)", spouse_lines(&d["wife"], on)),
                    section("Bên nam (chồng)", spouse_lines(&d["husband"], on)),
                ],
                full_name: text(&d["wife"]["full_name"]),
                second_name: Some(text(&d["husband"]["full_name"])),
            },
            "amendment" => self.amendment_content(r, d, on).await?,
            "parentage" => {
                let role = text(&d["role"]);
                let who = if role == "mother" { "mẹ" } else { "cha" };
                let child = self.child_lines(r, &persons, "child").await?;
                let mut parent = person_lines(&d["parent"], on);
                parent.push(line(
                    "Giấy tờ chứng minh quan hệ cha, mẹ, con",
                    text(&d["evidence"]),
                ));
                let mut sections = vec![
                    section("Người con", child.lines),
                    section(&format!("Người được nhận là {who}"), parent),
                ];
                sections.extend(
                    self.closing(d, r.target_record_id, "Hồ sơ khai sinh của con")
                        .await?,
                );
                Content {
                    sections,
                    full_name: child.name,
                    second_name: Some(text(&d["parent"]["full_name"])).filter(|n| !n.is_empty()),
                }
            }
            "adoption" => {
                let child = self.child_lines(r, &persons, "child").await?;
                let mut sections = vec![section("Người được nhận làm con nuôi", child.lines)];
                for (key, heading) in [
                    ("adoptive_father", "Người nhận con nuôi: cha nuôi"),
                    ("adoptive_mother", "Người nhận con nuôi: mẹ nuôi"),
                ] {
                    if !d[key].is_null() {
                        sections.push(section(heading, person_lines(&d[key], on)));
                    }
                }
                sections.push(section(
                    "",
                    vec![line(
                        "Văn bản đồng ý và giấy tờ (Luật Nuôi con nuôi 2010, Điều 21)",
                        text(&d["evidence"]),
                    )],
                ));
                sections.extend(
                    self.closing(d, r.target_record_id, "Hồ sơ khai sinh của con nuôi")
                        .await?,
                );
                let parents: Vec<String> = ["adoptive_father", "adoptive_mother"]
                    .iter()
                    .map(|k| text(&d[*k]["full_name"]))
                    .filter(|n| !n.is_empty())
                    .collect();
                Content {
                    sections,
                    full_name: child.name,
                    second_name: (!parents.is_empty()).then(|| parents.join(" và ")),
                }
            }
            "adoption_termination" => {
                let child = self.child_lines(r, &persons, "child").await?;
                let mut parents = Vec::new();
                for role in ["adoptive_father", "adoptive_mother"] {
                    if let Some(n) = person(role) {
                        parents.push(name_line(role_label(role), n));
                    }
                }
                let decision = &d["decision"];
                let mut sections = vec![
                    section("Người con nuôi", child.lines),
                    section("Cha, mẹ nuôi", parents),
                    section(
                        "Việc nuôi con nuôi chấm dứt theo",
                        vec![
                            line("Căn cứ", court_order(decision)),
                            line(
                                "Có hiệu lực pháp luật từ ngày",
                                vn_date(&decision["effective_on"]),
                            ),
                        ],
                    ),
                ];
                sections.extend(
                    self.closing(d, r.target_record_id, "Hồ sơ đăng ký nuôi con nuôi")
                        .await?,
                );
                Content {
                    sections,
                    full_name: child.name,
                    second_name: adoptive_parents(&persons),
                }
            }
            "guardianship" => {
                let mut ward = if d["ward"].is_null() {
                    self.child_lines(r, &persons, "ward").await?
                } else {
                    Named {
                        name: text(&d["ward"]["full_name"]),
                        lines: person_lines(&d["ward"], on),
                    }
                };
                if let Some(s) = d["ward_situation"].as_str().and_then(ward_situation_text) {
                    ward.lines.push(line("Tình trạng", s.to_string()));
                }
                let court = text(&d["court_decision"]);
                if !court.is_empty() {
                    ward.lines.push(line("Quyết định của Tòa án", court));
                }
                if let Some(b) = d["ward_birth_record_id"].as_i64() {
                    ward.lines
                        .push(line("Hồ sơ khai sinh", self.record_citation(b).await?));
                }
                let mut guardian = person_lines(&d["guardian"], on);
                guardian.push(line(
                    "Loại giám hộ",
                    match d["kind"].as_str() {
                        Some("appointed") => "Giám hộ cử (Luật Hộ tịch 2014, Điều 20)".to_string(),
                        Some("statutory") => {
                            "Giám hộ đương nhiên (Luật Hộ tịch 2014, Điều 21)".to_string()
                        }
                        _ => text(&d["kind"]),
                    },
                ));
                guardian.push(line("Căn cứ", text(&d["basis"])));
                let mut sections = vec![
                    section("Người được giám hộ", ward.lines),
                    section("Người giám hộ", guardian),
                ];
                sections.extend(self.closing(d, None, "").await?);
                Content {
                    sections,
                    full_name: ward.name,
                    second_name: Some(text(&d["guardian"]["full_name"])).filter(|n| !n.is_empty()),
                }
            }
            "guardianship_change" => {
                let ward = self.child_lines(r, &persons, "ward").await?;
                let earlier = self.earlier_guardian(r.target_record_id).await?;
                let mut new = person_lines(&d["new_guardian"], on);
                new.push(line("Căn cứ", text(&d["basis"])));
                let mut sections = vec![
                    section("Người được giám hộ", ward.lines),
                    section(
                        "",
                        vec![
                            name_line("Người giám hộ trước", earlier.unwrap_or_default()),
                            line("Lý do thay đổi", text(&d["reason"])),
                        ],
                    ),
                    section("Người giám hộ mới", new),
                ];
                sections.extend(
                    self.closing(d, r.target_record_id, "Hồ sơ đăng ký giám hộ")
                        .await?,
                );
                Content {
                    sections,
                    full_name: ward.name,
                    second_name: Some(text(&d["new_guardian"]["full_name"]))
                        .filter(|n| !n.is_empty()),
                }
            }
            "guardianship_end" => {
                let ward = self.child_lines(r, &persons, "ward").await?;
                let earlier = self.earlier_guardian(r.target_record_id).await?;
                let grounds = d["grounds"]
                    .as_str()
                    .and_then(end_grounds_text)
                    .map(|g| format!("{g} (Bộ luật Dân sự 2015, Điều 62 khoản 1)"))
                    .unwrap_or_else(|| text(&d["grounds"]));
                let mut sections = vec![
                    section("Người được giám hộ", ward.lines),
                    section(
                        "Việc giám hộ chấm dứt",
                        vec![
                            name_line("Người giám hộ", earlier.unwrap_or_default()),
                            line("Căn cứ chấm dứt", grounds),
                            line("Chấm dứt từ ngày", vn_date(&d["ended_on"])),
                            line("Giấy tờ chứng minh", text(&d["evidence"])),
                        ],
                    ),
                ];
                sections.extend(
                    self.closing(d, r.target_record_id, "Hồ sơ đăng ký giám hộ")
                        .await?,
                );
                Content {
                    sections,
                    full_name: ward.name,
                    second_name: None,
                }
            }
            _ => {
                let mut lines = vec![line("Việc hộ tịch", capitalised(kind_name(&r.kind)))];
                for p in &persons {
                    lines.push(name_line(role_label(&p.role), p.full_name.clone()));
                }
                if let Some(t) = r.target_record_id {
                    lines.push(line("Hồ sơ liên quan", self.record_citation(t).await?));
                }
                match r.kind.as_str() {
                    "divorce" => {
                        if let Ok(dec) = serde_json::from_value::<super::CourtDecisionInput>(
                            d["decision"].clone(),
                        ) {
                            lines.push(line("Căn cứ", super::divorce::cite(&dec)));
                            lines.push(line(
                                "Có hiệu lực từ ngày",
                                vn_date(&d["decision"]["effective_on"]),
                            ));
                        }
                    }
                    "marital_status" => {
                        lines.push(line("Tình trạng hôn nhân", text(&d["sentence"])));
                    }
                    _ => {
                        let evidence = text(&d["evidence"]);
                        if !evidence.is_empty() {
                            lines.push(line("Giấy tờ làm căn cứ", evidence));
                        }
                    }
                }
                let subject = self
                    .store
                    .person_by_id(r.subject_person_id)
                    .await?
                    .map(|p| p.full_name)
                    .unwrap_or_default();
                Content {
                    sections: vec![section("", lines)],
                    full_name: if r.kind == "divorce" {
                        person("wife").unwrap_or(subject)
                    } else {
                        subject
                    },
                    second_name: if r.kind == "divorce" {
                        person("husband")
                    } else {
                        None
                    },
                }
            }
        };
        Ok(content)
    }

    /// An amendment (`AmendmentData`): the record amended, each change "từ … thành …", the
    /// reason, the legal basis and the evidence.
    async fn amendment_content(
        &self,
        r: &RecordRow,
        d: &serde_json::Value,
        on: Date,
    ) -> Result<Content> {
        let req = &d["request"];
        let subject = self
            .store
            .person_by_id(r.subject_person_id)
            .await?
            .map(|p| p.full_name)
            .unwrap_or_default();
        let mut head = vec![
            line(
                "Việc",
                super::amendment::kind_label(req["kind"].as_str().unwrap_or_default()).to_string(),
            ),
            name_line("Người được thay đổi, cải chính", subject.clone()),
        ];
        let target = r
            .target_record_id
            .or_else(|| req["target_record_id"].as_i64());
        if let Some(t) = target {
            head.push(line(
                "Hồ sơ được thay đổi, cải chính",
                self.record_citation(t).await?,
            ));
        }
        let target_on = match target {
            Some(t) => self
                .store
                .record_by_id(t)
                .await?
                .and_then(|t| t.registered_on.or(Some(t.event_date)))
                .unwrap_or(on),
            None => on,
        };
        let changes: Vec<serde_json::Value> = req["changes"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|c| {
                let field = text(&c["field"]);
                line(
                    &field_label(&field),
                    format!(
                        "từ \u{201c}{}\u{201d} thành \u{201c}{}\u{201d}",
                        change_value(&field, &c["from"], target_on),
                        change_value(&field, &c["to"], target_on)
                    ),
                )
            })
            .collect();
        let mut basis = vec![
            line("Lý do", text(&req["reason"])),
            line("Căn cứ pháp lý", text(&req["legal_basis"])),
            line("Giấy tờ làm căn cứ", text(&req["evidence"])),
        ];
        basis.extend(requester_line(&req["requester"]));
        Ok(Content {
            sections: vec![
                section("", head),
                section("Nội dung thay đổi, cải chính, bổ sung", changes),
                section("", basis),
            ],
            full_name: subject,
            second_name: None,
        })
    }

    /// A person linked to the record in `role` (a child, a ward) as their person entry knows
    /// them: name, date of birth, sex.
    async fn child_lines(
        &self,
        r: &RecordRow,
        persons: &[RecordPersonRow],
        role: &str,
    ) -> Result<Named> {
        let id = persons
            .iter()
            .find(|p| p.role == role)
            .map(|p| p.person_id)
            .unwrap_or(r.subject_person_id);
        let Some(p) = self.store.person_by_id(id).await? else {
            return Ok(Named {
                name: String::new(),
                lines: vec![name_line("Họ, chữ đệm, tên", String::new())],
            });
        };
        let born = match (p.date_of_birth, p.birth_year) {
            (Some(d), _) => format_vn(d),
            (None, Some(y)) => y.to_string(),
            (None, None) => String::new(),
        };
        let mut lines = vec![
            name_line("Họ, chữ đệm, tên", p.full_name.clone()),
            line("Ngày, tháng, năm sinh", born),
            line(
                "Giới tính",
                sex_label(&serde_json::json!(p.sex.clone().unwrap_or_default())),
            ),
        ];
        if let Some(pid) = p.personal_id.clone() {
            lines.push(line("Số định danh cá nhân", pid));
        }
        Ok(Named {
            name: p.full_name,
            lines,
        })
    }

    /// The guardian named by guardianship record `target` (the guardianship a change or an end
    /// concerns).
    async fn earlier_guardian(&self, target: Option<i64>) -> Result<Option<String>> {
        let Some(t) = target else {
            return Ok(None);
        };
        Ok(name_of(&self.store.record_persons(t).await?, "guardian"))
    }

    /// The closing lines of a procedure's paper: the requester and the record it concerns.
    async fn closing(
        &self,
        d: &serde_json::Value,
        target: Option<i64>,
        target_label: &str,
    ) -> Result<Vec<serde_json::Value>> {
        let mut lines: Vec<serde_json::Value> =
            requester_line(&d["requester"]).into_iter().collect();
        if let Some(t) = target {
            lines.push(line(target_label, self.record_citation(t).await?));
        }
        Ok(if lines.is_empty() {
            Vec::new()
        } else {
            vec![section("", lines)]
        })
    }
}

/// A person's name and printed lines.
struct Named {
    name: String,
    lines: Vec<serde_json::Value>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amended_fields_are_named_in_words() {
        assert_eq!(
            field_label("child.full_name"),
            "Họ, chữ đệm, tên (người được khai sinh)"
        );
        assert_eq!(field_label("mother.residence.detail"), "Địa chỉ (người mẹ)");
        assert_eq!(field_label("date_of_death"), "Ngày chết");
        assert_eq!(field_label("x.unknown"), "x.unknown");
    }

    #[test]
    fn amended_values_are_printed_in_words() {
        let on = time::macros::date!(2026 - 01 - 07);
        assert_eq!(
            change_value("child.date_of_birth", &serde_json::json!("2026-01-05"), on),
            "05/01/2026"
        );
        assert_eq!(
            change_value("child.sex", &serde_json::json!("female"), on),
            "Nữ"
        );
        assert_eq!(
            change_value("child.full_name", &serde_json::json!("Lê  Thị Ngọc"), on),
            "Lê Thị Ngọc"
        );
        assert_eq!(
            change_value("child.home_town", &serde_json::Value::Null, on),
            ""
        );
    }
}
