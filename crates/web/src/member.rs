//! A member's page (masked numbers, the unmasking link where the viewer has the right,
//! the transfer history) and the new-member form, whose errors show at their fields.

use crate::dashboard::{label_education, parse_code};
use crate::layout::{failure, page};
use crate::viewer::Viewer;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use chrono::NaiveDate;
use datong_domain::id_number::Sex;
use datong_domain::member::{Education, MemberStatus};
use datong_domain::{DivisionCode, IdNumber, Name, Phone};
use datong_http::App;
use datong_store::member::{self, NewMember};
use datong_store::org::{self, Org, OrgFilter};
use datong_store::sql::Page;
use maud::{Markup, html};
use serde::Deserialize;
use std::collections::BTreeMap;

#[derive(Deserialize)]
pub struct DetailQuery {
    #[serde(default)]
    unmask: bool,
}

pub async fn detail(
    State(app): State<App>,
    viewer: Viewer,
    Path(id): Path<i64>,
    Query(q): Query<DetailQuery>,
) -> Response {
    let caller = viewer.caller.clone();
    let loaded = app
        .run(move |c| {
            let m = member::get(c, &caller, id, q.unmask)?;
            let transfers = member::transfers(c, &caller, id)?;
            let mut ids: Vec<i64> = transfers
                .iter()
                .flat_map(|t| [t.from_org_id, t.to_org_id])
                .chain([m.org_id])
                .collect();
            ids.sort_unstable();
            ids.dedup();
            let orgs = org::names(c, &caller, &ids)?;
            Ok((m, transfers, orgs))
        })
        .await;
    let (m, transfers, orgs) = match loaded {
        Ok(x) => x,
        Err(e) => return failure(viewer.lang, e),
    };
    let lang = viewer.lang;
    let t = lang.text();
    let org_name = |id: &i64| orgs.get(id).cloned().unwrap_or_else(|| id.to_string());
    let may_unmask = !q.unmask && viewer.caller.unmask_scope.contains(&m.territory);
    let body = html! {
        nav.crumbs { a href={ "/t/" (m.territory) "/members" } { (t.members) } " / " span { (m.name) } }
        h1 { (m.name) }
        div.table-wrap { table #member {
            tbody {
                tr { th { (t.sex) } td { @if m.sex == Sex::Male { (t.male) } @else { (t.female) } } }
                tr { th { (t.ethnicity) } td { (m.ethnicity) } }
                tr { th { (t.birth_date) } td { (m.birth_date) } }
                tr { th { (t.id_number) } td #id-number { (m.id_number) } }
                tr { th { (t.education) } td { (label_education(m.education, lang)) } }
                tr { th { (t.joined_on) } td { (m.joined_on) } }
                tr { th { (t.full_on) } td { (m.full_on.as_deref().unwrap_or("—")) } }
                tr { th { (t.org) } td { (org_name(&m.org_id)) } }
                tr { th { (t.phone) } td #phone { (m.phone.as_deref().unwrap_or("—")) } }
                tr { th { (t.work_unit) } td { (m.work_unit.as_deref().unwrap_or("—")) } }
            }
        } }
        @if may_unmask { p { a #unmask href={ "/members/" (m.id) "?unmask=true" } { (t.unmask) } } }
        h2 { (t.transfers) }
        div.table-wrap { table #transfers {
            thead { tr { th { (t.transferred_on) } th { (t.from_org) } th { (t.to_org) } th { (t.reason) } } }
            tbody {
                @for tr_ in &transfers {
                    tr { td { (tr_.transferred_on) } td { (org_name(&tr_.from_org_id)) } td { (org_name(&tr_.to_org_id)) } td { (tr_.reason) } }
                }
                @if transfers.is_empty() { tr { td colspan="4" { (t.none) } } }
            }
        } }
    };
    page(lang, Some(&viewer), &m.name, false, body).into_response()
}

/// The form as typed: every field text, so a bad value comes back to be corrected.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct MemberForm {
    csrf_token: String,
    name: String,
    sex: String,
    ethnicity: String,
    birth_date: String,
    id_number: String,
    education: String,
    joined_on: String,
    full_on: String,
    status: String,
    org_id: String,
    phone: String,
}

type Errors = BTreeMap<&'static str, String>;

fn parse(f: &MemberForm) -> Result<NewMember, Errors> {
    let mut e = Errors::new();
    let date = |e: &mut Errors, field: &'static str, s: &str| match NaiveDate::parse_from_str(
        s.trim(),
        "%Y-%m-%d",
    ) {
        Ok(d) => Some(d),
        Err(_) => {
            e.insert(field, "应为日期（年-月-日）".into());
            None
        }
    };
    let name = Name::parse(&f.name)
        .map_err(|x| e.insert("name", x.to_string()))
        .ok();
    let sex = Sex::parse(&f.sex);
    if sex.is_none() {
        e.insert("sex", "请选择性别".into());
    }
    let ethnicity =
        Some(f.ethnicity.trim().to_owned()).filter(|x| !x.is_empty() && x.chars().count() <= 20);
    if ethnicity.is_none() {
        e.insert("ethnicity", "请填写民族".into());
    }
    let birth_date = date(&mut e, "birth_date", &f.birth_date);
    let id_number = IdNumber::parse(&f.id_number)
        .map_err(|x| e.insert("id_number", x.to_string()))
        .ok();
    let education = Education::parse(&f.education);
    if education.is_none() {
        e.insert("education", "请选择学历".into());
    }
    let joined_on = date(&mut e, "joined_on", &f.joined_on);
    let full_on = if f.full_on.trim().is_empty() {
        Some(None)
    } else {
        date(&mut e, "full_on", &f.full_on).map(Some)
    };
    let status = MemberStatus::parse(&f.status);
    if status.is_none() {
        e.insert("status", "请选择类别".into());
    }
    let org_id = f.org_id.parse::<i64>().ok();
    if org_id.is_none() {
        e.insert("org_id", "请选择所在党组织".into());
    }
    let phone = if f.phone.trim().is_empty() {
        Some(None)
    } else {
        Phone::parse(&f.phone)
            .map(Some)
            .map_err(|x| e.insert("phone", x.to_string()))
            .ok()
    };
    match (
        name, sex, ethnicity, birth_date, id_number, education, joined_on, full_on, status, org_id,
        phone,
    ) {
        (
            Some(name),
            Some(sex),
            Some(ethnicity),
            Some(birth_date),
            Some(id_number),
            Some(education),
            Some(joined_on),
            Some(full_on),
            Some(status),
            Some(org_id),
            Some(phone),
        ) if e.is_empty() => Ok(NewMember {
            name: name.into_string(),
            sex,
            ethnicity,
            birth_date,
            id_number,
            education,
            joined_on,
            full_on,
            status,
            org_id,
            phone,
            work_unit: None,
            home_community: None,
            mobile: false,
            mobile_note: None,
        }),
        _ => Err(e),
    }
}

