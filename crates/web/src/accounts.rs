//! `/accounts`: the city's organisation department and the administrator manage who may
//! log in — accounts added (a member's bound to the member record, a unit's to the unit),
//! disabled and enabled, their tokens revoked — and the keys of Open311 clients.

use crate::i18n::Lang;
use crate::layout::{failure, page};
use crate::viewer::Viewer;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use datong_domain::{DivisionCode, Role};
use datong_http::App;
use datong_http::error::ApiError;
use datong_store::account::{self, AccountView, Binding, NewAccount};
use datong_store::request::keys::{self, KeyView};
use datong_store::sql::Page;
use maud::{Markup, html};
use serde::Deserialize;

pub fn role_label(lang: Lang, r: Role) -> &'static str {
    match r {
        Role::City => lang.pick("市委组织部", "City"),
        Role::District => lang.pick("区（县）委", "District"),
        Role::Department => lang.pick("区直部门", "Department"),
        Role::Street => lang.pick("街道（乡镇）党（工）委", "Street"),
        Role::Community => lang.pick("社区（村）党组织", "Community"),
        Role::Grid => lang.pick("网格", "Grid"),
        Role::Unit => lang.pick("驻区单位", "Unit"),
        Role::Member => lang.pick("党员", "Member"),
        Role::Resident => lang.pick("居民", "Resident"),
        Role::Admin => lang.pick("平台管理员", "Administrator"),
    }
}

#[derive(Deserialize, Default)]
pub struct Shown {
    #[serde(default)]
    done: String,
}

/// What a finished action says at the top of the page.
fn done_message(lang: Lang, done: &str) -> Option<&'static str> {
    Some(match done {
        "added" => lang.pick("账号已新增", "Account added"),
        "disabled" => lang.pick(
            "账号已停用，其令牌与会话均已结束",
            "Account disabled; its tokens and sessions ended",
        ),
        "enabled" => lang.pick("账号已启用，需重新登录", "Account enabled; it logs in anew"),
        "revoked" => lang.pick("访问令牌已吊销", "Tokens revoked"),
        "key_revoked" => lang.pick("密钥已停用", "Key revoked"),
        _ => return None,
    })
}

struct View {
    accounts: Vec<AccountView>,
    keys: Vec<KeyView>,
}

async fn load(app: &App, viewer: &Viewer) -> Result<View, ApiError> {
    let caller = viewer.caller.clone();
    app.run(move |c| {
        let page = Page {
            limit: Page::MAX_LIMIT,
            offset: 0,
        };
        Ok(View {
            accounts: account::list(c, &caller, &page)?,
            keys: keys::list(c, &caller)?,
        })
    })
    .await
}

