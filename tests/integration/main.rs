//! Integration tests: the real router on a fresh database per test, each run on SQLite and on
//! PostgreSQL. One binary, so the workspace links it once.

mod abuse;
mod accounts;
mod assessment;
mod assets;
mod cli;
mod dashboard;
mod definitions;
mod exports;
mod faults;
mod instances;
mod kiosk;
mod kiosk_attacks;
mod mergers;
mod posters;
mod qr;
mod stuffing;
mod survey;
