//! `/report`: the residents' form, sized for a phone. A resident finds their community
//! (tapping down from the city, or from where the phone says it is), points at the map
//! or chooses a building, picks a category, writes what is wrong and adds photos. No
//! account is needed: posts are counted per address (`App::report_throttle`) and the
//! body is bounded. The receipt's token opens `/report/r/{token}` (see `receipt`).

use crate::i18n::Lang;
use crate::layout::page;
use crate::member::{Errors, field};
use crate::viewer::Viewer;
use axum::extract::{FromRequestParts, Multipart, Query, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use datong_domain::request::{Channel, MAX_PHOTOS, Point};
use datong_domain::{DivisionCode, Level, Phone};
use datong_http::App;
use datong_http::api::session::ClientIp;
use datong_http::error::ApiError;
use datong_store::audit::Actor;
use datong_store::request::catalogue::{self, Service};
use datong_store::request::intake::{Draft, Within};
use datong_store::territory::{Placed, Territory};
use maud::{Markup, html};
use serde::Deserialize;
use std::time::Instant;

/// The largest post the form takes: its photos at their limit, and the fields.
pub const MAX_BODY: usize = MAX_PHOTOS * datong_domain::request::MAX_PHOTO_BYTES + (1 << 20);

/// The resident when signed in; anyone otherwise.
pub struct MaybeViewer(pub Option<Viewer>);

impl FromRequestParts<App> for MaybeViewer {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, app: &App) -> Result<Self, Self::Rejection> {
        Ok(MaybeViewer(
            Viewer::from_request_parts(parts, app).await.ok(),
        ))
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Where {
    /// A place chosen so far (any level; a building or grid opens its community's form).
    at: String,
    /// Where the phone says it is.
    lat: String,
    lon: String,
    /// A community's name or its pinyin initials, typed.
    q: String,
}

/// What the form page shows and keeps.
#[derive(Debug, Default, Clone)]
struct Filled {
    community: String,
    service_code: String,
    lat: String,
    lon: String,
    building: String,
    address: String,
    description: String,
    name: String,
    phone: String,
    csrf_token: String,
}

enum Step {
    /// Choose among these places below `path`.
    Choose {
        path: Vec<Territory>,
        places: Vec<Territory>,
        note: Option<&'static str>,
        /// The search these places answer, if any.
        query: String,
    },
    /// The form for one community.
    Form {
        path: Vec<Territory>,
        map: Vec<Placed>,
        services: Vec<Service>,
    },
}

fn number(s: &str) -> Option<f64> {
    s.trim().parse().ok()
}

/// The community a resident's choice or position leads to, or the places to choose from.
fn step(c: &mut datong_store::Conn, w: &Where) -> datong_store::StoreResult<Step> {
    let located = match (number(&w.lat), number(&w.lon)) {
        (Some(lat), Some(lon)) => match Point::new(lat, lon) {
            Ok(p) => Some(catalogue::locate(c, p, None)?),
            Err(_) => Some(None),
        },
        _ => None,
    };
    let chosen = DivisionCode::parse(w.at.trim()).ok();
    if !w.q.trim().is_empty() {
        let under = chosen.clone().unwrap_or_else(DivisionCode::nation);
        return Ok(Step::Choose {
            path: lineage(c, &under)?,
            places: catalogue::search_communities(c, &under, &w.q)?,
            note: None,
            query: w.q.trim().to_owned(),
        });
    }
    let (mut at, note) = match (located, chosen) {
        (Some(Some(code)), _) => (code, None),
        (Some(None), _) => (
            DivisionCode::nation(),
            Some("这个位置不在本市的网格内，请逐级选择"),
        ),
        (None, Some(code)) => (code, None),
        (None, None) => (DivisionCode::nation(), None),
    };
    if let Some(community) = at.ancestor_at(Level::Community) {
        let path = lineage(c, &community)?;
        let map = catalogue::community_map(c, &community)?;
        let services = catalogue::services(c, false)?;
        return Ok(Step::Form {
            path,
            map,
            services,
        });
    }
    // One choice is no choice: go on down until there are several.
    let places = loop {
        let places = catalogue::places(c, &at)?;
        match places.as_slice() {
            [only] if only.level < Level::Community => at = only.code.clone(),
            _ => break places,
        }
    };
    Ok(Step::Choose {
        path: lineage(c, &at)?,
        places,
        note,
        query: String::new(),
    })
}

/// `code` and its ancestors below the nation, from the top; a code that names no place
/// is not found.
fn lineage(
    c: &mut datong_store::Conn,
    code: &DivisionCode,
) -> datong_store::StoreResult<Vec<Territory>> {
    code.lineage()
        .iter()
        .filter(|a| !a.is_nation())
        .map(|a| catalogue::place(c, a))
        .collect()
}

fn crumbs(path: &[Territory], lang: Lang) -> Markup {
    html! {
        nav.crumbs {
            a href="/report" { (lang.pick("全部", "All")) }
            @for t in path { " / " a href={ "/report?at=" (t.code) } { (t.name) } }
        }
    }
}

pub async fn show(
    State(app): State<App>,
    MaybeViewer(viewer): MaybeViewer,
    headers: HeaderMap,
    Query(w): Query<Where>,
) -> Response {
    let lang = Lang::from_headers(&headers);
    match app.run(move |c| step(c, &w)).await {
        Ok(s) => render(
            Shown::new(lang, viewer.as_ref(), &app),
            &s,
            &Filled::default(),
            &Errors::new(),
        )
        .into_response(),
        Err(e) => crate::layout::failure(lang, e),
    }
}

pub(crate) fn title(lang: Lang) -> &'static str {
    lang.pick("我要反映", "Report a problem")
}

/// Who the form is shown to, and how.
#[derive(Clone, Copy)]
struct Shown<'a> {
    lang: Lang,
    viewer: Option<&'a Viewer>,
    /// The map tile template drawn under the community's map, if the city has one.
    tiles: Option<&'a str>,
}

