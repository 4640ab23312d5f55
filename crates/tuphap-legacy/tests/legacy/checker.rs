//! A replay of the API's validation over a legacy file, in the API's order, with the registry
//! state the rows build up (persons by personal ID, marriages, deaths, births as parent
//! links). `Checker::line` returns the first error code of a line, as the importer should.

use std::collections::{HashMap, HashSet};

use time::Date;
use tuphap_core::civil::{PartialDate, PersonName, full_years};
use tuphap_core::dates::parse_date;
use tuphap_core::error::Coded;
use tuphap_core::personal_id::{PersonalId, Sex};
use tuphap_core::reference::{self, AdminLevel, DATE_REFORM};
use tuphap_legacy::format::{
    BirthDeclaration, DeathDeclaration, Declaration, LegacyRecord, MarriageDeclaration,
    ParentInput, PlaceInput, RecordKind, SpouseInput,
};

type Check<T> = Result<T, String>;

fn code(e: &impl Coded) -> String {
    e.code().to_string()
}

fn name(s: &str) -> Check<String> {
    PersonName::parse(s)
        .map(|n| n.as_str().to_string())
        .map_err(|e| code(&e))
}

fn date(s: &str, today: Date) -> Check<Date> {
    let d = parse_date(s).map_err(|e| code(&e))?;
    if d > today {
        return Err("date_in_future".into());
    }
    Ok(d)
}

fn commune(p: &PlaceInput, on: Date) -> Check<String> {
    match reference::unit_on(p.admin_unit_code.trim(), on) {
        Some(u) if u.level == AdminLevel::Commune => Ok(u.code.clone()),
        Some(_) => Err("admin_unit_not_commune".into()),
        None => Err("admin_unit_unknown".into()),
    }
}

fn ethnicity(c: &str) -> Check<()> {
    reference::ethnic_group(c.trim())
        .map(|_| ())
        .ok_or_else(|| "ethnicity_unknown".to_string())
}

fn nationality(c: &str) -> Check<()> {
    reference::country(c.trim())
        .map(|_| ())
        .ok_or_else(|| "nationality_unknown".to_string())
}

fn personal_id(raw: Option<&str>, sex: Sex, dob: Option<Date>) -> Check<Option<String>> {
    let Some(raw) = raw.map(str::trim).filter(|s| !s.is_empty()) else {
        return Ok(None);
    };
    let id = PersonalId::parse(raw).map_err(|e| code(&e))?;
    if let Some(d) = dob {
        id.check(sex, d).map_err(|e| code(&e))?;
    }
    Ok(Some(id.as_str().to_string()))
}

/// What the rows said about a person known by personal ID.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    pub name: String,
    pub sex: Sex,
    pub dob: String,
}

#[derive(Default)]
pub struct Checker {
    pub source_ids: HashSet<String>,
    pub identities: HashMap<String, Identity>,
    /// Last registration date of a row naming the person.
    pub last_seen: HashMap<String, Date>,
    pub dead: HashMap<String, Date>,
    pub married: HashSet<String>,
    /// child ID → (mother ID, father ID)
    pub parents: HashMap<String, (Option<String>, Option<String>)>,
    pub numbers: HashMap<(String, bool, RecordKind, i32), u32>,
    pub last_date: Option<Date>,
    /// Consistency problems that are not import errors (would be silently accepted).
    pub problems: Vec<String>,
    // statistics
    pub births: u64,
    pub deaths: u64,
    pub marriages: u64,
    pub boys: u64,
    pub girls: u64,
    pub nguyen: u64,
    pub late_births: u64,
    pub late_deaths: u64,
    pub after_reform: u64,
}

impl Checker {
    /// Validates one line (bytes without the newline) and applies it; `Err(code)` if the
    /// importer must reject it.
    pub fn line(&mut self, bytes: &[u8]) -> Check<()> {
        let text = std::str::from_utf8(bytes).map_err(|_| "import_bad_encoding".to_string())?;
        let raw: LegacyRecord = match serde_json::from_str(text) {
            Ok(r) => r,
            Err(e) if e.is_data() && e.to_string().contains("missing field") => {
                return Err("import_missing_field".into());
            }
            Err(_) => return Err("import_bad_json".into()),
        };
        let rec = match raw.typed() {
            Ok(r) => r,
            Err(e) if e.to_string().contains("missing field") => {
                return Err("import_missing_field".into());
            }
            Err(_) => return Err("import_bad_json".into()),
        };
        if self.source_ids.contains(&rec.source_id) {
            return Err("import_duplicate_source_id".into());
        }
        let today = parse_date(&rec.registration.date).map_err(|e| code(&e))?;
        let office = reference::unit_on(&rec.registration.office_unit_code, today)
            .filter(|u| u.level == AdminLevel::Commune)
            .ok_or_else(|| "import_office_unknown".to_string())?;
        let office_code = office.code.clone();
        let named = match &rec.declaration {
            Declaration::Birth(d) => self.birth(d, &rec, today, &office_code)?,
            Declaration::Death(d) => self.death(d, today, &office_code)?,
            Declaration::Marriage(d) => self.marriage(d, today, &office_code)?,
        };
        // Accepted: the format-level facts.
        self.source_ids.insert(rec.source_id.clone());
        if let Some(prev) = self.last_date
            && today < prev
        {
            self.problems
                .push(format!("{}: lines out of date order", rec.source_id));
        }
        self.last_date = Some(today);
        if rec.registration.book != "01" {
            self.problems.push(format!("{}: book", rec.source_id));
        }
        let key = (office_code, today >= DATE_REFORM, rec.kind, today.year());
        let n = self.numbers.entry(key).or_insert(0);
        *n += 1;
        if rec.registration.number != *n {
            self.problems.push(format!(
                "{}: register number {} expected {}",
                rec.source_id, rec.registration.number, n
            ));
        }
        if today >= DATE_REFORM {
            self.after_reform += 1;
        }
        for (i, id) in named.into_iter().enumerate() {
            if id.is_empty() {
                continue;
            }
            if let Some(d) = self.dead.get(&id)
                && !(rec.kind == RecordKind::Death && i == 0)
            {
                self.problems
                    .push(format!("{}: {id} named after death on {d}", rec.source_id));
            }
            let seen = self.last_seen.entry(id).or_insert(today);
            *seen = (*seen).max(today);
        }
        Ok(())
    }

