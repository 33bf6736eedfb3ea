//! A member's page (masked numbers, the unmasking link where the viewer has the right,
//! the transfer history) and the new-member form, whose errors show at their fields.

use crate::dashboard::label_education;
use crate::layout::{failure, page};
use crate::paths::{IdPath, NodePath};
use crate::viewer::Viewer;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use chrono::NaiveDate;
use datong_domain::id_number::Sex;
use datong_domain::member::{Education, MemberStatus};
use datong_domain::{DivisionCode, IdNumber, Name, Phone};
use datong_http::App;
use datong_http::error::ApiError;
use datong_store::member::{self, NewMember};
use datong_store::org::{self, Org, OrgFilter};
use datong_store::sql::Page;
use maud::{Markup, html};
use serde::Deserialize;
use std::collections::BTreeMap;

/// `?unmask=true` on a page that shows personal numbers (the read is audited); `?ok=`
/// after a step on it.
#[derive(Default, Deserialize)]
#[serde(default)]
pub struct DetailQuery {
    pub unmask: bool,
    pub ok: String,
}

fn message(ok: &str, lang: crate::i18n::Lang) -> Option<&'static str> {
    match ok {
        "edited" => Some(lang.pick("已保存。", "Saved.")),
        "transferred" => Some(lang.pick("组织关系已转接。", "Transferred.")),
        "full" => Some(lang.pick("已转为正式党员。", "Now a full member.")),
        "extended" => Some(lang.pick("预备期已延长。", "Probation extended.")),
        _ => None,
    }
}

pub async fn detail(
    State(app): State<App>,
    viewer: Viewer,
    IdPath(id): IdPath,
    Query(q): Query<DetailQuery>,
) -> Response {
    render(&app, &viewer, id, &q, None).await
}