impl<'a> Shown<'a> {
    fn new(lang: Lang, viewer: Option<&'a Viewer>, app: &'a App) -> Self {
        Shown {
            lang,
            viewer,
            tiles: app.map_tiles.as_deref(),
        }
    }
}

fn render(shown: Shown, s: &Step, f: &Filled, errors: &Errors) -> axum::response::Html<String> {
    let lang = shown.lang;
    let body = match s {
        Step::Choose {
            path,
            places,
            note,
            query,
        } => html! {
            div.report {
                (crumbs(path, lang))
                h1 { (title(lang)) }
                @if let Some(n) = note { p.error role="alert" { (n) } }
                p { button #locate.primary type="button" hidden { (lang.pick("用我的位置", "Use my location")) } }
                p { a #status-lookup href="/report/status" { (lang.pick("已反映过？按编号和手机号查询办理进度", "Reported already? Follow it by number and phone")) } }
                form #community-search method="get" action="/report" role="search" {
                    @if let Some(last) = path.last() { input type="hidden" name="at" value=(last.code); }
                    label { (lang.pick("搜索社区（名称或拼音首字母）", "Find your community (name or pinyin initials)"))
                        input type="search" name="q" value=(query) maxlength="50" placeholder=(lang.pick("如：振华 或 zhsq", "e.g. 振华 or zhsq")); }
                    button type="submit" { (lang.pick("搜索", "Search")) }
                }
                p.muted {
                    @if query.is_empty() { (lang.pick("或逐级选择您所在的社区：", "Or choose your community:")) }
                    @else { (lang.pick("搜索结果：", "Found:")) }
                }
                ul #places.choices {
                    @for t in places { li { a href={ "/report?at=" (t.code) } { (t.name) } } }
                    @if places.is_empty() { li.muted { (lang.text().none) } }
                }
            }
        },
        Step::Form {
            path,
            map,
            services,
        } => form(shown, path, map, services, f, errors),
    };
    page(lang, None, title(lang), false, body)
}