fn field(label: &str, name: &'static str, errors: &Errors, input: Markup) -> Markup {
    html! {
        label.field.invalid[errors.contains_key(name)] {
            (label)
            (input)
            @if let Some(msg) = errors.get(name) { span.error id={ "err-" (name) } role="alert" { (msg) } }
        }
    }
}

fn form_page(
    viewer: &Viewer,
    code: &DivisionCode,
    orgs: &[Org],
    f: &MemberForm,
    errors: &Errors,
) -> Html<String> {
    let lang = viewer.lang;
    let t = lang.text();
    let sel = |a: &str, b: &str| a == b;
    let body = html! {
        nav.crumbs { a href={ "/t/" (code) "/members" } { (t.members) } }
        h1 { (t.new_member) }
        @if !errors.is_empty() { p.error role="alert" { (t.fix_errors) } }
        form.member-form method="post" action={ "/t/" (code) "/members/new" } novalidate {
            input type="hidden" name="csrf_token" value=(viewer.csrf);
            (field(t.name, "name", errors, html! { input name="name" value=(f.name) maxlength="100"; }))
            (field(t.sex, "sex", errors, html! { select name="sex" {
                option value="" { (t.choose) }
                option value="male" selected[sel(&f.sex, "male")] { (t.male) }
                option value="female" selected[sel(&f.sex, "female")] { (t.female) }
            } }))
            (field(t.ethnicity, "ethnicity", errors, html! { input name="ethnicity" value=(if f.ethnicity.is_empty() && errors.is_empty() { "汉族" } else { &f.ethnicity }) maxlength="20"; }))
            (field(t.birth_date, "birth_date", errors, html! { input type="date" name="birth_date" value=(f.birth_date); }))
            (field(t.id_number, "id_number", errors, html! { input name="id_number" value=(f.id_number) maxlength="18" autocomplete="off"; }))
            (field(t.education, "education", errors, html! { select name="education" {
                option value="" { (t.choose) }
                @for e in Education::ALL { option value=(e.as_str()) selected[sel(&f.education, e.as_str())] { (label_education(e, lang)) } }
            } }))
            (field(t.joined_on, "joined_on", errors, html! { input type="date" name="joined_on" value=(f.joined_on); }))
            (field(t.full_on, "full_on", errors, html! { input type="date" name="full_on" value=(f.full_on); }))
            (field(t.status, "status", errors, html! { select name="status" {
                option value="" { (t.choose) }
                option value="full" selected[sel(&f.status, "full")] { (t.full) }
                option value="probationary" selected[sel(&f.status, "probationary")] { (t.probationary) }
            } }))
            (field(t.org, "org_id", errors, html! { select name="org_id" {
                option value="" { (t.choose) }
                @for o in orgs { option value=(o.id) selected[sel(&f.org_id, &o.id.to_string())] { (o.name) } }
            } }))
            (field(t.phone, "phone", errors, html! { input name="phone" value=(f.phone) maxlength="20" autocomplete="off"; }))
            button.primary type="submit" { (t.save) }
        }
    };
    page(lang, Some(viewer), t.new_member, false, body)
}

