//! Conditions of marriage that the registry can check (Luật Hôn nhân và gia đình 2014, Điều 8
//! and Điều 5 khoản 2; `luat-hon-nhan-va-gia-dinh-2014/dieu-8`, `…/dieu-5`).
//!
//! Điều 8 khoản 1: "a) Nam từ đủ 20 tuổi trở lên, nữ từ đủ 18 tuổi trở lên; b) Việc kết hôn do nam
//! và nữ tự nguyện quyết định; c) Không bị mất năng lực hành vi dân sự; d) Việc kết hôn không thuộc
//! một trong các trường hợp cấm kết hôn theo quy định tại các điểm a, b, c và d khoản 2 Điều 5".
//! Điều 8 khoản 2: "Nhà nước không thừa nhận hôn nhân giữa những người cùng giới tính."
//!
//! Checked here, from what the registry records: ages on the registration date (a); loss of
//! legal capacity when a court decision is recorded (c); an existing marriage (Đ.5.2c); the
//! prohibited relationships of Đ.5.2d that recorded parent and marriage links show; same sex
//! (Đ.8.2); and that neither party is recorded as deceased or is the same person as the other.
//! Not checkable by rules, left to the officer's interview (Luật Hộ tịch 2014, Điều 18, 38.3):
//! voluntariness (b), fake, forced or deceived marriage (Đ.5.2a–b).
//!
//! Đ.5.2d prohibits marriage "giữa những người cùng dòng máu về trực hệ; giữa những người có họ
//! trong phạm vi ba đời; giữa cha, mẹ nuôi với con nuôi; giữa người đã từng là cha, mẹ nuôi với
//! con nuôi, cha chồng với con dâu, mẹ vợ với con rể, cha dượng với con riêng của vợ, mẹ kế với
//! con riêng của chồng". Đ.3.17–18 define the direct line (one gave birth to the other, in
//! succession) and "ba đời" (same root: the parents are the first generation, their children the
//! second, the children's children — first cousins — the third).

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};

use serde::{Deserialize, Serialize};
use time::Date;

use super::register::RegisterRef;
use super::timing::{date_reaching_age, full_years};
use crate::dates::{VnDate, iso_date};
use crate::error::Coded;
use crate::personal_id::Sex;

/// Minimum age of the man, in full years (HN&GĐ 2014 Đ.8.1a).
pub const HUSBAND_MIN_AGE: i32 = 20;
/// Minimum age of the woman, in full years (HN&GĐ 2014 Đ.8.1a).
pub const WIFE_MIN_AGE: i32 = 18;
/// Generations of ancestry followed at most (guards against cyclic or very deep data).
pub const MAX_ANCESTRY_DEPTH: u8 = 8;

/// A person's identifier in the registry (one identifier space for all links: e.g. the
/// registry's person id, or the personal ID number where every person has one).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct PersonKey(pub String);

impl PersonKey {
    pub fn new(s: impl Into<String>) -> PersonKey {
        PersonKey(s.into())
    }
}

/// How a parent link was established.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ParentKind {
    /// Cha đẻ, mẹ đẻ: from the birth record, a recognition (nhận cha, mẹ, con) or a court's
    /// determination; includes the intended parents of a surrogacy (BLDS 2015 Đ.26.2). Blood
    /// relations follow these links only.
    Birth,
    /// Cha nuôi, mẹ nuôi: an adoption, current **or ended** (Đ.5.2d covers "người đã từng là cha,
    /// mẹ nuôi").
    Adoptive,
}

/// `parent` is a parent of `child`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ParentLink {
    pub child: PersonKey,
    pub parent: PersonKey,
    pub kind: ParentKind,
}

/// `a` and `b` are or were married (current, divorced, widowed or annulled: in-law and step
/// relations persist, see the module docs of `civil`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct SpouseLink {
    pub a: PersonKey,
    pub b: PersonKey,
}

/// The part of the registry's family graph around two people who want to marry, as plain edges.
///
/// The domain layer fills it with a few indexed queries (parties `A`, `B`):
///
/// 1. parent links whose child is `A` or `B` (both kinds);
/// 2. birth-parent links whose child is one of the birth parents found in 1 (grandparents);
/// 3. marriages (any state) involving `A`, `B` or a parent found in 1 (step-parents);
/// 4. parent links (both kinds) whose child is a spouse found in 3 for `A` or `B` (parents-in-law).
///
/// Deeper ancestry (great-grandparents…) may be added: direct-line checks follow it up to
/// [`MAX_ANCESTRY_DEPTH`]. What is not in the view is not detected.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct KinshipView {
    #[serde(default)]
    pub parents: Vec<ParentLink>,
    #[serde(default)]
    pub marriages: Vec<SpouseLink>,
}