fn form(
    shown: Shown,
    path: &[Territory],
    map: &[Placed],
    services: &[Service],
    f: &Filled,
    errors: &Errors,
) -> Markup {
    let Shown {
        lang,
        viewer,
        tiles,
    } = shown;
    let community = path.last().map(|t| t.code.to_string()).unwrap_or_default();
    let buildings: Vec<&Placed> = map.iter().filter(|p| p.level == Level::Building).collect();
    let mut groups: Vec<&str> = services.iter().map(|s| s.group.as_str()).collect();
    groups.dedup();
    html! {
        div.report {
            (crumbs(path, lang))
            h1 { (title(lang)) }
            @if !errors.is_empty() { p.error role="alert" { (lang.text().fix_errors) } }
            form #report-form method="post" action="/report" enctype="multipart/form-data" novalidate {
                input type="hidden" name="community" value=(community);
                @if let Some(v) = viewer { input type="hidden" name="csrf_token" value=(v.csrf); }
                (field(lang.pick("类别", "Category"), "service_code", errors, html! {
                    select name="service_code" required {
                        option value="" { (lang.text().choose) }
                        @for g in &groups {
                            optgroup label=(g) {
                                @for s in services.iter().filter(|s| s.group == *g) {
                                    option value=(s.code) selected[s.code == f.service_code] { (s.name) }
                                }
                            }
                        }
                    }
                }))
                @if !map.is_empty() {
                    div.map-box.pick {
                        p.muted { (lang.pick("在地图上点一下问题所在的位置：", "Tap the map where the problem is:")) }
                        (crate::map::svg(map, tiles, &format!("{} {}", path.last().map_or("", |t| t.name.as_str()), lang.text().map)))
                    }
                }
                input type="hidden" name="lat" value=(f.lat);
                input type="hidden" name="lon" value=(f.lon);
                p #picked.muted data-empty=(lang.pick("尚未点选位置", "No point chosen"))
                    data-chosen=(lang.pick("已选位置：", "Chosen: "))
                    data-outside=(lang.pick("该位置不在本社区内，请在社区范围内点选", "That is outside this community: tap inside it")) {
                    @if f.lat.is_empty() { (lang.pick("尚未点选位置", "No point chosen")) }
                    @else { (lang.pick("已选位置：", "Chosen: ")) (f.lat) ", " (f.lon) }
                }
                (field(lang.pick("或选择楼栋", "Or choose a building"), "lat", errors, html! {
                    select name="building" {
                        option value="" { (lang.pick("（按地图位置）", "(by the map point)")) }
                        @for b in &buildings { option value=(b.code) selected[b.code.as_path() == f.building] { (b.name) } }
                    }
                }))
                (field(lang.pick("详细位置", "Where exactly"), "address", errors, html! {
                    input name="address" value=(f.address) maxlength="200" placeholder=(lang.pick("如：3单元楼道、小区北门", "e.g. stairwell of entrance 3"));
                }))
                (field(lang.pick("问题描述", "What is wrong"), "description", errors, html! {
                    textarea name="description" rows="5" maxlength="4000" required { (f.description) }
                }))
                (field(lang.pick("照片（最多 4 张，每张不超过 5 MB）", "Photos (up to 4, 5 MB each)"), "media", errors, html! {
                    input type="file" name="media" accept="image/jpeg,image/png" multiple;
                }))
                (field(lang.pick("称呼（可不填）", "Name (optional)"), "name", errors, html! {
                    input name="name" value=(f.name) maxlength="50" autocomplete="name";
                }))
                (field(lang.pick("手机号（可不填，便于回访）", "Mobile (optional, for a call back)"), "phone", errors, html! {
                    input name="phone" type="tel" value=(f.phone) maxlength="20" autocomplete="tel";
                }))
                button.primary type="submit" { (lang.pick("提交", "Send")) }
            }
        }
    }
}

/// Reads the posted form: text fields and up to `MAX_PHOTOS` photos.
async fn read_form(mut m: Multipart) -> Result<(Filled, Vec<Vec<u8>>), Errors> {
    let mut f = Filled::default();
    let mut photos = Vec::new();
    let bad = |field: &'static str, msg: String| Errors::from([(field, msg)]);
    loop {
        let part = match m.next_field().await {
            Ok(Some(p)) => p,
            Ok(None) => break,
            Err(e) => return Err(bad("media", format!("表单读取失败：{e}"))),
        };
        let name = part.name().unwrap_or("").to_owned();
        let is_file = part.file_name().is_some();
        let bytes = part
            .bytes()
            .await
            .map_err(|e| bad("media", format!("表单读取失败：{e}")))?;
        if name == "media" {
            if is_file && !bytes.is_empty() {
                photos.push(bytes.to_vec());
            }
            continue;
        }
        let text = String::from_utf8(bytes.to_vec())
            .map_err(|_| bad("description", "应为 UTF-8 文本".into()))?;
        let slot = match name.as_str() {
            "community" => &mut f.community,
            "service_code" => &mut f.service_code,
            "lat" => &mut f.lat,
            "lon" => &mut f.lon,
            "building" => &mut f.building,
            "address" => &mut f.address,
            "description" => &mut f.description,
            "name" => &mut f.name,
            "phone" => &mut f.phone,
            "csrf_token" => &mut f.csrf_token,
            _ => continue,
        };
        *slot = text;
    }
    Ok((f, photos))
}

/// A form's point from its latitude and longitude fields: none when both are empty, an
/// error at `lat` when only one is given or either is not a possible coordinate.
pub(crate) fn point_of(e: &mut Errors, lat: &str, lon: &str) -> Option<Point> {
    match (lat.trim(), lon.trim()) {
        ("", "") => None,
        (lat, lon) => match (lat.parse::<f64>(), lon.parse::<f64>()) {
            (Ok(lat), Ok(lon)) => Point::new(lat, lon)
                .map_err(|err| e.insert("lat", err.to_string()))
                .ok(),
            _ => {
                e.insert("lat", "纬度和经度应为数字，且同时给出".into());
                None
            }
        },
    }
}