/// The branches under `code` a member can belong to.
async fn branches(app: &App, viewer: &Viewer, code: &DivisionCode) -> Result<Vec<Org>, Response> {
    let (caller, code) = (viewer.caller.clone(), code.clone());
    app.run(move |c| {
        datong_store::territory::get_in_scope(c, &caller, &code)?;
        let f = OrgFilter {
            territory: Some(code),
            ..OrgFilter::default()
        };
        let all = org::list(
            c,
            &caller,
            &f,
            &Page {
                limit: 500,
                offset: 0,
            },
        )?;
        Ok(all.into_iter().filter(|o| o.kind.is_branch()).collect())
    })
    .await
    .map_err(|e| failure(viewer.lang, e))
}

pub async fn new_form(
    State(app): State<App>,
    viewer: Viewer,
    Path(code): Path<String>,
) -> Response {
    let code = match parse_code(&code) {
        Ok(c) => c,
        Err(e) => return failure(viewer.lang, e),
    };
    match branches(&app, &viewer, &code).await {
        Ok(orgs) => form_page(
            &viewer,
            &code,
            &orgs,
            &MemberForm::default(),
            &Errors::new(),
        )
        .into_response(),
        Err(r) => r,
    }
}

pub async fn create(
    State(app): State<App>,
    viewer: Viewer,
    Path(code): Path<String>,
    Form(f): Form<MemberForm>,
) -> Response {
    let code = match parse_code(&code) {
        Ok(c) => c,
        Err(e) => return failure(viewer.lang, e),
    };
    if f.csrf_token != viewer.csrf {
        return (StatusCode::FORBIDDEN, "CSRF").into_response();
    }
    let orgs = match branches(&app, &viewer, &code).await {
        Ok(o) => o,
        Err(r) => return r,
    };
    let refused = |errors: Errors| {
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            form_page(&viewer, &code, &orgs, &f, &errors),
        )
            .into_response()
    };
    let new = match parse(&f) {
        Ok(n) => n,
        Err(errors) => return refused(errors),
    };
    let caller = viewer.caller.clone();
    match app.run(move |c| member::create(c, &caller, new)).await {
        Ok(m) => Redirect::to(&format!("/members/{}", m.id)).into_response(),
        // The store's rule errors name their field: show them there.
        Err(e) => match e
            .field
            .as_deref()
            .and_then(|f| FIELDS.iter().find(|k| **k == f))
        {
            Some(key) => refused(Errors::from([(*key, e.message)])),
            None => failure(viewer.lang, e),
        },
    }
}

const FIELDS: [&str; 11] = [
    "name",
    "sex",
    "ethnicity",
    "birth_date",
    "id_number",
    "education",
    "joined_on",
    "full_on",
    "status",
    "org_id",
    "phone",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_bad_field_is_named() {
        let f = MemberForm {
            id_number: "140213198001011230".into(),
            birth_date: "1980-13-01".into(),
            phone: "12".into(),
            ..MemberForm::default()
        };
        let errors = parse(&f).unwrap_err();
        let fields: Vec<&str> = errors.keys().copied().collect();
        assert_eq!(
            fields,
            [
                "birth_date",
                "education",
                "ethnicity",
                "id_number",
                "joined_on",
                "name",
                "org_id",
                "phone",
                "sex",
                "status"
            ]
        );
    }
}
