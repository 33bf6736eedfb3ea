//! The web workspace: server-rendered pages in Simplified Chinese (English switchable)
//! for the organisation-department clerk, the street secretary and the grid worker, with
//! every asset (styles, script, ECharts) embedded in the binary.
//!
//! Pages read through the same store functions as the API, with the caller from the
//! browser session ([`viewer::Viewer`]); forms carry the session's CSRF token.

mod accounts;
mod admissions;
mod assets;
mod dashboard;
mod download;
mod duties;
mod evidence;
mod findings;
mod i18n;
mod import;
mod layout;
mod lists;
mod login;
mod map;
mod member;
mod org;
mod oversight;
mod paths;
mod picker;
mod projects;
mod receipt;
mod report;
mod requests;
mod roster;
mod street;
mod table;
mod target;
mod unit;
mod viewer;
mod workbench;
mod xlsx;

use axum::Router;
use axum::routing::{get, post};
use datong_http::App;

pub fn routes() -> Router<App> {
    Router::new()
        .route("/", get(workbench::show))
        .route("/login", get(login::show).post(login::submit))
        .route("/logout", post(login::logout))
        .route("/lang/{lang}", get(login::language))
        .route("/accounts", get(accounts::show).post(accounts::create))
        .route("/accounts/{login}/disabled", post(accounts::set_disabled))
        .route(
            "/accounts/{login}/tokens/revoke",
            post(accounts::revoke_tokens),
        )
        .route("/open311-keys", post(accounts::create_key))
        .route("/open311-keys/{id}/revoke", post(accounts::revoke_key))
        .route("/t/{code}", get(dashboard::show))
        .route("/t/{code}/findings.json", get(dashboard::findings))
        .route("/t/{code}/findings", get(findings::show))
        .route("/t/{code}/members", get(roster::show))
        .route("/t/{code}/members.xlsx", get(roster::export))
        .route(
            "/t/{code}/members/new",
            get(member::new_form).post(member::create),
        )
        .route("/members/{id}", get(member::detail))
        .route(
            "/members/{id}/edit",
            get(member::change_form).post(member::edit),
        )
        .route("/members/{id}/transfer", post(member::transfer))
        .route("/members/{id}/probation", post(member::probation))
        .route(
            "/t/{code}/members/import",
            get(import::show)
                .post(import::upload)
                .layer(axum::extract::DefaultBodyLimit::max(
                    import::MAX_FILE + (1 << 20),
                )),
        )
        .route(
            "/t/{code}/members/import/commit",
            post(import::commit).layer(axum::extract::DefaultBodyLimit::max(import::MAX_FILE * 2)),
        )
        .route("/t/{code}/members/template.xlsx", get(import::template))
        .route("/t/{code}/map", get(map::show))
        .route("/t/{code}/orgs", get(lists::orgs))
        .route("/t/{code}/orgs.xlsx", get(lists::orgs_export))
        .route("/orgs/{id}", get(org::show))
        .route("/t/{code}/units", get(lists::units))
        .route("/t/{code}/units.xlsx", get(lists::units_export))
        .route("/units/{id}", get(unit::show))
        .route("/t/{code}/duties", get(duties::show))
        .route("/t/{code}/tasks.xlsx", get(duties::export))
        .route("/t/{code}/oversight", get(oversight::show))
        .route("/t/{code}/street", get(street::show))
        .route("/t/{code}/summonses", post(street::summon))
        .route("/t/{code}/agencies/{id}/rating", post(street::rate_agency))
        .route("/t/{code}/appointments/{id}/consent", post(street::consent))
        .route("/t/{code}/consultations/{id}/answer", post(street::answer))
        .route(
            "/t/{code}/summonses/{id}/{department}/{step}",
            post(street::respond),
        )
        .route(
            "/t/{code}/tasks/new",
            get(duties::new_form).post(duties::send),
        )
        .route(
            "/t/{code}/admissions",
            get(admissions::show).post(admissions::file),
        )
        .route("/tasks/{id}", get(duties::task_page))
        .route(
            "/t/{code}/projects/new",
            get(projects::new_form).post(projects::create),
        )
        .route("/projects/{id}", get(projects::show))
        .route("/projects/{id}/milestones", post(projects::add_milestone))
        .route(
            "/projects/{id}/progress",
            post(projects::report).layer(axum::extract::DefaultBodyLimit::max(evidence::MAX_BODY)),
        )
        .route("/evidence/{id}", get(projects::download))
        .route("/task-targets/{id}", get(target::show))
        .route("/task-targets/{id}/sign", post(target::sign))
        .route("/task-targets/{id}/rating", post(target::rate))
        .route("/task-targets/{id}/pleas", post(target::plead))
        .route("/task-targets/{id}/plea-decision", post(target::decide))
        .route(
            "/task-targets/{id}/complete",
            post(target::complete).layer(axum::extract::DefaultBodyLimit::max(evidence::MAX_BODY)),
        )
        .route("/task-evidence/{id}", get(target::download))
        .route("/t/{code}/admissions.xlsx", get(admissions::export))
        .route("/admissions/{id}", get(admissions::show_one))
        .route("/admissions/{id}/opinion", post(admissions::answer))
        .route("/admissions/{id}/decision", post(admissions::decide))
        .route("/t/{code}/requests", get(requests::list))
        .route("/t/{code}/requests.xlsx", get(requests::export))
        .route(
            "/t/{code}/requests/new",
            get(requests::hotline_form).post(requests::hotline),
        )
        .route("/t/{code}/request-figures", get(requests::figures))
        .route("/t/{code}/pick-map", get(requests::pick_map))
        .route("/requests/{id}", get(requests::detail))
        .route("/requests/{id}/steps", post(requests::step))
        .route(
            "/report",
            get(report::show)
                .post(report::file)
                .layer(axum::extract::DefaultBodyLimit::max(report::MAX_BODY)),
        )
        .route("/report/r/{token}", get(receipt::show))
        .route("/report/r/{token}/photos/{id}", get(receipt::photo))
        .route("/report/r/{token}/rating", post(receipt::rate))
        .route(
            "/report/status",
            get(receipt::lookup_form).post(receipt::lookup),
        )
        .route("/assets/{file}", get(assets::serve))
}