/// A form's optional phone number, or an error at `phone`.
pub(crate) fn phone_of(e: &mut Errors, phone: &str) -> Option<Phone> {
    match phone.trim() {
        "" => None,
        p => Phone::parse(p)
            .map_err(|err| e.insert("phone", err.to_string()))
            .ok(),
    }
}

/// The draft a filled form makes, or the fields to correct.
fn draft(f: &Filled, photos: Vec<Vec<u8>>, login: Option<String>) -> Result<Draft, Errors> {
    let mut e = Errors::new();
    if f.service_code.trim().is_empty() {
        e.insert("service_code", "请选择类别".into());
    }
    if f.description.trim().is_empty() {
        e.insert("description", "请描述问题".into());
    }
    if photos.len() > MAX_PHOTOS {
        e.insert("media", format!("最多 {MAX_PHOTOS} 张照片"));
    }
    let place = DivisionCode::parse(f.building.trim()).ok();
    let point = point_of(&mut e, &f.lat, &f.lon);
    if place.is_none() && point.is_none() && !e.contains_key("lat") {
        e.insert("lat", "请在地图上点选位置，或选择楼栋".into());
    }
    let phone = phone_of(&mut e, &f.phone);
    if !e.is_empty() {
        return Err(e);
    }
    let name = f.name.trim();
    Ok(Draft {
        service_code: f.service_code.trim().to_owned(),
        channel: Channel::Web,
        point,
        place,
        address: f.address.trim().to_owned(),
        description: f.description.trim().to_owned(),
        reporter_login: login,
        reporter_name: (!name.is_empty()).then(|| name.to_owned()),
        reporter_phone: phone,
        reporter_email: None,
        device_id: None,
        photos,
        // The map the resident tapped is their community's: the point is looked up there.
        within: DivisionCode::parse(f.community.trim())
            .ok()
            .filter(|c| c.level() == Level::Community)
            .map(Within::community),
    })
}

/// Where a refusal from intake belongs on the form (`media[2]` is the photos' field).
fn form_field(e: &ApiError) -> &'static str {
    match e.field.as_deref().unwrap_or("") {
        "service_code" => "service_code",
        "address" => "address",
        "name" => "name",
        "phone" => "phone",
        f if f.starts_with("media") => "media",
        "lat" | "long" | "lon" | "address_id" => "lat",
        _ => "description",
    }
}

pub async fn file(
    State(app): State<App>,
    MaybeViewer(viewer): MaybeViewer,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    m: Multipart,
) -> Response {
    let lang = Lang::from_headers(&headers);
    if let Some(ip) = ip {
        if let Err(wait) = app.report_throttle.check(&ip, Instant::now()) {
            let minutes = wait.as_secs().div_ceil(60);
            return (
                StatusCode::TOO_MANY_REQUESTS,
                [(header::RETRY_AFTER, wait.as_secs().to_string())],
                crate::layout::failure(
                    lang,
                    ApiError::new(
                        StatusCode::TOO_MANY_REQUESTS,
                        "too_many_reports",
                        format!("提交过于频繁，请 {minutes} 分钟后再试"),
                    ),
                ),
            )
                .into_response();
        }
        app.report_throttle.record(&ip, Instant::now());
    }
    let (f, photos) = match read_form(m).await {
        Ok(x) => x,
        Err(errors) => return refused(&app, lang, viewer, Filled::default(), errors).await,
    };
    if let Some(v) = &viewer
        && let Some(r) = v.csrf_refusal(&f.csrf_token)
    {
        return r;
    }
    let login = viewer.as_ref().map(|v| v.caller.actor.login.clone());
    let d = match draft(&f, photos, login.clone()) {
        Ok(d) => d,
        Err(errors) => return refused(&app, lang, viewer, f, errors).await,
    };
    let actor = Actor {
        login: login.unwrap_or_else(|| "resident:web".into()),
        at: app.now_text(),
    };
    match app.intake.file(actor, d).await {
        Ok(receipt) => Redirect::to(&format!("/report/r/{}", receipt.token)).into_response(),
        Err(e) if e.status.is_client_error() => {
            let errors = Errors::from([(form_field(&e), e.message.clone())]);
            refused(&app, lang, viewer, f, errors).await
        }
        Err(e) => crate::layout::failure(lang, e),
    }
}

/// The form again, as filled, with what to correct.
async fn refused(
    app: &App,
    lang: Lang,
    viewer: Option<Viewer>,
    f: Filled,
    errors: Errors,
) -> Response {
    let w = Where {
        at: f.community.clone(),
        ..Where::default()
    };
    match app.run(move |c| step(c, &w)).await {
        Ok(s) => (
            StatusCode::BAD_REQUEST,
            render(Shown::new(lang, viewer.as_ref(), app), &s, &f, &errors),
        )
            .into_response(),
        Err(e) => crate::layout::failure(lang, e),
    }
}
