//! Black-box tests over HTTP: the real server on port 0, real migrations, a fresh database per
//! test (SQLite by default; PostgreSQL when `TEST_DATABASE_URL` is set), a settable clock.

#![expect(clippy::unwrap_used, clippy::expect_used, reason = "a test fails loudly where its setup breaks")]

mod helpers;

mod attacker;
mod auth;
mod authority;
mod console;
mod cross_checks;
mod demo_history;
mod duties;
mod faults;
mod health;
mod hostile;
mod households;
mod import;
mod inspections;
mod ledger;
mod lists;
mod meetings;
mod migrations;
mod openapi;
mod org;
mod phone_checks;
mod photos;
mod quarter;
mod reminder_delivery;
mod reminder_queue;
mod reminders;
mod scope;
mod screenings;
mod supervisions;
mod visits;
mod wechat;
