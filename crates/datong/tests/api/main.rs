//! The one integration-test binary. Every test runs twice, on SQLite and on PostgreSQL,
//! through HTTP against a server on port 0 with a fresh database.

mod helpers;

mod access;
mod accounts;
mod audit;
mod backup;
mod bad_input;
mod browser;
mod cli;
mod crawl;
mod demo;
mod durability;
mod duties;
mod import;
mod journeys;
mod masking;
mod members;
mod openapi;
mod pages;
mod projects;
mod requests;
mod rollup;
mod sealed;
mod search;
mod session;
mod streets;
mod towns;
mod transactions;
mod webdriver;
mod workbench;
