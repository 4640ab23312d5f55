//! Online public services (dịch vụ công trực tuyến): the procedure catalogue (`catalogue`), dossiers
//! and their deadlines (`dossier`).

pub mod access_log;
pub mod application;
pub mod catalogue;
pub mod dossier;
pub mod dossier_office;
pub mod indicators;
pub mod malware;
pub mod payment;
pub mod portal_sync;
pub mod public_status;
pub mod rating;
