//! The web crate's one integration-test binary: the real app on a free port, over HTTP, on a
//! fresh SQLite file and (when a PostgreSQL server can be had, see `tuphap-testkit`) on a
//! fresh PostgreSQL database.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

mod api_auth;
mod api_civil;
mod api_exchange;
mod api_extract;
mod api_guardianship;
mod api_import;
mod api_marital;
mod api_person_merge;
mod api_procedures;
mod api_record_extract;
mod api_recorded;
mod api_reference;
mod api_search;
mod api_xroad;
mod browser;
mod browser_citizen;
mod browser_civil;
mod browser_dossier;
mod browser_dossiers_office;
mod browser_exchange_members;
mod browser_indicators;
mod browser_procedures;
mod browser_procedures_catalogue;
mod browser_strong_auth;
mod citizen_login;
mod dossier_public;
mod dossiers_office;
mod dossiers_online;
mod edge;
mod exchange_log;
mod indicators;
mod linked;
mod malware;
mod pages;
mod pages_civil;
mod payments;
mod portal_sync;
mod privacy;
mod security;
mod strong_auth;