fn render(
    viewer: &Viewer,
    v: &View,
    note: Option<&str>,
    error: Option<&ApiError>,
    new_key: Option<&str>,
) -> Markup {
    let lang = viewer.lang;
    html! {
        h1 { (lang.pick("账号与密钥", "Accounts and keys")) }
        @if let Some(n) = note { p.notice #notice { (n) } }
        @if let Some(e) = error { p.error #error data-field=(e.field.as_deref().unwrap_or("")) { (e.message) } }
        @if let Some(k) = new_key {
            p.notice #new-key { (lang.pick("新密钥（仅显示这一次，请妥善交给对方）：", "New key (shown this once): ")) code { (k) } }
        }
        h2 { (lang.pick("新增账号", "Add an account")) }
        form.member-form #account-form method="post" action="/accounts" {
            input type="hidden" name="csrf_token" value=(viewer.csrf);
            label { (lang.pick("登录名", "Login")) input name="login" required maxlength="64" autocomplete="off"; }
            label { (lang.pick("初始密码", "Initial password")) input name="password" type="password" required minlength="10" autocomplete="new-password"; }
            label { (lang.pick("角色", "Role"))
                select name="role" {
                    @for r in Role::ALL { option value=(r.as_str()) { (role_label(lang, r)) } }
                }
            }
            label { (lang.pick("所在区划编码（党员、单位账号可不填）", "Node code (not for members and units)")) input name="scope" inputmode="numeric" maxlength="22"; }
            label { (lang.pick("党员编号（党员账号）", "Member id (member accounts)")) input name="member_id" inputmode="numeric"; }
            label { (lang.pick("单位编号（单位账号）", "Unit id (unit accounts)")) input name="unit_id" inputmode="numeric"; }
            button type="submit" { (lang.pick("新增", "Add")) }
        }
        h2 { (lang.pick("账号", "Accounts")) }
        table.roster #accounts {
            thead { tr {
                th { (lang.pick("登录名", "Login")) } th { (lang.pick("角色", "Role")) } th { (lang.pick("状态", "Status")) } th {}
            } }
            tbody {
                @for a in &v.accounts {
                    tr data-login=(a.login) {
                        td { (a.login) }
                        td { @for s in &a.assignments { span { (role_label(lang, s.assignment.role)) " · " (s.assignment.scope) } " " } }
                        td { @if a.disabled { (lang.pick("已停用", "Disabled")) } @else { (lang.pick("正常", "Active")) } }
                        td {
                            @if a.login != viewer.caller.actor.login {
                                form.inline method="post" action={ "/accounts/" (a.login) "/disabled" } {
                                    input type="hidden" name="csrf_token" value=(viewer.csrf);
                                    input type="hidden" name="disabled" value=(if a.disabled { "false" } else { "true" });
                                    button type="submit" { @if a.disabled { (lang.pick("启用", "Enable")) } @else { (lang.pick("停用", "Disable")) } }
                                }
                                form.inline method="post" action={ "/accounts/" (a.login) "/tokens/revoke" } {
                                    input type="hidden" name="csrf_token" value=(viewer.csrf);
                                    button type="submit" { (lang.pick("吊销令牌", "Revoke tokens")) }
                                }
                            }
                        }
                    }
                }
            }
        }
        h2 { (lang.pick("Open311 客户端密钥", "Open311 client keys")) }
        form.member-form #key-form method="post" action="/open311-keys" {
            input type="hidden" name="csrf_token" value=(viewer.csrf);
            label { (lang.pick("用途", "Label")) input name="label" required maxlength="100"; }
            button type="submit" { (lang.pick("签发", "Issue")) }
        }
        table.roster #keys {
            thead { tr { th { (lang.pick("用途", "Label")) } th { (lang.pick("签发", "Issued")) } th { (lang.pick("状态", "Status")) } th {} } }
            tbody {
                @for k in &v.keys {
                    tr data-key=(k.id) {
                        td { (k.label) }
                        td { (k.created_by) " " (k.created_at.get(..10).unwrap_or_default()) }
                        td { @if k.revoked_at.is_some() { (lang.pick("已停用", "Revoked")) } @else { (lang.pick("有效", "Active")) } }
                        td { @if k.revoked_at.is_none() {
                            form.inline method="post" action={ "/open311-keys/" (k.id) "/revoke" } {
                                input type="hidden" name="csrf_token" value=(viewer.csrf);
                                button type="submit" { (lang.pick("停用", "Revoke")) }
                            }
                        } }
                    }
                }
            }
        }
    }
}

async fn show_page(
    app: &App,
    viewer: &Viewer,
    note: Option<&str>,
    error: Option<ApiError>,
    new_key: Option<&str>,
) -> Response {
    match load(app, viewer).await {
        Ok(v) => {
            let status = error
                .as_ref()
                .map_or(axum::http::StatusCode::OK, |e| e.status);
            let title = viewer.lang.pick("账号与密钥", "Accounts and keys");
            let body = render(viewer, &v, note, error.as_ref(), new_key);
            (status, page(viewer.lang, Some(viewer), title, false, body)).into_response()
        }
        Err(e) => failure(viewer.lang, e),
    }
}

pub async fn show(State(app): State<App>, viewer: Viewer, Query(q): Query<Shown>) -> Response {
    let note = done_message(viewer.lang, &q.done);
    show_page(&app, &viewer, note, None, None).await
}

#[derive(Deserialize)]
pub struct NewAccountForm {
    csrf_token: String,
    login: String,
    password: String,
    role: String,
    #[serde(default)]
    scope: String,
    #[serde(default)]
    member_id: String,
    #[serde(default)]
    unit_id: String,
}

fn number(field: &str, v: &str) -> Result<Option<i64>, ApiError> {
    match v.trim() {
        "" => Ok(None),
        t => t
            .parse()
            .map(Some)
            .map_err(|_| ApiError::invalid(field, "应为编号（数字）")),
    }
}