/// A relationship that forbids marriage (HN&GĐ 2014 Đ.5.2d).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "relation", rename_all = "snake_case")]
pub enum ProhibitedRelation {
    /// Cùng dòng máu về trực hệ: `ancestor` is a parent, grandparent, … of `descendant`.
    DirectLine {
        ancestor: PersonKey,
        descendant: PersonKey,
        generations: u8,
    },
    /// Anh, chị, em cùng cha mẹ, cùng cha khác mẹ, cùng mẹ khác cha: at least one shared birth
    /// parent (two for full siblings).
    Siblings { shared_parents: Vec<PersonKey> },
    /// Có họ trong phạm vi ba đời, other than siblings: a common ancestor at most two generations
    /// above each (first cousins; uncle or aunt and nephew or niece).
    WithinThreeGenerations {
        common_ancestor: PersonKey,
        generations_first: u8,
        generations_second: u8,
    },
    /// Cha, mẹ nuôi với con nuôi (current or former adoption).
    AdoptiveParentChild { parent: PersonKey, child: PersonKey },
    /// Cha chồng với con dâu, mẹ vợ với con rể: `parent_in_law` is a parent of a (former) spouse
    /// of `child_in_law`.
    ParentInLaw {
        parent_in_law: PersonKey,
        child_in_law: PersonKey,
        via_spouse: PersonKey,
    },
    /// Cha dượng với con riêng của vợ, mẹ kế với con riêng của chồng: `step_parent` is or was
    /// married to `via_spouse`, a parent of `step_child`.
    StepParentChild {
        step_parent: PersonKey,
        step_child: PersonKey,
        via_spouse: PersonKey,
    },
}

impl ProhibitedRelation {
    /// Stable machine code of the refusal.
    pub fn code(&self) -> &'static str {
        match self {
            ProhibitedRelation::DirectLine { .. } => "marriage_direct_line",
            ProhibitedRelation::Siblings { .. } => "marriage_siblings",
            ProhibitedRelation::WithinThreeGenerations { .. } => {
                "marriage_within_three_generations"
            }
            ProhibitedRelation::AdoptiveParentChild { .. } => "marriage_adoptive_parent_child",
            ProhibitedRelation::ParentInLaw { .. } => "marriage_parent_in_law",
            ProhibitedRelation::StepParentChild { .. } => "marriage_step_parent_child",
        }
    }

    fn message_vi(&self) -> String {
        const BASIS: &str = "(Luật Hôn nhân và gia đình 2014, Điều 5 khoản 2 điểm d; Điều 8 khoản \
                             1 điểm d)";
        match self {
            ProhibitedRelation::DirectLine { generations, .. } => {
                let what = match generations {
                    1 => "cha/mẹ và con",
                    2 => "ông/bà và cháu",
                    _ => "tổ tiên và con cháu",
                };
                format!(
                    "Hai bên là những người cùng dòng máu về trực hệ ({what}, cách nhau \
                     {generations} đời): cấm kết hôn {BASIS}."
                )
            }
            ProhibitedRelation::Siblings { shared_parents } => {
                let what = if shared_parents.len() >= 2 {
                    "anh, chị, em cùng cha mẹ"
                } else {
                    "anh, chị, em cùng cha khác mẹ hoặc cùng mẹ khác cha"
                };
                format!("Hai bên là {what}: cấm kết hôn {BASIS}.")
            }
            ProhibitedRelation::WithinThreeGenerations { .. } => format!(
                "Hai bên là những người có họ trong phạm vi ba đời (cùng một gốc sinh ra): cấm kết \
                 hôn {BASIS}."
            ),
            ProhibitedRelation::AdoptiveParentChild { .. } => format!(
                "Hai bên là (hoặc đã từng là) cha, mẹ nuôi và con nuôi: cấm kết hôn {BASIS}."
            ),
            ProhibitedRelation::ParentInLaw { .. } => format!(
                "Hai bên là (hoặc đã từng là) cha chồng và con dâu, hoặc mẹ vợ và con rể: cấm kết \
                 hôn {BASIS}."
            ),
            ProhibitedRelation::StepParentChild { .. } => format!(
                "Hai bên là (hoặc đã từng là) cha dượng và con riêng của vợ, hoặc mẹ kế và con \
                 riêng của chồng: cấm kết hôn {BASIS}."
            ),
        }
    }
}

/// Parent links indexed by child.
struct ParentIndex<'a> {
    by_child: HashMap<&'a PersonKey, Vec<(&'a PersonKey, ParentKind)>>,
}

