//! Online public services (dịch vụ công trực tuyến): the procedure catalogue (`catalogue`), dossiers
//! and their deadlines (`dossier`).

pub mod catalogue;
pub mod dossier;