pub async fn create(
    State(app): State<App>,
    viewer: Viewer,
    Form(f): Form<NewAccountForm>,
) -> Response {
    if let Some(r) = viewer.csrf_refusal(&f.csrf_token) {
        return r;
    }
    let parsed = (|| {
        let role = Role::parse(&f.role).ok_or_else(|| ApiError::invalid("role", "请选择角色"))?;
        let scope = match f.scope.trim() {
            "" => None,
            s => Some(
                DivisionCode::parse(s).map_err(|e| ApiError::invalid("scope", e.to_string()))?,
            ),
        };
        let binding = match (
            number("member_id", &f.member_id)?,
            number("unit_id", &f.unit_id)?,
        ) {
            (Some(m), None) => Binding::Member(m),
            (None, Some(u)) => Binding::Unit(u),
            (None, None) => Binding::None,
            _ => return Err(ApiError::invalid("member_id", "党员编号与单位编号只填一项")),
        };
        Ok((role, scope, binding))
    })();
    let (role, scope, binding) = match parsed {
        Ok(p) => p,
        Err(e) => return show_page(&app, &viewer, None, Some(e), None).await,
    };
    let caller = viewer.caller.clone();
    let done = app
        .run(move |c| {
            caller.may_set_city_wide()?;
            let new = NewAccount {
                login: f.login.trim(),
                password: &f.password,
                role,
                scope,
                unmask: false,
                binding,
            };
            account::add_user(c, &caller.actor, &new).map(|_| ())
        })
        .await;
    match done {
        Ok(()) => Redirect::to("/accounts?done=added").into_response(),
        Err(e) => show_page(&app, &viewer, None, Some(e), None).await,
    }
}

#[derive(Deserialize)]
pub struct CsrfForm {
    csrf_token: String,
}

#[derive(Deserialize)]
pub struct DisableForm {
    csrf_token: String,
    disabled: bool,
}

pub async fn set_disabled(
    State(app): State<App>,
    viewer: Viewer,
    Path(login): Path<String>,
    Form(f): Form<DisableForm>,
) -> Response {
    if let Some(r) = viewer.csrf_refusal(&f.csrf_token) {
        return r;
    }
    let caller = viewer.caller.clone();
    match app
        .run(move |c| account::set_disabled(c, &caller, &login, f.disabled))
        .await
    {
        Ok(_) => Redirect::to(if f.disabled {
            "/accounts?done=disabled"
        } else {
            "/accounts?done=enabled"
        })
        .into_response(),
        Err(e) => show_page(&app, &viewer, None, Some(e), None).await,
    }
}

pub async fn revoke_tokens(
    State(app): State<App>,
    viewer: Viewer,
    Path(login): Path<String>,
    Form(f): Form<CsrfForm>,
) -> Response {
    if let Some(r) = viewer.csrf_refusal(&f.csrf_token) {
        return r;
    }
    let caller = viewer.caller.clone();
    let done = app
        .run(move |c| {
            account::get(c, &caller, &login)?;
            account::revoke_tokens(c, &caller.actor, &login)
        })
        .await;
    match done {
        Ok(_) => Redirect::to("/accounts?done=revoked").into_response(),
        Err(e) => show_page(&app, &viewer, None, Some(e), None).await,
    }
}

#[derive(Deserialize)]
pub struct KeyForm {
    csrf_token: String,
    label: String,
}

pub async fn create_key(
    State(app): State<App>,
    viewer: Viewer,
    Form(f): Form<KeyForm>,
) -> Response {
    if let Some(r) = viewer.csrf_refusal(&f.csrf_token) {
        return r;
    }
    let caller = viewer.caller.clone();
    match app.run(move |c| keys::create(c, &caller, &f.label)).await {
        // The key is shown on this answer alone, never stored: no redirect.
        Ok(key) => show_page(&app, &viewer, None, None, Some(&key)).await,
        Err(e) => show_page(&app, &viewer, None, Some(e), None).await,
    }
}

pub async fn revoke_key(
    State(app): State<App>,
    viewer: Viewer,
    Path(id): Path<String>,
    Form(f): Form<CsrfForm>,
) -> Response {
    if let Some(r) = viewer.csrf_refusal(&f.csrf_token) {
        return r;
    }
    let caller = viewer.caller.clone();
    match app.run(move |c| keys::revoke(c, &caller, &id)).await {
        Ok(_) => Redirect::to("/accounts?done=key_revoked").into_response(),
        Err(e) => show_page(&app, &viewer, None, Some(e), None).await,
    }
}