    fn identity(&mut self, id: &Option<String>, name: &str, sex: Sex, dob: &str, src: &str) {
        let Some(id) = id else { return };
        let me = Identity {
            name: name.to_string(),
            sex,
            dob: dob.to_string(),
        };
        match self.identities.get(id) {
            Some(known) if *known != me => self
                .problems
                .push(format!("{src}: ID {id} is {known:?} and {me:?}")),
            Some(_) => {}
            None => {
                self.identities.insert(id.clone(), me);
            }
        }
    }

    fn parent(
        &self,
        p: &ParentInput,
        sex: Sex,
        today: Date,
    ) -> Check<(String, Option<Date>, Option<String>)> {
        let n = name(&p.full_name)?;
        let dob = match p.date_of_birth.as_deref().filter(|s| !s.trim().is_empty()) {
            Some(d) => Some(date(d, today)?),
            None => None,
        };
        let id = personal_id(p.personal_id.as_deref(), sex, dob)?;
        ethnicity(&p.ethnicity_code)?;
        nationality(&p.nationality_code)?;
        commune(&p.residence, today)?;
        Ok((n, dob, id))
    }

    fn birth(
        &mut self,
        d: &BirthDeclaration,
        rec: &LegacyRecord<Declaration>,
        today: Date,
        office: &str,
    ) -> Check<Vec<String>> {
        let child = name(&d.child.full_name)?;
        let sex = Sex::parse(&d.child.sex).map_err(|e| code(&e))?;
        let dob = date(&d.child.date_of_birth, today)?;
        commune(&d.child.place_of_birth, dob)?;
        ethnicity(&d.child.ethnicity_code)?;
        nationality(&d.child.nationality_code)?;
        let (mname, mdob, mid) = self.parent(&d.mother, Sex::Female, today)?;
        let father = match &d.father {
            Some(f) => Some(self.parent(f, Sex::Male, today)?),
            None => None,
        };
        name(&d.declarant.full_name)?;
        if d.declarant.relationship.trim().is_empty() {
            return Err("declarant_relationship_required".into());
        }
        if mdob.is_some_and(|m| m >= dob) {
            return Err("mother_born_after_child".into());
        }
        let m = mid;
        let f = father.as_ref().and_then(|f| f.2.clone());
        let competent = d.mother.residence.admin_unit_code == office
            || d.father
                .as_ref()
                .is_some_and(|f| f.residence.admin_unit_code == office);
        if !competent {
            return Err("civil_office_not_competent".into());
        }
        if today < dob {
            return Err("registration_before_birth".into());
        }
        // Accepted.
        let src = &rec.source_id;
        let mut named = Vec::new();
        if let Some(id) = &m {
            let dob_s = d.mother.date_of_birth.clone().unwrap_or_default();
            self.identity(&Some(id.clone()), &mname, Sex::Female, &dob_s, src);
            named.push(id.clone());
        }
        if let (Some(id), Some((fname, _, _)), Some(fi)) = (&f, &father, &d.father) {
            let dob_s = fi.date_of_birth.clone().unwrap_or_default();
            self.identity(&Some(id.clone()), fname, Sex::Male, &dob_s, src);
            named.push(id.clone());
        }
        if let Some(cid) = &rec.child_personal_id {
            match PersonalId::parse(cid) {
                Ok(id) => {
                    if let Err(e) = id.check(sex, dob) {
                        self.problems.push(format!("{src}: child ID {}", e.code()));
                    }
                    let prov = reference::unit_on(office, today)
                        .map(|u| u.province_code.clone())
                        .unwrap_or_default();
                    if id.province_code() != format!("0{prov}") {
                        self.problems
                            .push(format!("{src}: child ID {cid} not of province {prov}"));
                    }
                }
                Err(e) => self.problems.push(format!("{src}: child ID {}", e.code())),
            }
            if self.identities.contains_key(cid) {
                self.problems.push(format!("{src}: child ID {cid} reused"));
            }
            self.identity(&Some(cid.clone()), &child, sex, &d.child.date_of_birth, src);
            self.parents.insert(cid.clone(), (m, f));
            named.push(cid.clone());
        }
        self.births += 1;
        match sex {
            Sex::Male => self.boys += 1,
            Sex::Female => self.girls += 1,
        }
        if child.starts_with("Nguyễn ") {
            self.nguyen += 1;
        }
        if (today - dob).whole_days() > 60 {
            self.late_births += 1;
        }
        Ok(named)
    }

