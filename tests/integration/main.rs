//! Integration tests: the real router on a fresh database per test, each run on SQLite and on
//! PostgreSQL. One binary, so the workspace links it once.

mod abuse;
mod accounts;
mod alerts;
mod assessment;
mod assets;
mod backup;
mod cli;
mod dashboard;
mod definitions;
mod desk_names;
mod exports;
mod faults;
mod headers;
mod independent;
mod instances;
mod kiosk;
mod kiosk_attacks;
mod live_streams;
mod map;
mod mergers;
mod observability;
mod posters;
mod provinces;
mod proxy;
mod qr;
mod rankings;
mod reports;
mod reviewers;
mod shutdown;
mod signin_attacks;
mod slips;
mod stuffing;
mod survey;
mod survey_v2;