impl<'a> ParentIndex<'a> {
    fn new(view: &'a KinshipView) -> ParentIndex<'a> {
        let mut by_child: HashMap<&PersonKey, Vec<(&PersonKey, ParentKind)>> = HashMap::new();
        for l in &view.parents {
            if l.child != l.parent {
                by_child
                    .entry(&l.child)
                    .or_default()
                    .push((&l.parent, l.kind));
            }
        }
        ParentIndex { by_child }
    }

    fn parents(&self, child: &PersonKey) -> impl Iterator<Item = (&'a PersonKey, ParentKind)> {
        self.by_child.get(child).into_iter().flatten().copied()
    }

    fn is_parent(&self, parent: &PersonKey, child: &PersonKey, kind: Option<ParentKind>) -> bool {
        self.parents(child)
            .any(|(p, k)| p == parent && kind.is_none_or(|want| want == k))
    }

    /// Blood ancestors of `p` with their distance in generations (1 = parent), shortest path,
    /// up to [`MAX_ANCESTRY_DEPTH`]; `p` itself excluded.
    fn blood_ancestors(&self, p: &'a PersonKey) -> BTreeMap<&'a PersonKey, u8> {
        let mut found: BTreeMap<&PersonKey, u8> = BTreeMap::new();
        let mut queue: VecDeque<(&PersonKey, u8)> = VecDeque::from([(p, 0)]);
        while let Some((person, depth)) = queue.pop_front() {
            if depth >= MAX_ANCESTRY_DEPTH {
                continue;
            }
            for (parent, kind) in self.parents(person) {
                if kind != ParentKind::Birth || parent == p || found.contains_key(parent) {
                    continue;
                }
                found.insert(parent, depth + 1);
                queue.push_back((parent, depth + 1));
            }
        }
        found
    }
}

impl KinshipView {
    /// Every prohibited relationship between `a` and `b` that the view shows (empty if `a == b`:
    /// that is [`MarriageRefusal::SamePerson`]). At most one blood relation is reported, the
    /// closest: direct line, else siblings, else within three generations.
    pub fn relations(&self, a: &PersonKey, b: &PersonKey) -> Vec<ProhibitedRelation> {
        let mut out = Vec::new();
        if a == b {
            return out;
        }
        let index = ParentIndex::new(self);
        let anc_a = index.blood_ancestors(a);
        let anc_b = index.blood_ancestors(b);

        if let Some(&g) = anc_a.get(b) {
            out.push(ProhibitedRelation::DirectLine {
                ancestor: b.clone(),
                descendant: a.clone(),
                generations: g,
            });
        } else if let Some(&g) = anc_b.get(a) {
            out.push(ProhibitedRelation::DirectLine {
                ancestor: a.clone(),
                descendant: b.clone(),
                generations: g,
            });
        } else {
            let shared_parents: Vec<PersonKey> = anc_a
                .iter()
                .filter(|&(p, &da)| da == 1 && anc_b.get(p) == Some(&1))
                .map(|(p, _)| (*p).clone())
                .collect();
            if !shared_parents.is_empty() {
                out.push(ProhibitedRelation::Siblings { shared_parents });
            } else if let Some((root, da, db)) = anc_a
                .iter()
                .filter_map(|(p, &da)| anc_b.get(p).map(|&db| (*p, da, db)))
                .filter(|&(_, da, db)| da <= 2 && db <= 2)
                .min_by_key(|&(p, da, db)| (da.max(db), da + db, p))
            {
                out.push(ProhibitedRelation::WithinThreeGenerations {
                    common_ancestor: root.clone(),
                    generations_first: da,
                    generations_second: db,
                });
            }
        }

        for (parent, child) in [(a, b), (b, a)] {
            if index.is_parent(parent, child, Some(ParentKind::Adoptive)) {
                out.push(ProhibitedRelation::AdoptiveParentChild {
                    parent: parent.clone(),
                    child: child.clone(),
                });
            }
        }

        let spouses_of = |p: &PersonKey| -> BTreeSet<&PersonKey> {
            self.marriages
                .iter()
                .filter_map(|m| {
                    if &m.a == p {
                        Some(&m.b)
                    } else if &m.b == p {
                        Some(&m.a)
                    } else {
                        None
                    }
                })
                .filter(|s| *s != p)
                .collect()
        };
        for (elder, younger) in [(a, b), (b, a)] {
            // Step-parent: `elder` married a parent of `younger` and is not a parent itself.
            if !index.is_parent(elder, younger, None) {
                for spouse in spouses_of(elder) {
                    if spouse != younger && index.is_parent(spouse, younger, None) {
                        out.push(ProhibitedRelation::StepParentChild {
                            step_parent: elder.clone(),
                            step_child: younger.clone(),
                            via_spouse: spouse.clone(),
                        });
                        break;
                    }
                }
            }
            // Parent-in-law: `elder` is a parent of a (former) spouse of `younger`.
            for spouse in spouses_of(younger) {
                if spouse != elder && index.is_parent(elder, spouse, None) {
                    out.push(ProhibitedRelation::ParentInLaw {
                        parent_in_law: elder.clone(),
                        child_in_law: younger.clone(),
                        via_spouse: spouse.clone(),
                    });
                    break;
                }
            }
        }
        out
    }
}

/// One side of the application (the form's two columns, bên nữ | bên nam).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Party {
    First,
    Second,
}

impl Party {
    fn label_vi(self, sex: Sex) -> String {
        let n = match self {
            Party::First => "nhất",
            Party::Second => "hai",
        };
        format!("Bên thứ {n} ({})", sex.label_vi().to_lowercase())
    }
}

/// A marriage the registry currently records for a person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CurrentMarriage {
    /// The spouse, if they are in the registry.
    #[serde(default)]
    pub spouse: Option<PersonKey>,
    /// The marriage's register entry, if known.
    #[serde(default)]
    pub register: Option<RegisterRef>,
}

/// What the registry knows about one of the two people.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MarriageParty {
    /// The person in the registry, if found.
    #[serde(default)]
    pub person: Option<PersonKey>,
    pub sex: Sex,
    #[serde(with = "iso_date")]
    pub date_of_birth: Date,
    /// A death registration exists for this person.
    #[serde(default)]
    pub deceased: bool,
    /// Marriages not ended by death, divorce or annulment.
    #[serde(default)]
    pub current_marriages: Vec<CurrentMarriage>,
    /// A court decision declaring the loss of legal capacity is recorded (BLDS 2015 Đ.22).
    #[serde(default)]
    pub lost_legal_capacity: bool,
}

/// A marriage registration to check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MarriageApplication {
    pub first: MarriageParty,
    pub second: MarriageParty,
    #[serde(with = "iso_date")]
    pub registration_date: Date,
    #[serde(default)]
    pub kinship: KinshipView,
}