async fn render(
    app: &App,
    viewer: &Viewer,
    id: i64,
    q: &DetailQuery,
    refusal: Option<ApiError>,
) -> Response {
    let caller = viewer.caller.clone();
    let unmask = q.unmask;
    let loaded = app
        .run(move |c| {
            let m = member::get(c, &caller, id, unmask)?;
            let transfers = member::transfers(c, &caller, id)?;
            let ids = transfers
                .iter()
                .flat_map(|t| [t.from_org_id, t.to_org_id])
                .chain([m.org_id]);
            let orgs = org::names(c, &caller, ids)?;
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
    let writes = viewer.caller.scope.contains(&m.territory);
    let probation_ends = (m.status == MemberStatus::Probationary)
        .then(|| m.joined_on.parse::<NaiveDate>().ok())
        .flatten()
        .map(|j| {
            datong_domain::member::probation_end(j, u32::try_from(m.extension_months).unwrap_or(0))
        });
    let body = html! {
        nav.crumbs { a href={ "/t/" (m.territory) "/members" } { (t.members) } " / " span { (m.name) } }
        h1 { (m.name) }
        @if let Some(msg) = message(&q.ok, lang) { p.notice role="status" { (msg) } }
        @if let Some(e) = &refusal { p.error role="alert" { (e.message) } }
        div.table-wrap tabindex="0" { table #member {
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
        @if writes {
            p { a.button #change href={ "/members/" (m.id) "/edit" } { (t.edit) " / " (t.transfer) } }
        }
        @if let Some(ends) = probation_ends {
            h2 { (lang.pick("预备期", "Probation")) }
            p #probation-ends { (lang.pick("预备期满：", "Ends: ")) (ends) }
            @if writes {
                form #full-membership method="post" action={ "/members/" (m.id) "/probation" } {
                    input type="hidden" name="csrf_token" value=(viewer.csrf);
                    label { (lang.pick("转正日期", "Full membership on"))
                        input type="date" name="on" required min=(ends) value=(ends.max(viewer.caller.today())); }
                    button.primary type="submit" { (lang.pick("转为正式党员", "Make a full member")) }
                }
                @if m.extension_months == 0 {
                    form #extend-probation method="post" action={ "/members/" (m.id) "/probation" } {
                        input type="hidden" name="csrf_token" value=(viewer.csrf);
                        input type="hidden" name="on" value=(viewer.caller.today());
                        label { (lang.pick("延长预备期（月）", "Extend probation (months)"))
                            select name="extend_months" {
                                @for n in datong_domain::member::MIN_EXTENSION_MONTHS..=datong_domain::member::MAX_EXTENSION_MONTHS {
                                    option value=(n) { (n) }
                                }
                            }
                        }
                        button type="submit" { (lang.pick("延长预备期", "Extend")) }
                    }
                }
            }
        }
        h2 { (t.transfers) }
        div.table-wrap tabindex="0" { table #transfers {
            thead { tr { th { (t.transferred_on) } th { (t.from_org) } th { (t.to_org) } th { (t.reason) } } }
            tbody {
                @for tr_ in &transfers {
                    tr { td { (tr_.transferred_on) } td { (org_name(&tr_.from_org_id)) } td { (org_name(&tr_.to_org_id)) } td { (tr_.reason) } }
                }
                @if transfers.is_empty() { tr { td colspan="4" { (t.none) } } }
            }
        } }
    };
    let status = refusal.as_ref().map_or(StatusCode::OK, |e| e.status);
    (status, page(lang, Some(viewer), &m.name, false, body)).into_response()
}

/// 转正 or 延长预备期, as the member's page offers them.
#[derive(Default, Deserialize)]
#[serde(default)]
pub struct ProbationForm {
    csrf_token: String,
    on: String,
    extend_months: String,
}

pub async fn probation(
    State(app): State<App>,
    viewer: Viewer,
    IdPath(id): IdPath,
    Form(f): Form<ProbationForm>,
) -> Response {
    if let Some(r) = viewer.csrf_refusal(&f.csrf_token) {
        return r;
    }
    let shown = DetailQuery::default();
    let Ok(on) = NaiveDate::parse_from_str(f.on.trim(), "%Y-%m-%d") else {
        let e = ApiError::bad_request("on", "应为日期（年-月-日）");
        return render(&app, &viewer, id, &shown, Some(e)).await;
    };
    let extend = match f.extend_months.trim() {
        "" => None,
        n => match n.parse::<u32>() {
            Ok(n) => Some(n),
            Err(_) => {
                let e = ApiError::bad_request("extend_months", "应为月数");
                return render(&app, &viewer, id, &shown, Some(e)).await;
            }
        },
    };
    let caller = viewer.caller.clone();
    match app
        .run(move |c| member::probation(c, &caller, id, on, extend))
        .await
    {
        Ok(_) => {
            let ok = if extend.is_some() { "extended" } else { "full" };
            Redirect::to(&format!("/members/{id}?ok={ok}")).into_response()
        }
        Err(e) if e.status.is_client_error() && e.status != StatusCode::NOT_FOUND => {
            render(&app, &viewer, id, &shown, Some(e)).await
        }
        Err(e) => failure(viewer.lang, e),
    }
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

pub(crate) type Errors = BTreeMap<&'static str, String>;

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

/// A form's required text of at most `max` characters, trimmed; an error at `field`
/// otherwise.
pub(crate) fn required_text(e: &mut Errors, field: &'static str, s: &str, max: usize) -> String {
    let s = s.trim();
    if s.is_empty() || s.chars().count() > max {
        e.insert(field, format!("应为 1 至 {max} 个字符"));
    }
    s.to_owned()
}

pub(crate) fn field(label: &str, name: &'static str, errors: &Errors, input: Markup) -> Markup {
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
    NodePath(code): NodePath,
) -> Response {
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
    NodePath(code): NodePath,
    Form(f): Form<MemberForm>,
) -> Response {
    if let Some(r) = viewer.csrf_refusal(&f.csrf_token) {
        return r;
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

/// The edit and transfer forms as typed.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ChangeForm {
    csrf_token: String,
    version: String,
    education: String,
    work_unit: String,
    phone: String,
    to_org_id: String,
    transferred_on: String,
    reason: String,
}

async fn load_for_form(
    app: &App,
    viewer: &Viewer,
    id: i64,
) -> Result<(member::Member, Vec<Org>), Response> {
    let caller = viewer.caller.clone();
    let root = viewer.caller.assignments.first().map(|a| a.scope.clone());
    app.run(move |c| {
        let m = member::get(c, &caller, id, false)?;
        let f = OrgFilter {
            territory: root,
            ..OrgFilter::default()
        };
        let orgs = org::list(
            c,
            &caller,
            &f,
            &Page {
                limit: 2000,
                offset: 0,
            },
        )?
        .into_iter()
        .filter(|o| o.kind.is_branch() && caller.scope.contains(&o.territory) && o.id != m.org_id)
        .collect();
        Ok((m, orgs))
    })
    .await
    .map_err(|e| failure(viewer.lang, e))
}

fn change_page(
    viewer: &Viewer,
    m: &member::Member,
    orgs: &[Org],
    f: &ChangeForm,
    errors: &Errors,
) -> Html<String> {
    let lang = viewer.lang;
    let t = lang.text();
    let body = html! {
        nav.crumbs { a href={ "/members/" (m.id) } { (m.name) } }
        h1 { (m.name) }
        @if !errors.is_empty() { p.error role="alert" { (t.fix_errors) } }
        h2 { (t.edit) }
        form.member-form #edit-form method="post" action={ "/members/" (m.id) "/edit" } novalidate {
            input type="hidden" name="csrf_token" value=(viewer.csrf);
            input type="hidden" name="version" value=(m.version);
            (field(t.education, "education", errors, html! { select name="education" {
                @for e in Education::ALL { option value=(e.as_str()) selected[e == m.education] { (label_education(e, lang)) } }
            } }))
            (field(t.work_unit, "work_unit", errors, html! { input name="work_unit" value=(if f.work_unit.is_empty() { m.work_unit.as_deref().unwrap_or("") } else { &f.work_unit }) maxlength="100"; }))
            (field(t.phone, "phone", errors, html! { input name="phone" value=(f.phone) placeholder=(t.unchanged_if_empty) maxlength="20" autocomplete="off"; }))
            button.primary type="submit" { (t.save) }
        }
        h2 { (t.transfer) }
        form.member-form #transfer-form method="post" action={ "/members/" (m.id) "/transfer" } novalidate {
            input type="hidden" name="csrf_token" value=(viewer.csrf);
            (field(t.to_org, "to_org_id", errors, html! { select name="to_org_id" {
                option value="" { (t.choose) }
                @for o in orgs { option value=(o.id) selected[f.to_org_id == o.id.to_string()] { (o.name) } }
            } }))
            (field(t.transferred_on, "transferred_on", errors, html! { input type="date" name="transferred_on" value=(f.transferred_on); }))
            (field(t.reason, "reason", errors, html! { input name="reason" value=(f.reason) maxlength="500"; }))
            button.primary type="submit" { (t.transfer) }
        }
    };
    page(lang, Some(viewer), &m.name, false, body)
}

pub async fn change_form(State(app): State<App>, viewer: Viewer, IdPath(id): IdPath) -> Response {
    match load_for_form(&app, &viewer, id).await {
        Ok((m, orgs)) => {
            change_page(&viewer, &m, &orgs, &ChangeForm::default(), &Errors::new()).into_response()
        }
        Err(r) => r,
    }
}

/// Shows a store error at its field of the form, or as an error page.
fn refuse(
    viewer: &Viewer,
    m: &member::Member,
    orgs: &[Org],
    f: &ChangeForm,
    e: ApiError,
    fields: &[&'static str],
) -> Response {
    match e
        .field
        .as_deref()
        .and_then(|x| fields.iter().find(|k| **k == x))
    {
        Some(key) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            change_page(viewer, m, orgs, f, &Errors::from([(*key, e.message)])),
        )
            .into_response(),
        None => failure(viewer.lang, e),
    }
}

pub async fn edit(
    State(app): State<App>,
    viewer: Viewer,
    IdPath(id): IdPath,
    Form(f): Form<ChangeForm>,
) -> Response {
    if let Some(r) = viewer.csrf_refusal(&f.csrf_token) {
        return r;
    }
    let (m, orgs) = match load_for_form(&app, &viewer, id).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let mut errors = Errors::new();
    let phone = if f.phone.trim().is_empty() {
        None
    } else {
        Phone::parse(&f.phone)
            .map(|p| Some(Some(p)))
            .map_err(|e| errors.insert("phone", e.to_string()))
            .ok()
            .flatten()
    };
    let education = Education::parse(&f.education);
    if education.is_none() {
        errors.insert("education", "请选择学历".into());
    }
    let work_unit = match f.work_unit.trim() {
        "" => Some(None),
        w => Name::parse(w)
            .map(|n| Some(n.into_string()))
            .map_err(|e| errors.insert("work_unit", e.to_string()))
            .ok(),
    };
    if !errors.is_empty() {
        return (
            StatusCode::UNPROCESSABLE_ENTITY,
            change_page(&viewer, &m, &orgs, &f, &errors),
        )
            .into_response();
    }
    let change = member::MemberChange {
        phone,
        work_unit,
        education,
        version: f.version.parse().ok(),
        ..member::MemberChange::default()
    };
    let caller = viewer.caller.clone();
    match app
        .run(move |c| member::update(c, &caller, id, change))
        .await
    {
        Ok(_) => Redirect::to(&format!("/members/{id}?ok=edited")).into_response(),
        Err(e) => refuse(
            &viewer,
            &m,
            &orgs,
            &f,
            e,
            &["phone", "work_unit", "education", "version"],
        ),
    }
}

pub async fn transfer(
    State(app): State<App>,
    viewer: Viewer,
    IdPath(id): IdPath,
    Form(f): Form<ChangeForm>,
) -> Response {
    if let Some(r) = viewer.csrf_refusal(&f.csrf_token) {
        return r;
    }
    let (m, orgs) = match load_for_form(&app, &viewer, id).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let mut errors = Errors::new();
    let to = f
        .to_org_id
        .parse::<i64>()
        .map_err(|_| errors.insert("to_org_id", "请选择转入组织".into()))
        .ok();
    let on = NaiveDate::parse_from_str(f.transferred_on.trim(), "%Y-%m-%d")
        .map_err(|_| errors.insert("transferred_on", "应为日期（年-月-日）".into()))
        .ok();
    let reason =
        Some(f.reason.trim().to_owned()).filter(|r| !r.is_empty() && r.chars().count() <= 500);
    if reason.is_none() {
        errors.insert("reason", "请填写转接原因".into());
    }
    let (Some(to), Some(on), Some(reason)) = (to, on, reason) else {
        return (
            StatusCode::UNPROCESSABLE_ENTITY,
            change_page(&viewer, &m, &orgs, &f, &errors),
        )
            .into_response();
    };
    let caller = viewer.caller.clone();
    match app
        .run(move |c| member::transfer(c, &caller, id, to, on, &reason))
        .await
    {
        Ok(_) => Redirect::to(&format!("/members/{id}?ok=transferred")).into_response(),
        Err(e) => refuse(
            &viewer,
            &m,
            &orgs,
            &f,
            e,
            &["to_org_id", "transferred_on", "reason"],
        ),
    }
}
