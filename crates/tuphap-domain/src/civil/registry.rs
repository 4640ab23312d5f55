//! What the registry rules need to know about the registry itself, behind one trait: the
//! database (`Store`) for the API and the back office, an in-memory view for the bulk import
//! (which checks millions of rows against what it has loaded so far). The rules are written
//! once, against this trait, so an imported row passes exactly the checks a declaration does.

use time::Date;

use tuphap_store::Store;
use tuphap_store::civil::{MarriageLinkRow, ParentLinkRow};

use crate::error::Result;

/// A person of the register as the rules see them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PersonFacts {
    pub id: i64,
    /// Set when the death is registered.
    pub date_of_death: Option<Date>,
}

/// Read access to the facts the rules check.
#[allow(async_fn_in_trait)]
pub trait Registry {
    /// The person with this personal ID, if the register knows them.
    async fn person_by_personal_id(&self, personal_id: &str) -> Result<Option<PersonFacts>>;
    /// The date of a death of this person that is declared or registered (not returned or
    /// rejected), if any.
    async fn death_declared(&self, person_id: i64) -> Result<Option<Date>>;
    /// The date of death of a person whose death is registered.
    async fn date_of_death(&self, person_id: i64) -> Result<Option<Date>>;
    /// Marriages of the person that are declared or registered, with the spouse.
    async fn marriages_of(&self, person_id: i64) -> Result<Vec<MarriageLinkRow>>;
    /// Birth parents recorded in registered births.
    async fn parents_of(&self, child_id: i64) -> Result<Vec<ParentLinkRow>>;
}

impl Registry for Store {
    async fn person_by_personal_id(&self, personal_id: &str) -> Result<Option<PersonFacts>> {
        Ok(Store::person_by_personal_id(self, personal_id)
            .await?
            .map(|p| PersonFacts {
                id: p.id,
                date_of_death: p.date_of_death,
            }))
    }

    async fn death_declared(&self, person_id: i64) -> Result<Option<Date>> {
        Ok(self
            .deaths_of(person_id)
            .await?
            .first()
            .map(|r| r.event_date))
    }

    async fn date_of_death(&self, person_id: i64) -> Result<Option<Date>> {
        Ok(self
            .person_by_id(person_id)
            .await?
            .and_then(|p| p.date_of_death))
    }

    async fn marriages_of(&self, person_id: i64) -> Result<Vec<MarriageLinkRow>> {
        Ok(Store::marriages_of(self, person_id).await?)
    }

    async fn parents_of(&self, child_id: i64) -> Result<Vec<ParentLinkRow>> {
        Ok(Store::parents_of(self, child_id).await?)
    }
}