/// A reason the registry refuses the marriage. Each has its own code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum MarriageRefusal {
    /// The registration date is after today.
    RegistrationInFuture {
        #[serde(with = "iso_date")]
        registration: Date,
        #[serde(with = "iso_date")]
        today: Date,
    },
    /// Both sides are the same registry person.
    SamePerson { person: PersonKey },
    /// HN&GĐ 2014 Đ.8.2.
    SameSex { sex: Sex },
    /// HN&GĐ 2014 Đ.8.1a: the man is under 20 full years on the registration date.
    HusbandUnderAge {
        party: Party,
        #[serde(with = "iso_date")]
        date_of_birth: Date,
        age: i32,
        /// First day on which he is 20.
        #[serde(with = "iso_date")]
        eligible_from: Date,
    },
    /// HN&GĐ 2014 Đ.8.1a: the woman is under 18 full years on the registration date.
    WifeUnderAge {
        party: Party,
        #[serde(with = "iso_date")]
        date_of_birth: Date,
        age: i32,
        #[serde(with = "iso_date")]
        eligible_from: Date,
    },
    /// A death registration exists for a party.
    PartnerDeceased { party: Party, sex: Sex },
    /// HN&GĐ 2014 Đ.8.1c.
    LostLegalCapacity { party: Party, sex: Sex },
    /// HN&GĐ 2014 Đ.5.2c: a party is married to someone else.
    AlreadyMarried {
        party: Party,
        sex: Sex,
        spouse: Option<PersonKey>,
        register: Option<RegisterRef>,
    },
    /// The two are already married to each other.
    AlreadyMarriedToEachOther { register: Option<RegisterRef> },
    /// HN&GĐ 2014 Đ.5.2d.
    Prohibited { relation: ProhibitedRelation },
}

impl Coded for MarriageRefusal {
    fn code(&self) -> &'static str {
        match self {
            MarriageRefusal::RegistrationInFuture { .. } => "registration_date_in_future",
            MarriageRefusal::SamePerson { .. } => "marriage_same_person",
            MarriageRefusal::SameSex { .. } => "marriage_same_sex",
            MarriageRefusal::HusbandUnderAge { .. } => "marriage_husband_under_age",
            MarriageRefusal::WifeUnderAge { .. } => "marriage_wife_under_age",
            MarriageRefusal::PartnerDeceased { .. } => "marriage_partner_deceased",
            MarriageRefusal::LostLegalCapacity { .. } => "marriage_lost_legal_capacity",
            MarriageRefusal::AlreadyMarried { .. } => "marriage_already_married",
            MarriageRefusal::AlreadyMarriedToEachOther { .. } => {
                "marriage_already_married_to_each_other"
            }
            MarriageRefusal::Prohibited { relation } => relation.code(),
        }
    }

    fn message_vi(&self) -> String {
        match self {
            MarriageRefusal::RegistrationInFuture {
                registration,
                today,
            } => format!(
                "Ngày đăng ký kết hôn {} ở trong tương lai (hôm nay là {}).",
                VnDate(*registration),
                VnDate(*today)
            ),
            MarriageRefusal::SamePerson { .. } => {
                "Hai bên kết hôn là cùng một người trong cơ sở dữ liệu hộ tịch.".to_string()
            }
            MarriageRefusal::SameSex { .. } => "Nhà nước không thừa nhận hôn nhân giữa những \
                                                người cùng giới tính (Luật Hôn nhân và gia đình \
                                                2014, Điều 8 khoản 2)."
                .to_string(),
            MarriageRefusal::HusbandUnderAge {
                date_of_birth,
                age,
                eligible_from,
                ..
            } => format!(
                "Bên nam chưa đủ {HUSBAND_MIN_AGE} tuổi: sinh ngày {}, vào ngày đăng ký mới {age} \
                 tuổi; đủ {HUSBAND_MIN_AGE} tuổi từ ngày {} (Luật Hôn nhân và gia đình 2014, Điều \
                 8 khoản 1 điểm a).",
                VnDate(*date_of_birth),
                VnDate(*eligible_from)
            ),
            MarriageRefusal::WifeUnderAge {
                date_of_birth,
                age,
                eligible_from,
                ..
            } => format!(
                "Bên nữ chưa đủ {WIFE_MIN_AGE} tuổi: sinh ngày {}, vào ngày đăng ký mới {age} \
                 tuổi; đủ {WIFE_MIN_AGE} tuổi từ ngày {} (Luật Hôn nhân và gia đình 2014, Điều 8 \
                 khoản 1 điểm a).",
                VnDate(*date_of_birth),
                VnDate(*eligible_from)
            ),
            MarriageRefusal::PartnerDeceased { party, sex } => format!(
                "{} đã được đăng ký khai tử; không thể đăng ký kết hôn.",
                party.label_vi(*sex)
            ),
            MarriageRefusal::LostLegalCapacity { party, sex } => format!(
                "{} đã bị Tòa án tuyên bố mất năng lực hành vi dân sự (Luật Hôn nhân và gia đình \
                 2014, Điều 8 khoản 1 điểm c).",
                party.label_vi(*sex)
            ),
            MarriageRefusal::AlreadyMarried {
                party,
                sex,
                register,
                ..
            } => {
                let reg = register
                    .as_ref()
                    .map(|r| format!(" ({r})"))
                    .unwrap_or_default();
                format!(
                    "{} đang có vợ hoặc chồng{reg}: cấm kết hôn (Luật Hôn nhân và gia đình 2014, \
                     Điều 5 khoản 2 điểm c).",
                    party.label_vi(*sex)
                )
            }
            MarriageRefusal::AlreadyMarriedToEachOther { register } => {
                let reg = register
                    .as_ref()
                    .map(|r| format!(" ({r})"))
                    .unwrap_or_default();
                format!(
                    "Hai bên đang là vợ chồng của nhau{reg}; không đăng ký kết hôn lần nữa. Nếu \
                     cần giấy tờ, đề nghị cấp bản sao trích lục kết hôn."
                )
            }
            MarriageRefusal::Prohibited { relation } => relation.message_vi(),
        }
    }
}

