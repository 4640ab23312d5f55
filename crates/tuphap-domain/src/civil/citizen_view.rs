//! "Trang của tôi": what the registry holds about a logged-in citizen — their own person entry,
//! found by the personal ID the identity provider vouched for, with their civil status and life
//! events. The same view as the staff person page ([`App::get_person`]), but with no
//! jurisdiction filter (it is the data subject's own data) and only ever for the citizen's own
//! entry. Every read is audited as `citizen.person.read` by `citizen:<personal ID>`.

use super::PersonView;
use crate::citizen::Citizen;
use crate::error::Result;
use crate::{App, RequestMeta};

impl App {
    /// The citizen's own entry in the person register, or `None` when the registry holds no
    /// person with their personal ID. The read is audited (found or not).
    pub async fn citizen_own_person(
        &self,
        citizen: &Citizen,
        meta: &RequestMeta,
    ) -> Result<Option<PersonView>> {
        let p = self
            .store
            .person_by_personal_id(&citizen.personal_id)
            .await?;
        let mut audit = citizen.audit(meta, "citizen.person.read");
        audit.target_type = Some("person".into());
        audit.purpose = Some("data_subject_access".into());
        let Some(p) = p else {
            audit.reason = Some("not_in_registry".into());
            self.store.audit(&[audit]).await?;
            return Ok(None);
        };
        audit.target_id = Some(p.id.to_string());
        let rows = self.store.person_events(p.id).await?;
        // The data subject sees every event of their own entry, whichever office holds it.
        let (events, _) = self.life_events(&rows, |_| true).await?;
        self.store.audit(&[audit]).await?;
        Ok(Some(self.person_view(p, &rows, events, 0).await?))
    }
}