    fn death(&mut self, d: &DeathDeclaration, today: Date, office: &str) -> Check<Vec<String>> {
        let n = name(&d.deceased.full_name)?;
        let sex = Sex::parse(&d.deceased.sex).map_err(|e| code(&e))?;
        let dob = PartialDate::parse(&d.deceased.date_of_birth).map_err(|e| code(&e))?;
        let dod = date(&d.date_of_death, today)?;
        let place = commune(&d.place_of_death, dod)?;
        let residence = match &d.deceased.residence {
            Some(r) => Some(commune(r, today)?),
            None => None,
        };
        name(&d.declarant.full_name)?;
        let full = match dob {
            PartialDate::Full(x) => Some(x),
            _ => None,
        };
        let id = personal_id(d.deceased.personal_id.as_deref(), sex, full)?;
        if residence.as_deref().unwrap_or(&place) != office {
            return Err("civil_office_not_competent".into());
        }
        if let Some(id) = &id
            && self.dead.contains_key(id)
        {
            return Err("death_already_registered".into());
        }
        if dob.earliest() > dod {
            return Err("death_before_birth".into());
        }
        if let Some(id) = &id {
            if let Some(seen) = self.last_seen.get(id)
                && *seen > dod
            {
                self.problems
                    .push(format!("{id}: died {dod} after an event of {seen}"));
            }
            self.identity(
                &Some(id.clone()),
                &n,
                sex,
                &d.deceased.date_of_birth,
                "death",
            );
            self.dead.insert(id.clone(), dod);
        }
        self.deaths += 1;
        if (today - dod).whole_days() > 15 {
            self.late_deaths += 1;
        }
        // The deceased first (exempt from the "named after death" check), then the declarant.
        let mut named = vec![id.unwrap_or_default()];
        named.extend(d.declarant.personal_id.clone());
        Ok(named)
    }

    fn spouse(
        &self,
        s: &SpouseInput,
        sex: Sex,
        today: Date,
    ) -> Check<(String, Date, Option<String>)> {
        let n = name(&s.full_name)?;
        let dob = date(&s.date_of_birth, today)?;
        let id = personal_id(s.personal_id.as_deref(), sex, Some(dob))?;
        ethnicity(&s.ethnicity_code)?;
        nationality(&s.nationality_code)?;
        commune(&s.residence, today)?;
        Ok((n, dob, id))
    }

    fn ancestors(&self, id: &str) -> Vec<String> {
        let parents = |x: &str| -> Vec<String> {
            self.parents
                .get(x)
                .map(|(m, f)| m.iter().chain(f.iter()).cloned().collect())
                .unwrap_or_default()
        };
        let mut out = parents(id);
        for p in out.clone() {
            out.extend(parents(&p));
        }
        out
    }

    fn marriage(
        &mut self,
        d: &MarriageDeclaration,
        today: Date,
        office: &str,
    ) -> Check<Vec<String>> {
        let (hn, hdob, hid) = self.spouse(&d.husband, Sex::Male, today)?;
        let (wn, wdob, wid) = self.spouse(&d.wife, Sex::Female, today)?;
        if d.husband.residence.admin_unit_code != office
            && d.wife.residence.admin_unit_code != office
        {
            return Err("civil_office_not_competent".into());
        }
        if full_years(hdob, today) < 20 {
            return Err("marriage_husband_under_age".into());
        }
        if full_years(wdob, today) < 18 {
            return Err("marriage_wife_under_age".into());
        }
        for id in [&hid, &wid].into_iter().flatten() {
            if self.dead.contains_key(id) {
                return Err("marriage_partner_deceased".into());
            }
        }
        for id in [&hid, &wid].into_iter().flatten() {
            if self.married.contains(id) {
                return Err("marriage_already_married".into());
            }
        }
        if let (Some(h), Some(w)) = (&hid, &wid) {
            let ha = self.ancestors(h);
            let wa = self.ancestors(w);
            if ha.contains(w) || wa.contains(h) || ha.iter().any(|x| wa.contains(x)) {
                return Err("marriage_within_three_generations".into());
            }
        }
        self.identity(&hid, &hn, Sex::Male, &d.husband.date_of_birth, "marriage");
        self.identity(&wid, &wn, Sex::Female, &d.wife.date_of_birth, "marriage");
        let named: Vec<String> = [hid, wid].into_iter().flatten().collect();
        for id in &named {
            self.married.insert(id.clone());
        }
        self.marriages += 1;
        Ok(named)
    }
}