fn age_refusal(party: Party, p: &MarriageParty, registration: Date) -> Option<MarriageRefusal> {
    let min = match p.sex {
        Sex::Male => HUSBAND_MIN_AGE,
        Sex::Female => WIFE_MIN_AGE,
    };
    let age = full_years(p.date_of_birth, registration);
    if age >= min {
        return None;
    }
    let eligible_from = date_reaching_age(p.date_of_birth, min);
    let date_of_birth = p.date_of_birth;
    Some(match p.sex {
        Sex::Male => MarriageRefusal::HusbandUnderAge {
            party,
            date_of_birth,
            age,
            eligible_from,
        },
        Sex::Female => MarriageRefusal::WifeUnderAge {
            party,
            date_of_birth,
            age,
            eligible_from,
        },
    })
}

/// Checks a marriage registration against what the registry can see; `today` is Vietnam's civil
/// day ([`crate::dates::vn_today`]). Returns **every** refusal found (so the officer sees them
/// all), in this order: registration date, same person, same sex, ages (first, second),
/// deceased, lost legal capacity, existing marriages, prohibited relationships.
///
/// * Ages (HN&GĐ 2014 Đ.8.1a) are in full years on the registration date: the man from his 20th
///   birthday, the woman from her 18th (29 February: see [`super::timing::anniversary`]). The
///   minimum follows each party's own sex, also when both have the same sex.
/// * A current marriage of either party refuses (Đ.5.2c); if it is with the other party the code
///   is `marriage_already_married_to_each_other`. A divorced couple may marry each other again
///   (Đ.9.2): only current marriages count here.
pub fn check_marriage(app: &MarriageApplication, today: Date) -> Result<(), Vec<MarriageRefusal>> {
    let mut out = Vec::new();
    let reg = app.registration_date;
    if reg > today {
        out.push(MarriageRefusal::RegistrationInFuture {
            registration: reg,
            today,
        });
    }
    let parties = [(Party::First, &app.first), (Party::Second, &app.second)];
    let same_person = match (&app.first.person, &app.second.person) {
        (Some(a), Some(b)) if a == b => Some(a),
        _ => None,
    };
    if let Some(p) = same_person {
        out.push(MarriageRefusal::SamePerson { person: p.clone() });
    }
    if app.first.sex == app.second.sex {
        out.push(MarriageRefusal::SameSex { sex: app.first.sex });
    }
    for (party, p) in parties {
        if let Some(r) = age_refusal(party, p, reg) {
            out.push(r);
        }
    }
    for (party, p) in parties {
        if p.deceased {
            out.push(MarriageRefusal::PartnerDeceased { party, sex: p.sex });
        }
    }
    for (party, p) in parties {
        if p.lost_legal_capacity {
            out.push(MarriageRefusal::LostLegalCapacity { party, sex: p.sex });
        }
    }
    if same_person.is_none() {
        let mut to_each_other: Option<Option<RegisterRef>> = None;
        for ((party, p), other) in parties.into_iter().zip([&app.second, &app.first]) {
            for m in &p.current_marriages {
                let with_other = m.spouse.is_some() && m.spouse == other.person;
                if with_other {
                    if to_each_other.is_none() || m.register.is_some() {
                        to_each_other = Some(m.register.clone());
                    }
                } else {
                    out.push(MarriageRefusal::AlreadyMarried {
                        party,
                        sex: p.sex,
                        spouse: m.spouse.clone(),
                        register: m.register.clone(),
                    });
                }
            }
        }
        if let Some(register) = to_each_other {
            out.push(MarriageRefusal::AlreadyMarriedToEachOther { register });
        }
        if let (Some(a), Some(b)) = (&app.first.person, &app.second.person) {
            out.extend(
                app.kinship
                    .relations(a, b)
                    .into_iter()
                    .map(|relation| MarriageRefusal::Prohibited { relation }),
            );
        }
    }
    if out.is_empty() { Ok(()) } else { Err(out) }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::text::nfc;
    use proptest::prelude::*;
    use time::macros::date;

    const REG: Date = date!(2026 - 03 - 10);

    fn k(s: &str) -> PersonKey {
        PersonKey::new(s)
    }

    fn party(id: &str, sex: Sex, dob: Date) -> MarriageParty {
        MarriageParty {
            person: Some(k(id)),
            sex,
            date_of_birth: dob,
            deceased: false,
            current_marriages: Vec::new(),
            lost_legal_capacity: false,
        }
    }

    fn app(view: KinshipView) -> MarriageApplication {
        MarriageApplication {
            first: party("bride", Sex::Female, date!(1998 - 04 - 02)),
            second: party("groom", Sex::Male, date!(1996 - 11 - 20)),
            registration_date: REG,
            kinship: view,
        }
    }

    fn codes(a: &MarriageApplication) -> Vec<&'static str> {
        match check_marriage(a, REG) {
            Ok(()) => Vec::new(),
            Err(v) => v.iter().map(|r| r.code()).collect(),
        }
    }

    fn birth(child: &str, parent: &str) -> ParentLink {
        ParentLink {
            child: k(child),
            parent: k(parent),
            kind: ParentKind::Birth,
        }
    }

    fn adoptive(child: &str, parent: &str) -> ParentLink {
        ParentLink {
            child: k(child),
            parent: k(parent),
            kind: ParentKind::Adoptive,
        }
    }

    fn married(a: &str, b: &str) -> SpouseLink {
        SpouseLink { a: k(a), b: k(b) }
    }

    #[test]
    fn eligible_couple_passes() {
        assert_eq!(check_marriage(&app(KinshipView::default()), REG), Ok(()));
    }

    /// HN&GĐ 2014 Đ.8.1a: "Nam từ đủ 20 tuổi trở lên, nữ từ đủ 18 tuổi trở lên" — on the
    /// birthday itself the age is reached.
    #[test]
    fn hngd_8_1a_ages_on_registration_date() {
        let mut a = app(KinshipView::default());
        a.second.date_of_birth = date!(2006 - 03 - 10); // 20 today
        a.first.date_of_birth = date!(2008 - 03 - 10); // 18 today
        assert_eq!(codes(&a), Vec::<&str>::new());
        a.second.date_of_birth = date!(2006 - 03 - 11);
        a.first.date_of_birth = date!(2008 - 03 - 11);
        assert_eq!(
            codes(&a),
            ["marriage_wife_under_age", "marriage_husband_under_age"]
        );
        let refusals = check_marriage(&a, REG).unwrap_err();
        match &refusals[1] {
            MarriageRefusal::HusbandUnderAge {
                party,
                age,
                eligible_from,
                ..
            } => {
                assert_eq!(*party, Party::Second);
                assert_eq!(*age, 19);
                assert_eq!(*eligible_from, date!(2026 - 03 - 11));
            }
            other => panic!("{other:?}"),
        }
        let m = refusals[0].message_vi();
        assert!(m.contains("18 tuổi") && m.contains("11/03/2026"), "{m}");
    }

    /// HN&GĐ 2014 Đ.8.1a with a 29 February birthday: 18 on 28 February of a common year.
    #[test]
    fn hngd_8_1a_leap_day_birthday() {
        let mut a = app(KinshipView::default());
        a.first.date_of_birth = date!(2008 - 02 - 29);
        a.registration_date = date!(2026 - 02 - 28);
        assert_eq!(check_marriage(&a, REG), Ok(()));
        a.registration_date = date!(2026 - 02 - 27);
        assert_eq!(codes(&a), ["marriage_wife_under_age"]);
    }

    /// HN&GĐ 2014 Đ.8.2: "Nhà nước không thừa nhận hôn nhân giữa những người cùng giới tính."
    #[test]
    fn hngd_8_2_same_sex_not_recognised() {
        let mut a = app(KinshipView::default());
        a.first.sex = Sex::Male;
        a.first.date_of_birth = date!(1990 - 01 - 01);
        assert_eq!(codes(&a), ["marriage_same_sex"]);
        assert!(
            check_marriage(&a, REG).unwrap_err()[0]
                .message_vi()
                .contains("cùng giới tính")
        );
    }

    /// HN&GĐ 2014 Đ.5.2c: a person who has a spouse may not marry.
    #[test]
    fn hngd_5_2c_already_married() {
        let mut a = app(KinshipView::default());
        a.second.current_marriages.push(CurrentMarriage {
            spouse: Some(k("first-wife")),
            register: Some(RegisterRef::new(3, "01", 2020).unwrap()),
        });
        assert_eq!(codes(&a), ["marriage_already_married"]);
        let m = check_marriage(&a, REG).unwrap_err()[0].message_vi();
        assert!(
            m.contains("Bên thứ hai (nam)") && m.contains("Số: 3"),
            "{m}"
        );

        // Already married to each other: its own code, reported once.
        let mut a = app(KinshipView::default());
        let reg = Some(RegisterRef::new(9, "01", 2024).unwrap());
        a.first.current_marriages.push(CurrentMarriage {
            spouse: Some(k("groom")),
            register: reg.clone(),
        });
        a.second.current_marriages.push(CurrentMarriage {
            spouse: Some(k("bride")),
            register: None,
        });
        assert_eq!(codes(&a), ["marriage_already_married_to_each_other"]);
        assert_eq!(
            check_marriage(&a, REG).unwrap_err()[0],
            MarriageRefusal::AlreadyMarriedToEachOther { register: reg }
        );
    }

    /// HN&GĐ 2014 Đ.9.2: a divorced couple may register their marriage again — a past marriage
    /// between them is no obstacle.
    #[test]
    fn hngd_9_2_divorced_couple_may_remarry() {
        let view = KinshipView {
            parents: Vec::new(),
            marriages: vec![married("bride", "groom")],
        };
        assert_eq!(check_marriage(&app(view), REG), Ok(()));
    }

    #[test]
    fn deceased_incapacity_same_person_future_date() {
        let mut a = app(KinshipView::default());
        a.first.deceased = true;
        a.second.lost_legal_capacity = true;
        assert_eq!(
            codes(&a),
            ["marriage_partner_deceased", "marriage_lost_legal_capacity"]
        );
        let mut a = app(KinshipView::default());
        a.second.person = Some(k("bride"));
        assert_eq!(codes(&a), ["marriage_same_person"]);
        let mut a = app(KinshipView::default());
        a.registration_date = date!(2026 - 03 - 11);
        assert_eq!(codes(&a), ["registration_date_in_future"]);
    }

    /// HN&GĐ 2014 Đ.5.2d, Đ.3.17: "cùng dòng máu về trực hệ" — parent and child, grandparent and
    /// grandchild.
    #[test]
    fn hngd_5_2d_direct_line() {
        let view = KinshipView {
            parents: vec![birth("bride", "groom")],
            marriages: Vec::new(),
        };
        assert_eq!(codes(&app(view)), ["marriage_direct_line"]);
        let view = KinshipView {
            parents: vec![birth("bride", "mother"), birth("mother", "groom")],
            marriages: Vec::new(),
        };
        let r = check_marriage(&app(view), REG).unwrap_err();
        assert_eq!(
            r,
            vec![MarriageRefusal::Prohibited {
                relation: ProhibitedRelation::DirectLine {
                    ancestor: k("groom"),
                    descendant: k("bride"),
                    generations: 2
                }
            }]
        );
        assert!(r[0].message_vi().contains("ông/bà và cháu"));
    }

    /// HN&GĐ 2014 Đ.5.2d, Đ.3.18 (second generation): full and half siblings.
    #[test]
    fn hngd_5_2d_siblings_full_and_half() {
        let full = KinshipView {
            parents: vec![
                birth("bride", "m"),
                birth("bride", "f"),
                birth("groom", "m"),
                birth("groom", "f"),
            ],
            marriages: Vec::new(),
        };
        let r = check_marriage(&app(full), REG).unwrap_err();
        assert_eq!(r[0].code(), "marriage_siblings");
        assert!(r[0].message_vi().contains("cùng cha mẹ"));
        let half = KinshipView {
            parents: vec![
                birth("bride", "m"),
                birth("groom", "m"),
                birth("groom", "f2"),
            ],
            marriages: Vec::new(),
        };
        let r = check_marriage(&app(half), REG).unwrap_err();
        assert_eq!(r.len(), 1);
        assert!(r[0].message_vi().contains("cùng mẹ khác cha"));
    }

    /// HN&GĐ 2014 Đ.5.2d, Đ.3.18 (third generation): first cousins, and uncle–niece.
    #[test]
    fn hngd_5_2d_within_three_generations() {
        // Cousins: bride's mother and groom's father are siblings (children of g).
        let cousins = KinshipView {
            parents: vec![
                birth("bride", "m"),
                birth("groom", "f"),
                birth("m", "g"),
                birth("f", "g"),
            ],
            marriages: Vec::new(),
        };
        assert_eq!(codes(&app(cousins)), ["marriage_within_three_generations"]);
        // Uncle and niece: the groom is a child of the bride's grandparent.
        let uncle = KinshipView {
            parents: vec![birth("bride", "m"), birth("m", "g"), birth("groom", "g")],
            marriages: Vec::new(),
        };
        let r = check_marriage(&app(uncle), REG).unwrap_err();
        assert_eq!(
            r[0],
            MarriageRefusal::Prohibited {
                relation: ProhibitedRelation::WithinThreeGenerations {
                    common_ancestor: k("g"),
                    generations_first: 2,
                    generations_second: 1
                }
            }
        );
        // Second cousins (common great-grandparent) are outside three generations.
        let second_cousins = KinshipView {
            parents: vec![
                birth("bride", "m"),
                birth("m", "gm"),
                birth("gm", "root"),
                birth("groom", "f"),
                birth("f", "gf"),
                birth("gf", "root"),
            ],
            marriages: Vec::new(),
        };
        assert_eq!(check_marriage(&app(second_cousins), REG), Ok(()));
    }

    /// HN&GĐ 2014 Đ.5.2d: adoptive parent and child, also after the adoption ended; adoption
    /// links do not create blood relations (adoptive siblings are not prohibited here).
    #[test]
    fn hngd_5_2d_adoptive_parent_child() {
        let view = KinshipView {
            parents: vec![adoptive("bride", "groom")],
            marriages: Vec::new(),
        };
        assert_eq!(codes(&app(view)), ["marriage_adoptive_parent_child"]);
        let adoptive_siblings = KinshipView {
            parents: vec![adoptive("bride", "p"), birth("groom", "p")],
            marriages: Vec::new(),
        };
        assert_eq!(check_marriage(&app(adoptive_siblings), REG), Ok(()));
    }

    /// HN&GĐ 2014 Đ.5.2d: "cha chồng với con dâu, mẹ vợ với con rể" — also after the marriage
    /// that made them in-laws ended.
    #[test]
    fn hngd_5_2d_parent_in_law() {
        // The bride was married to the groom's son.
        let view = KinshipView {
            parents: vec![birth("son", "groom")],
            marriages: vec![married("bride", "son")],
        };
        let r = check_marriage(&app(view), REG).unwrap_err();
        assert_eq!(
            r,
            vec![MarriageRefusal::Prohibited {
                relation: ProhibitedRelation::ParentInLaw {
                    parent_in_law: k("groom"),
                    child_in_law: k("bride"),
                    via_spouse: k("son")
                }
            }]
        );
        // Mẹ vợ với con rể: the groom was married to the bride's daughter.
        let view = KinshipView {
            parents: vec![birth("daughter", "bride")],
            marriages: vec![married("daughter", "groom")],
        };
        assert_eq!(codes(&app(view)), ["marriage_parent_in_law"]);
    }

    /// HN&GĐ 2014 Đ.5.2d: "cha dượng với con riêng của vợ, mẹ kế với con riêng của chồng".
    #[test]
    fn hngd_5_2d_step_parent() {
        // The groom was married to the bride's mother.
        let view = KinshipView {
            parents: vec![birth("bride", "mother")],
            marriages: vec![married("groom", "mother")],
        };
        assert_eq!(codes(&app(view)), ["marriage_step_parent_child"]);
        // The bride was married to the groom's father.
        let view = KinshipView {
            parents: vec![birth("groom", "father")],
            marriages: vec![married("father", "bride")],
        };
        assert_eq!(codes(&app(view)), ["marriage_step_parent_child"]);
    }

    /// Unrelated people with recorded families pass; cyclic or self links do not loop.
    #[test]
    fn unrelated_and_bad_data() {
        let view = KinshipView {
            parents: vec![
                birth("bride", "m1"),
                birth("bride", "f1"),
                birth("groom", "m2"),
                birth("groom", "f2"),
                birth("m1", "x"),
                birth("x", "m1"),
                birth("f2", "f2"),
            ],
            marriages: vec![married("m1", "f1"), married("m2", "f2")],
        };
        assert_eq!(check_marriage(&app(view), REG), Ok(()));
        // Parties not in the registry: the view cannot apply.
        let mut a = app(KinshipView {
            parents: vec![birth("bride", "groom")],
            marriages: Vec::new(),
        });
        a.second.person = None;
        assert_eq!(check_marriage(&a, REG), Ok(()));
    }

    #[test]
    fn every_refusal_has_a_vietnamese_message() {
        let mut a = app(KinshipView {
            parents: vec![birth("bride", "groom")],
            marriages: Vec::new(),
        });
        a.first.sex = Sex::Male;
        a.first.deceased = true;
        a.first.lost_legal_capacity = true;
        a.first.date_of_birth = date!(2010 - 01 - 01);
        a.second.current_marriages.push(CurrentMarriage {
            spouse: None,
            register: None,
        });
        a.registration_date = date!(2026 - 04 - 01);
        let r = check_marriage(&a, REG).unwrap_err();
        let got: Vec<&str> = r.iter().map(|r| r.code()).collect();
        assert_eq!(
            got,
            [
                "registration_date_in_future",
                "marriage_same_sex",
                "marriage_husband_under_age",
                "marriage_partner_deceased",
                "marriage_lost_legal_capacity",
                "marriage_already_married",
                "marriage_direct_line"
            ]
        );
        for refusal in &r {
            let m = refusal.message_vi();
            assert_eq!(m, nfc(&m));
            assert!(!m.is_empty());
            serde_json::to_value(refusal).unwrap();
        }
    }

    #[test]
    fn application_deserialises() {
        let a: MarriageApplication = serde_json::from_str(
            r#"{
              "first": {"person": "P1", "sex": "female", "date_of_birth": "1998-04-02"},
              "second": {"sex": "male", "date_of_birth": "1996-11-20"},
              "registration_date": "2026-03-10",
              "kinship": {"parents": [{"child": "P1", "parent": "P0", "kind": "birth"}]}
            }"#,
        )
        .unwrap();
        assert_eq!(a.first.person, Some(k("P1")));
        assert!(a.second.person.is_none());
        assert_eq!(a.kinship.parents.len(), 1);
        assert_eq!(check_marriage(&a, REG), Ok(()));
    }

    proptest! {
        /// The relations found do not depend on which party is first (up to orientation).
        #[test]
        fn relations_symmetric_in_kind(
            links in proptest::collection::vec((0u8..8, 0u8..8, any::<bool>()), 0..14),
            marriages in proptest::collection::vec((0u8..8, 0u8..8), 0..4),
        ) {
            let view = KinshipView {
                parents: links.iter().map(|&(c, p, adopted)| ParentLink {
                    child: k(&format!("p{c}")),
                    parent: k(&format!("p{p}")),
                    kind: if adopted { ParentKind::Adoptive } else { ParentKind::Birth },
                }).collect(),
                marriages: marriages.iter().map(|&(a, b)| married(&format!("p{a}"), &format!("p{b}"))).collect(),
            };
            let mut ab: Vec<&str> = view.relations(&k("p0"), &k("p1")).iter().map(|r| r.code()).collect();
            let mut ba: Vec<&str> = view.relations(&k("p1"), &k("p0")).iter().map(|r| r.code()).collect();
            ab.sort_unstable();
            ba.sort_unstable();
            prop_assert_eq!(ab, ba);
        }
    }
}
