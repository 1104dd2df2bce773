//! Integration tests: the real router on a fresh database per test, each run on SQLite and on
//! PostgreSQL. One binary, so the workspace links it once.

mod abuse;
mod accounts;
mod assessment;
mod cli;
mod definitions;
mod posters;
mod qr;
mod survey;
