//! The web workspace over plain HTTP (the browser tests drive the same pages in
//! Chromium): login by form, the dashboard and roster of the viewer's subtree only,
//! masked numbers, CSRF on the logout form, and the embedded assets.

use crate::helpers::{csrf_of, demo_app};
use datong_store::Engine;

struct Page {
    status: u16,
    location: Option<String>,
    body: String,
}

struct Browser {
    /// Every citizen ID in the database: none may appear whole on a page.
    ids: std::sync::Arc<Vec<String>>,
    base: String,
    http: reqwest::Client,
    cookie: Option<String>,
}

impl Browser {
    /// A browser on `app` that does not follow redirects, checking pages against `ids`.
    fn at(app: &crate::helpers::TestApp, ids: Vec<String>) -> Self {
        Browser {
            ids: std::sync::Arc::new(ids),
            base: app.base.clone(),
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            cookie: None,
        }
    }

    /// Another browser on the same site, logged in as no one.
    fn another(&self) -> Self {
        Browser {
            ids: self.ids.clone(),
            base: self.base.clone(),
            http: self.http.clone(),
            cookie: None,
        }
    }

    async fn get(&self, path: &str) -> Page {
        let mut req = self.http.get(format!("{}{path}", self.base));
        if let Some(c) = &self.cookie {
            req = req.header("cookie", c);
        }
        Self::page(req.send().await.unwrap()).await
    }

    async fn post(&self, path: &str, form: &[(&str, &str)]) -> (Page, Option<String>) {
        let mut req = self.http.post(format!("{}{path}", self.base)).form(form);
        if let Some(c) = &self.cookie {
            req = req.header("cookie", c);
        }
        let res = req.send().await.unwrap();
        let set = res
            .headers()
            .get("set-cookie")
            .map(|v| v.to_str().unwrap().split(';').next().unwrap().to_owned());
        (Self::page(res).await, set)
    }

    async fn page(res: reqwest::Response) -> Page {
        Page {
            status: res.status().as_u16(),
            location: res
                .headers()
                .get("location")
                .map(|v| v.to_str().unwrap().to_owned()),
            body: res.text().await.unwrap(),
        }
    }

    async fn log_in(&mut self, login: &str) -> Page {
        let (page, cookie) = self
            .post(
                "/login",
                &[
                    ("login", login),
                    ("password", "Demo-1-Datong"),
                    ("next", "/"),
                ],
            )
            .await;
        self.cookie = cookie;
        page
    }
}

async fn demo_site(engine: Engine) -> Browser {
    let app = demo_app(engine).await;
    let ids = app.with_db(|c| {
        c.query("SELECT id_number FROM member", &[])
            .unwrap()
            .iter()
            .map(|r| r.str(0).unwrap())
            .collect::<Vec<_>>()
    });
    assert!(!ids.is_empty());
    Browser::at(&app, ids)
}

async fn pages_show_the_viewers_subtree_only(engine: Engine) {
    let mut b = demo_site(engine).await;
    let r = b.get("/t/1402").await;
    assert_eq!(r.status, 303, "no session: to the login page");
    assert_eq!(r.location.as_deref(), Some("/login?next=%2Ft%2F1402"));

    let r = b.log_in("city").await;
    assert_eq!((r.status, r.location.as_deref()), (303, Some("/")));
    let r = b.get("/").await;
    assert_eq!(r.status, 200, "every role lands on its 工作台");
    assert!(
        r.body.contains("工作台") && r.body.contains("href=\"/t/1402\""),
        "with the way to its places"
    );
    let r = b.get("/t/1402").await;
    assert_eq!(r.status, 200);
    for expected in [
        "大同市",
        "平城区",
        "data-chart",
        "/assets/echarts.min.",
        "党员",
    ] {
        assert!(
            r.body.contains(expected),
            "{expected} on the city dashboard"
        );
    }
    assert!(
        !r.body.contains("href=\"/t/14\""),
        "the province is named, not opened"
    );

    let r = b.get("/t/140213/members").await;
    assert_eq!(r.status, 200);
    assert!(
        r.body.contains("990213********"),
        "IDs are masked on the roster"
    );
    let whole: Vec<&String> = b
        .ids
        .iter()
        .filter(|id| r.body.contains(id.as_str()))
        .collect();
    assert!(whole.is_empty(), "no whole ID on the roster: {whole:?}");
    assert!(r.body.contains("100****"), "phones are masked");

    let mut community = demo_site_reuse(&b);
    let r = community.log_in("community").await;
    assert_eq!(r.status, 303);
    assert_eq!(community.get("/t/140213050001").await.status, 200);
    for outside in ["/t/140213050002", "/t/1402", "/t/140214/members"] {
        assert_eq!(community.get(outside).await.status, 404, "{outside}");
    }
}

fn demo_site_reuse(b: &Browser) -> Browser {
    Browser {
        ids: b.ids.clone(),
        base: b.base.clone(),
        http: b.http.clone(),
        cookie: None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_show_the_viewers_subtree_only_on_sqlite() {
    pages_show_the_viewers_subtree_only(Engine::Sqlite).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_show_the_viewers_subtree_only_on_postgres() {
    pages_show_the_viewers_subtree_only(Engine::Postgres).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_form_errors_logout_csrf_and_assets() {
    let mut b = demo_site(Engine::Sqlite).await;
    let (r, cookie) = b
        .post(
            "/login",
            &[
                ("login", "city"),
                ("password", "wrong-Passw0rd"),
                ("next", "/"),
            ],
        )
        .await;
    assert_eq!(r.status, 401);
    assert!(cookie.is_none());
    assert!(
        r.body.contains("登录名或密码错误") && r.body.contains("value=\"city\""),
        "the form comes back with the error"
    );
    let (r, _) = b
        .post(
            "/login",
            &[
                ("login", "city"),
                ("password", "Demo-1-Datong"),
                ("next", "https://evil.example/"),
            ],
        )
        .await;
    assert_eq!(r.location.as_deref(), Some("/"), "never sent off-site");
    // A tab or a line break in `next`: browsers drop them (a tab made "//evil.example"),
    // and a line break once split the Location header into a 500.
    for next in [
        "/\t/evil.example",
        "/\r\n/evil.example",
        "/t\r\nSet-Cookie: a=b",
    ] {
        let (r, _) = b
            .post(
                "/login",
                &[
                    ("login", "city"),
                    ("password", "Demo-1-Datong"),
                    ("next", next),
                ],
            )
            .await;
        assert_eq!(
            (r.status, r.location.as_deref()),
            (303, Some("/")),
            "{next:?}"
        );
    }

    b.log_in("street").await;
    let (r, _) = b.post("/logout", &[("csrf_token", "forged")]).await;
    assert_eq!(r.status, 403);
    assert_eq!(b.get("/t/140213050").await.status, 200, "still logged in");
    let page = b.get("/t/140213050").await.body;
    let csrf = page
        .split("name=\"csrf_token\" value=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .unwrap()
        .to_owned();
    // Linked by a name that carries its digest: cached for good, and gzip'd for browsers
    // that take it, within 350 KB over the wire.
    let linked = page
        .split("src=\"")
        .map(|s| s.split('"').next().unwrap())
        .find(|s| s.starts_with("/assets/echarts.min."))
        .unwrap()
        .to_owned();
    assert_ne!(linked, "/assets/echarts.min.js");
    let r = b
        .http
        .get(format!("{}{linked}", b.base))
        .header("accept-encoding", "gzip, br")
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["content-encoding"], "gzip");
    assert!(
        r.headers()["cache-control"]
            .to_str()
            .unwrap()
            .contains("immutable")
    );
    let wire = r.bytes().await.unwrap().len();
    assert!(wire <= 350 * 1024, "ECharts over the wire: {wire} bytes");
    let r = b
        .http
        .get(format!("{}{linked}", b.base))
        .send()
        .await
        .unwrap();
    assert!(
        r.headers().get("content-encoding").is_none(),
        "plain for who asks no gzip"
    );
    let (r, cleared) = b.post("/logout", &[("csrf_token", &csrf)]).await;
    assert_eq!((r.status, r.location.as_deref()), (303, Some("/login")));
    assert!(cleared.unwrap().ends_with('='), "the cookie is cleared");
    assert_eq!(b.get("/t/140213050").await.status, 303, "logged out");

    let r = b.get("/assets/echarts.min.js").await;
    assert!(
        r.status == 200 && r.body.len() > 500_000,
        "ECharts is served from the binary"
    );
    assert_eq!(b.get("/assets/nothing.js").await.status, 404);
    let r = b.get("/login").await;
    assert!(r.body.contains("lang=\"zh-CN\"") && r.body.contains("登录"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_member_form_needs_its_csrf_token_and_pages_mask_without_the_right() {
    let mut b = demo_site(Engine::Sqlite).await;
    b.log_in("community").await;
    let (r, _) = b
        .post(
            "/t/140213050001/members/new",
            &[("csrf_token", "forged"), ("name", "x")],
        )
        .await;
    assert_eq!(r.status, 403, "no write without the form's token");

    let roster = b.get("/t/140213050001/members").await.body;
    let first = roster
        .split("href=\"/members/")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .unwrap()
        .to_owned();
    let r = b.get(&format!("/members/{first}")).await;
    assert_eq!(r.status, 200);
    assert!(
        !r.body.contains("id=\"unmask\""),
        "no unmasking link without the right"
    );
    let whole: Vec<&String> = b
        .ids
        .iter()
        .filter(|id| r.body.contains(id.as_str()))
        .collect();
    assert!(whole.is_empty(), "{whole:?}");
    let r = b.get(&format!("/members/{first}?unmask=true")).await;
    assert_eq!(r.status, 403, "asking anyway is refused");

    let mut city = demo_site_reuse(&b);
    city.log_in("city").await;
    let r = city.get(&format!("/members/{first}")).await;
    assert!(r.body.contains("id=\"unmask\""), "the city may unmask");
    let r = city.get(&format!("/members/{first}?unmask=true")).await;
    assert!(
        b.ids.iter().any(|id| r.body.contains(id.as_str())),
        "and then sees the whole number"
    );
}

/// The text of an .xlsx file's cells (its shared strings and sheet XML).
fn xlsx_text(bytes: &[u8]) -> String {
    use std::io::Read;
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("an .xlsx is a zip");
    let mut all = String::new();
    for i in 0..zip.len() {
        let mut f = zip.by_index(i).unwrap();
        let name = f.name().unwrap().into_owned();
        if name.starts_with("xl/") && name.ends_with(".xml") {
            f.read_to_string(&mut all).unwrap();
        }
    }
    all
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exports_keep_ids_as_text_and_masked_without_the_right() {
    let mut b = demo_site(Engine::Sqlite).await;
    b.log_in("community").await;
    let res = b
        .http
        .get(format!("{}/t/140213050001/members.xlsx", b.base))
        .header("cookie", b.cookie.clone().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap()
            .contains("spreadsheetml")
    );
    let text = xlsx_text(&res.bytes().await.unwrap());
    for column in ["姓名", "公民身份号码", "入党日期", "所在党组织"] {
        assert!(text.contains(column), "{column}");
    }
    assert!(text.contains("990213********"), "masked IDs in the export");
    let whole: Vec<&String> = b
        .ids
        .iter()
        .filter(|id| text.contains(id.as_str()))
        .collect();
    assert!(whole.is_empty(), "no whole ID in the export: {whole:?}");
    let asked = b.get("/t/140213050001/members.xlsx?unmask=true").await;
    assert_eq!(
        asked.status, 403,
        "asking for whole numbers without the right"
    );

    let mut city = demo_site_reuse(&b);
    city.log_in("city").await;
    let res = city
        .http
        .get(format!(
            "{}/t/140213050001/members.xlsx?unmask=true",
            city.base
        ))
        .header("cookie", city.cookie.clone().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let text = xlsx_text(&res.bytes().await.unwrap());
    let whole = b.ids.iter().filter(|id| text.contains(id.as_str())).count();
    assert!(
        whole > 0,
        "the city, with the right, gets whole numbers, as text"
    );
}

/// A city that has a tile server sees it under the staff's community map and under the
/// residents' form alike.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_configured_tile_layer_lies_under_both_community_maps() {
    let app = crate::helpers::demo_app_with(Engine::Sqlite, |app| {
        app.with_map_tiles(Some("http://tiles.intranet/{z}/{x}/{y}.png".into()))
    })
    .await;
    let mut b = Browser::at(&app, Vec::new());
    let tiles = |body: &str| {
        body.matches("<image class=\"tile\" href=\"http://tiles.intranet/")
            .count()
    };
    let residents = b.get("/report?at=140213050001").await;
    assert_eq!(residents.status, 200);
    assert!(tiles(&residents.body) > 0, "{}", residents.body);
    b.log_in("community").await;
    let staff = b.get("/t/140213050001/map").await;
    assert_eq!(tiles(&staff.body), tiles(&residents.body), "the same view");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_community_map_draws_its_grids_and_buildings_without_tiles() {
    let app = crate::helpers::demo_app(Engine::Sqlite).await;
    let (grids, buildings) = app.with_db(|c| {
        let mut count = |level: &str| {
            c.query_one(
                "SELECT COUNT(*) FROM territory WHERE code > '140213050001' AND code < '140213050001:' AND level = $1",
                &[level.into()],
            )
            .unwrap()
            .i64(0)
            .unwrap() as usize
        };
        (count("grid"), count("building"))
    });
    let mut b = Browser::at(&app, Vec::new());
    b.log_in("community").await;
    let r = b.get("/t/140213050001/map").await;
    assert_eq!(r.status, 200);
    assert!(r.body.contains("<svg id=\"map\""));
    assert_eq!(
        r.body.matches("class=\"grid\"").count(),
        grids,
        "one polygon a grid"
    );
    assert_eq!(
        r.body.matches("class=\"building\"").count(),
        buildings,
        "one point a building"
    );
    assert!(
        !r.body.contains("<image"),
        "no tile layer unless configured"
    );
    assert_eq!(
        b.get("/t/140213050002/map").await.status,
        404,
        "another community's map"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn organisation_and_unit_rosters_filter_sort_and_stay_in_scope() {
    let mut b = demo_site(Engine::Sqlite).await;
    b.log_in("street").await;
    let r = b.get("/t/140213050/orgs").await;
    assert_eq!(r.status, 200);
    assert!(r.body.contains("table id=\"orgs\"") && r.body.contains("网格支部委员会"));
    for code in r
        .body
        .split("<td><a href=\"/t/")
        .skip(1)
        .map(|s| s.split('"').next().unwrap())
    {
        assert!(
            code.starts_with("140213050"),
            "an organisation outside the street: {code}"
        );
    }
    let r = b.get("/t/140213050/orgs?kind=working_committee").await;
    assert!(
        r.body.contains("工作委员会") && !r.body.contains("网格支部委员会"),
        "filtered by kind"
    );
    let r = b.get("/t/140213050/units?sort=name&coverage=own_org").await;
    assert_eq!(r.status, 200);
    assert!(r.body.contains("table id=\"units\""));
    let rows = r.body.split("<tbody>").nth(1).unwrap();
    assert!(rows.contains("单独建立党组织"), "{rows}");
    assert!(
        !rows.contains("尚未覆盖") && !rows.contains("<td>联合党支部</td>"),
        "filtered by coverage"
    );
    assert_eq!(
        b.get("/t/140214/orgs").await.status,
        404,
        "another district"
    );
    assert_eq!(b.get("/t/140214/units").await.status, 404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn errors_are_pages_and_english_is_one_click_away() {
    let mut b = demo_site(Engine::Sqlite).await;
    b.log_in("community").await;
    let r = b.get("/t/140213050002").await;
    assert_eq!(r.status, 404);
    assert!(
        r.body.starts_with("<!DOCTYPE html>") && r.body.contains("不存在或无权访问"),
        "{}",
        r.body
    );
    let r = b.get("/t/not-a-code/members").await;
    assert_eq!(r.status, 404);

    let r = b.get("/lang/en").await;
    assert_eq!(r.status, 303);
    let page = b
        .http
        .get(format!("{}/t/140213050001", b.base))
        .header(
            "cookie",
            format!("{}; datong_lang=en", b.cookie.clone().unwrap()),
        )
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("lang=\"en\"") && page.contains("Members") && page.contains("中文"),
        "English, with the way back"
    );
}

async fn upload(b: &Browser, path: &str, file_name: &str, bytes: Vec<u8>, csrf: &str) -> Page {
    let form = reqwest::multipart::Form::new()
        .text("csrf_token", csrf.to_owned())
        .part(
            "file",
            reqwest::multipart::Part::bytes(bytes).file_name(file_name.to_owned()),
        );
    let res = b
        .http
        .post(format!("{}{path}", b.base))
        .header("cookie", b.cookie.clone().unwrap())
        .multipart(form)
        .send()
        .await
        .unwrap();
    Browser::page(res).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_roster_import_lists_every_bad_row_and_writes_all_or_nothing() {
    use crate::helpers::id_number;
    let mut b = demo_site(Engine::Sqlite).await;
    b.log_in("community").await;
    let form_page = b.get("/t/140213050001/members/import").await;
    assert_eq!(form_page.status, 200);
    let csrf = csrf_of(&form_page.body);
    let count = |body: &str| body.matches("<tr><td>").count();
    let before = b.get("/t/140213050001/members").await.body;

    let org = "中共康吉社区第1网格支部委员会";
    let good = id_number("19800101", 11);
    let bad_check = format!(
        "{}{}",
        &good[..17],
        if good.ends_with('0') { '1' } else { '0' }
    );
    let header =
        "姓名,性别,民族,公民身份号码,出生日期,学历,入党日期,转正日期,人员类别,所在党组织,联系电话";
    let rows = [
        format!(
            "张好,男,汉族,{good},1980-01-01,大学本科,2005-07-01,2006-07-01,正式党员,{org},13800138000"
        ),
        format!(
            "李错,男,汉族,{bad_check},1980-01-01,大学本科,2005-07-01,2006-07-01,正式党员,{org},"
        ),
        format!(
            "王生,男,汉族,{},1981-02-02,大学本科,2005-07-01,2006-07-01,正式党员,{org},",
            id_number("19800101", 13)
        ),
        format!(
            "赵组,男,汉族,{},1980-01-01,大学本科,2005-07-01,2006-07-01,正式党员,不存在的支部,",
            id_number("19800101", 15)
        ),
        format!(
            "钱日,男,汉族,{},1980-01-01,大学本科,2010-13-01,,正式党员,{org},",
            id_number("19800101", 17)
        ),
        format!("孙重,男,汉族,{good},1980-01-01,大学本科,2005-07-01,2006-07-01,正式党员,{org},"),
        format!(
            ",男,汉族,{},1980-01-01,大学本科,2005-07-01,2006-07-01,正式党员,{org},",
            id_number("19800101", 19)
        ),
        format!(
            "周类,男,汉族,{},1980-01-01,大学本科,2005-07-01,2006-07-01,党员,{org},",
            id_number("19800101", 21)
        ),
    ];
    let csv = format!("{header}\n{}\n", rows.join("\n"));
    let r = upload(
        &b,
        "/t/140213050001/members/import",
        "roster.csv",
        csv.into_bytes(),
        &csrf,
    )
    .await;
    assert_eq!(r.status, 422, "{}", r.body);
    let table = r
        .body
        .split("id=\"import-errors\"")
        .nth(1)
        .expect("the errors are listed");
    for (line, column) in [
        (3, "公民身份号码"),
        (4, "出生日期"),
        (5, "所在党组织"),
        (6, "入党日期"),
        (7, "公民身份号码"),
        (8, "姓名"),
        (9, "人员类别"),
    ] {
        assert!(
            table.contains(&format!("<tr><td>{line}</td><td>{column}</td>")),
            "line {line}, {column} listed: {table}"
        );
    }
    assert!(
        !table.contains("<tr><td>2</td>"),
        "the good row is not listed"
    );
    assert_eq!(
        count(&b.get("/t/140213050001/members").await.body),
        count(&before),
        "nothing written"
    );

    // The good row alone: previewed, then committed.
    let csv = format!("{header}\n{}\n", rows[0]);
    let r = upload(
        &b,
        "/t/140213050001/members/import",
        "roster.csv",
        csv.into_bytes(),
        &csrf,
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.body.contains("id=\"import-ready\""));
    let content = r
        .body
        .split("name=\"content\" value=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .unwrap()
        .to_owned();
    let (r, _) = b
        .post(
            "/t/140213050001/members/import/commit",
            &[
                ("csrf_token", &csrf),
                ("file_name", "roster.csv"),
                ("content", &content),
            ],
        )
        .await;
    assert_eq!(
        (r.status, r.location.as_deref()),
        (303, Some("/t/140213050001/members"))
    );
    let after = b.get("/t/140213050001/members?name=张好").await.body;
    assert!(after.contains("张好"), "committed");
    let (r, _) = b
        .post(
            "/t/140213050001/members/import/commit",
            &[
                ("csrf_token", &csrf),
                ("file_name", "roster.csv"),
                ("content", &content),
            ],
        )
        .await;
    assert_eq!(r.status, 422, "the same file twice: already registered");

    // An .xlsx: the exported roster (masked numbers) is read, and refused row by row.
    let exported = b
        .http
        .get(format!("{}/t/140213050001/members.xlsx", b.base))
        .header("cookie", b.cookie.clone().unwrap())
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap()
        .to_vec();
    let r = upload(
        &b,
        "/t/140213050001/members/import",
        "roster.xlsx",
        exported,
        &csrf,
    )
    .await;
    assert_eq!(r.status, 422);
    assert!(
        r.body.contains("<td>2</td><td>公民身份号码</td>"),
        "masked IDs refused, by row"
    );
    let template = b.get("/t/140213050001/members/template.xlsx").await;
    assert_eq!(template.status, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn members_are_edited_and_transferred_with_errors_at_their_fields() {
    let mut b = demo_site(Engine::Sqlite).await;
    b.log_in("community").await;
    let roster = b.get("/t/140213050001001/members").await.body;
    let id = roster
        .split("href=\"/members/")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .unwrap()
        .to_owned();
    let form = b.get(&format!("/members/{id}/edit")).await;
    assert_eq!(form.status, 200);
    let csrf = csrf_of(&form.body);
    let version = form
        .body
        .split("name=\"version\" value=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .unwrap()
        .to_owned();

    let (r, _) = b
        .post(
            &format!("/members/{id}/edit"),
            &[("csrf_token", "forged"), ("education", "master")],
        )
        .await;
    assert_eq!(r.status, 403);
    let (r, _) = b
        .post(
            &format!("/members/{id}/edit"),
            &[
                ("csrf_token", &csrf),
                ("version", &version),
                ("education", "master"),
                ("phone", "12"),
            ],
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(
        r.body.contains("id=\"err-phone\""),
        "the phone error at its field"
    );
    let (r, _) = b
        .post(
            &format!("/members/{id}/edit"),
            &[
                ("csrf_token", &csrf),
                ("version", &version),
                ("education", "master"),
            ],
        )
        .await;
    assert_eq!(
        (r.status, r.location.clone()),
        (303, Some(format!("/members/{id}?ok=edited")))
    );
    let shown = b.get(&format!("/members/{id}?ok=edited")).await.body;
    assert!(shown.contains("硕士研究生") && shown.contains("已保存。"));

    let (r, _) = b
        .post(
            &format!("/members/{id}/transfer"),
            &[
                ("csrf_token", &csrf),
                ("to_org_id", ""),
                ("transferred_on", "2026-11-01"),
                ("reason", ""),
            ],
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("id=\"err-to_org_id\"") && r.body.contains("id=\"err-reason\""));
    let to = form
        .body
        .split("name=\"to_org_id\"")
        .nth(1)
        .unwrap()
        .split("<option value=\"")
        .nth(2)
        .and_then(|s| s.split('"').next())
        .unwrap()
        .to_owned();
    let (r, _) = b
        .post(
            &format!("/members/{id}/transfer"),
            &[
                ("csrf_token", &csrf),
                ("to_org_id", &to),
                ("transferred_on", "2026-11-01"),
                ("reason", "迁居"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let page = b.get(&format!("/members/{id}")).await.body;
    assert!(
        page.split("id=\"transfers\"")
            .nth(1)
            .unwrap()
            .contains("迁居"),
        "the transfer is in the history"
    );
}

/// 转正 in the pages: the community's 工作台 lists a member whose probation ends; their page
/// offers full membership from that day (an earlier day is refused, naming it) or an
/// extension; after either a message says what was done. A member reading their own record
/// is offered no change to it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_probationary_member_becomes_full_in_the_page() {
    let mut b = demo_site(Engine::Sqlite).await;
    b.log_in("community").await;
    let bench = b.get("/").await.body;
    let group = bench
        .split("data-group=\"probation_due\"")
        .nth(1)
        .expect("the community's 工作台 lists probation ending");
    let id = group
        .split("href=\"/members/")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .unwrap()
        .to_owned();
    let page = b.get(&format!("/members/{id}")).await.body;
    assert!(page.contains("id=\"full-membership\"") && page.contains("id=\"extend-probation\""));
    let ends = page
        .split("预备期满：")
        .nth(1)
        .unwrap()
        .get(..10)
        .unwrap()
        .to_owned();
    let csrf = csrf_of(&page);
    let path = format!("/members/{id}/probation");
    let (r, _) = b
        .post(&path, &[("csrf_token", &csrf), ("on", "2020-01-01")])
        .await;
    assert_eq!(r.status, 422);
    assert!(
        r.body.contains(&ends),
        "the refusal names the day: {}",
        r.body
    );
    let (r, _) = b.post(&path, &[("csrf_token", &csrf), ("on", &ends)]).await;
    assert_eq!(
        (r.status, r.location.clone()),
        (303, Some(format!("/members/{id}?ok=full")))
    );
    let after = b.get(&format!("/members/{id}?ok=full")).await.body;
    assert!(after.contains("已转为正式党员。"));
    assert!(
        !after.contains("id=\"full-membership\""),
        "no longer on probation"
    );
    let bench = b.get("/").await.body;
    assert!(
        !bench.contains(&format!("/members/{id}\"")),
        "off the 工作台"
    );

    let mut member = demo_site(Engine::Sqlite).await;
    member.log_in("member").await;
    let own = member
        .get("/")
        .await
        .body
        .split("href=\"/members/")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .unwrap()
        .to_owned();
    let mine = member.get(&format!("/members/{own}")).await.body;
    assert!(!mine.contains("id=\"full-membership\"") && !mine.contains("id=\"change\""));
}

/// Every form that changes something refuses a request without the page's CSRF token.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_form_needs_its_csrf_token() {
    let mut b = demo_site(Engine::Sqlite).await;
    b.log_in("community").await;
    let roster = b.get("/t/140213050001/members").await.body;
    let id = roster
        .split("href=\"/members/")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .unwrap()
        .to_owned();
    for (path, form) in [
        ("/logout".to_owned(), vec![("csrf_token", "forged")]),
        (
            "/t/140213050001/members/new".to_owned(),
            vec![("csrf_token", "forged"), ("name", "x")],
        ),
        (
            format!("/members/{id}/edit"),
            vec![("csrf_token", "forged"), ("education", "master")],
        ),
        (
            format!("/members/{id}/transfer"),
            vec![("csrf_token", "forged"), ("reason", "x")],
        ),
        (
            format!("/members/{id}/probation"),
            vec![("csrf_token", "forged"), ("on", "2026-11-01")],
        ),
        (
            "/t/140213050001/members/import/commit".to_owned(),
            vec![
                ("csrf_token", "forged"),
                ("file_name", "a.csv"),
                ("content", ""),
            ],
        ),
    ] {
        let (r, _) = b.post(&path, &form).await;
        assert_eq!(r.status, 403, "{path}");
    }
    let r = upload(
        &b,
        "/t/140213050001/members/import",
        "a.csv",
        b"x".to_vec(),
        "forged",
    )
    .await;
    assert_eq!(r.status, 403, "the import upload");
    assert_eq!(
        b.get("/t/140213050001").await.status,
        200,
        "and the session is still there"
    );
}

/// Every answer says what the browser may run and keep: the policy, no sniffing, no
/// framing, and pages with people's records are not cached. A path that names nothing
/// is the 404 page, which does not repeat what was sent.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_carry_security_headers_and_never_echo_a_bad_path() {
    let mut b = demo_site(Engine::Sqlite).await;
    b.log_in("community").await;
    let fetch = |path: &str| {
        let mut req = b.http.get(format!("{}{path}", b.base));
        if let Some(c) = &b.cookie {
            req = req.header("cookie", c);
        }
        req.send()
    };
    let code = "140213050001";
    for path in [
        format!("/t/{code}/members"),
        format!("/t/{code}/members.xlsx"),
        "/api/v1/members".to_owned(),
        "/login".to_owned(),
    ] {
        let r = fetch(&path).await.unwrap();
        let h = r.headers();
        let csp = h["content-security-policy"].to_str().unwrap();
        assert!(
            csp.contains("script-src 'self'") && csp.contains("frame-ancestors 'none'"),
            "{path}: {csp}"
        );
        assert_eq!(h["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(h["x-frame-options"], "DENY", "{path}");
        assert_eq!(h["cache-control"], "no-store", "{path}");
    }
    let r = fetch("/assets/app.css").await.unwrap();
    assert!(
        r.headers()["cache-control"]
            .to_str()
            .unwrap()
            .starts_with("public")
    );
    for path in [
        "/members/%3Cscript%3Ealert(1)%3C%2Fscript%3E",
        "/requests/9x%3Cb%3Ebold",
        "/admissions/%E6%B5%8B%E8%AF%95",
        "/t/%3Cscript%3E/members",
    ] {
        let r = fetch(path).await.unwrap();
        assert_eq!(r.status(), 404, "{path}");
        let body = r.text().await.unwrap();
        for sent in ["alert", "bold", "测试", "%3C", "9x"] {
            assert!(!body.contains(sent), "{path} echoes {sent}: {body}");
        }
    }
}

/// The city's clerk adds a member's account, disables another and revokes an Open311 key
/// from the accounts page; a street clerk has neither the link nor the page.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_accounts_page_adds_disables_and_revokes() {
    let mut b = demo_site(Engine::Sqlite).await;
    b.log_in("street").await;
    assert!(
        !b.get("/t/140213050")
            .await
            .body
            .contains("href=\"/accounts\"")
    );
    assert_eq!(b.get("/accounts").await.status, 403);
    b.log_in("city").await;
    let page = b.get("/accounts").await;
    assert_eq!(page.status, 200);
    let csrf = page
        .body
        .split("name=\"csrf_token\" value=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .unwrap()
        .to_owned();
    let member: i64 = {
        let r = b.get("/api/v1/members?limit=1").await;
        let v: serde_json::Value = serde_json::from_str(&r.body).unwrap();
        v["items"][0]["id"].as_i64().unwrap()
    };
    let member = member.to_string();
    let (r, _) = b
        .post(
            "/accounts",
            &[
                ("csrf_token", &csrf),
                ("login", "new.member"),
                ("password", "Passw0rd-New-1"),
                ("role", "member"),
                ("member_id", &member),
            ],
        )
        .await;
    assert_eq!(
        (r.status, r.location.as_deref()),
        (303, Some("/accounts?done=added")),
        "{}",
        r.body
    );
    let page = b.get("/accounts?done=added").await.body;
    assert!(page.contains("账号已新增") && page.contains("data-login=\"new.member\""));
    // A mistake comes back on the page, named.
    let (r, _) = b
        .post(
            "/accounts",
            &[
                ("csrf_token", &csrf),
                ("login", "x"),
                ("password", "Passw0rd-New-1"),
                ("role", "city"),
                ("scope", "140213"),
            ],
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("data-field=\"scope\""), "{}", r.body);
    let (r, _) = b
        .post(
            "/accounts/grid/disabled",
            &[("csrf_token", &csrf), ("disabled", "true")],
        )
        .await;
    assert_eq!(r.location.as_deref(), Some("/accounts?done=disabled"));
    let mut grid = b.another();
    assert_eq!(
        grid.log_in("grid").await.status,
        401,
        "a disabled account cannot log in"
    );
    let (r, _) = b
        .post(
            "/open311-keys",
            &[("csrf_token", &csrf), ("label", "市民热线")],
        )
        .await;
    assert!(r.body.contains("id=\"new-key\""), "the key is shown once");
    let id = r
        .body
        .split("action=\"/open311-keys/")
        .nth(1)
        .and_then(|s| s.split('/').next())
        .unwrap()
        .to_owned();
    let (r, _) = b
        .post(
            &format!("/open311-keys/{id}/revoke"),
            &[("csrf_token", &csrf)],
        )
        .await;
    assert_eq!(r.location.as_deref(), Some("/accounts?done=key_revoked"));
    assert!(b.get("/accounts").await.body.contains("已停用"));
}

/// Rows of `table` whose `column` lies under the demo's street 140213050.
fn b_count(app: &crate::helpers::TestApp, table: &str, column: &str) -> i64 {
    app.with_db(|c| {
            c.query_one(
                &format!("SELECT COUNT(*) FROM {table} WHERE {column} >= '140213050' AND {column} < '140213050:'"),
                &[],
            )
            .unwrap()
            .i64(0)
            .unwrap()
    })
}

/// The number in "共 N 条" from a list page.
fn total_of(body: &str) -> i64 {
    let after = body.split("共 ").nth(1).expect("a total");
    after.split(' ').next().unwrap().parse().expect("a number")
}

/// Lists say how many rows they hold, number their pages, sort by their headers and
/// export what they show, every page of it, with places by name rather than by code.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lists_count_page_sort_and_export_what_they_show() {
    let app = crate::helpers::demo_app(Engine::Sqlite).await;
    let mut b = Browser::at(&app, Vec::new());
    b.log_in("street").await;
    let (members_here, named) = {
        let app_members = b.get("/t/140213050/members").await;
        assert_eq!(app_members.status, 200);
        (total_of(&app_members.body), app_members.body)
    };
    assert!(
        members_here > 50,
        "a street has more than a page of members"
    );
    assert!(
        named.contains("rel=\"next\" href=\"/t/140213050/members?page=2\"")
            && named.contains("href=\"/t/140213050/members?page=2\">2</a>"),
        "numbered pages"
    );
    assert!(
        named.contains("href=\"/t/140213050/members?sort=name\""),
        "the name header sorts"
    );
    let sorted = b.get("/t/140213050/members?sort=name").await;
    assert!(sorted.body.contains("aria-sort=\"ascending\""));
    // The sorted header's link reverses the order, and the list runs backwards.
    assert!(
        sorted
            .body
            .contains("href=\"/t/140213050/members?sort=-name\"")
    );
    let backwards = b.get("/t/140213050/members?sort=-name").await;
    assert!(backwards.body.contains("aria-sort=\"descending\""));
    let first_name = |body: &str| {
        body.split("<tbody>")
            .nth(1)
            .unwrap()
            .split("href=\"/members/")
            .nth(1)
            .unwrap()
            .split('>')
            .nth(1)
            .unwrap()
            .split('<')
            .next()
            .unwrap()
            .to_owned()
    };
    let (up, down) = (first_name(&sorted.body), first_name(&backwards.body));
    assert!(up < down, "{up} first one way, {down} the other");
    for list in ["orgs", "units"] {
        let page = b.get(&format!("/t/140213050/{list}?sort=-name")).await;
        assert!(page.body.contains("aria-sort=\"descending\""), "{list}");
    }
    let sheet = b
        .http
        .get(format!("{}/t/140213050/members.xlsx", b.base))
        .header("cookie", b.cookie.clone().unwrap())
        .send()
        .await
        .unwrap();
    let text = xlsx_text(&sheet.bytes().await.unwrap());
    assert_eq!(
        text.matches("<row ").count() as i64 - 1,
        members_here,
        "the export holds every member the list counts"
    );

    // Tasks received and admissions export every row under the street.
    for (export, table, column) in [
        ("tasks", "task_target", "territory_code"),
        ("admissions", "admission", "street_code"),
    ] {
        let stored = b_count(&app, table, column);
        assert!(stored > 0, "the demo street has {export}");
        // The lists count what they hold.
        let listed = if export == "tasks" {
            "duties"
        } else {
            "admissions"
        };
        let page = b.get(&format!("/t/140213050/{listed}")).await;
        assert_eq!(total_of(&page.body), stored, "{listed}: 共 N 条");
        let res = b
            .http
            .get(format!("{}/t/140213050/{export}.xlsx", b.base))
            .header("cookie", b.cookie.clone().unwrap())
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200, "{export}");
        let text = xlsx_text(&res.bytes().await.unwrap());
        assert_eq!(
            text.matches("<row ").count() as i64 - 1,
            stored,
            "{export}: every row"
        );
    }
    for list in ["orgs", "units", "requests"] {
        let page = b.get(&format!("/t/140213050/{list}")).await;
        assert_eq!(page.status, 200);
        let total = total_of(&page.body);
        assert!(total > 0, "{list}");
        // Places by name: no cell is a bare division code.
        let rows = page.body.split("<tbody>").nth(1).unwrap();
        for cell in rows.split("<td>").skip(1) {
            let text: String = cell
                .split('>')
                .nth(1)
                .unwrap_or("")
                .split('<')
                .next()
                .unwrap_or("")
                .to_owned();
            assert!(
                text.is_empty() || !text.chars().all(|c| c.is_ascii_digit()) || text.len() < 9,
                "{list} shows a code: {text}"
            );
        }
        let res = b
            .http
            .get(format!("{}/t/140213050/{list}.xlsx", b.base))
            .header("cookie", b.cookie.clone().unwrap())
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200, "{list}");
        let text = xlsx_text(&res.bytes().await.unwrap());
        assert_eq!(
            text.matches("<row ").count() as i64 - 1,
            total,
            "{list}: the export holds what the list counts"
        );
        assert_eq!(
            b.get(&format!("/t/140214/{list}.xlsx")).await.status,
            404,
            "another district's {list}"
        );
    }
}

/// Above a community the map is a choropleth: one shaded area a community, its figure on
/// it for the click panel, a legend, no labels or dots by the thousand, and small.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_city_map_shades_its_communities_by_a_measure() {
    let app = crate::helpers::demo_app(Engine::Sqlite).await;
    let (communities, members_a) = app.with_db(|c| {
        let communities = c
            .query_one(
                "SELECT COUNT(*) FROM territory t JOIN territory_geo g ON g.code = t.code \
                 WHERE t.level = 'community' AND t.valid_to IS NULL AND g.polygon IS NOT NULL",
                &[],
            )
            .unwrap()
            .i64(0)
            .unwrap() as usize;
        let members = c
            .query_one(
                "SELECT COUNT(*) FROM member WHERE territory_code >= '140213050001' AND territory_code < '140213050001:'",
                &[],
            )
            .unwrap()
            .i64(0)
            .unwrap();
        (communities, members)
    });
    let mut b = Browser::at(&app, Vec::new());
    b.log_in("city").await;
    let r = b.get("/t/1402/map").await;
    assert_eq!(r.status, 200);
    assert!(r.body.contains("class=\"choropleth\"") && r.body.contains("class=\"legend\""));
    assert_eq!(
        r.body.matches("class=\"area\"").count(),
        communities,
        "one area a community"
    );
    assert!(
        r.body.contains("data-code=\"140213050001\" data-name=\""),
        "areas carry their code for the panel"
    );
    let area = r.body.split("data-code=\"140213050001\"").nth(1).unwrap();
    let value: i64 = area
        .split("data-value=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(value, members_a, "shaded by the community's members");
    assert!(
        !r.body.contains("class=\"building\"") && r.body.matches("<text").count() <= 40,
        "no dots, no labels by the thousand"
    );
    assert!(r.body.len() < 500_000, "{} bytes", r.body.len());
    let open = b.get("/t/1402/map?measure=open_requests").await;
    assert!(open.body.contains("aria-current=\"true\">在办诉求"));
    // A street's few communities carry their names.
    let street = b.get("/t/140213050/map").await;
    assert!(street.body.contains("class=\"choropleth\"") && street.body.contains("<text"));
}

/// Each bar of the findings chart opens the organisations behind it: as many as the bar
/// counts, each linking to its own page. Count charts tick in whole numbers.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn branch_findings_drill_into_their_organisations() {
    let mut b = demo_site(Engine::Sqlite).await;
    b.log_in("street").await;
    let dashboard = b.get("/t/140213050").await;
    assert!(
        dashboard
            .body
            .contains("data-drill=\"/t/140213050/findings?rule=\"")
            && dashboard.body.contains("id=\"findings-drill\""),
        "{}",
        dashboard.body
    );
    let chart: serde_json::Value =
        serde_json::from_str(&b.get("/t/140213050/findings.json").await.body).unwrap();
    assert_eq!(
        chart["yAxis"]["minInterval"], 1,
        "counts tick in whole numbers"
    );
    let keys = dashboard
        .body
        .split("data-drill-keys=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_owned();
    let counts = chart["series"][0]["data"].as_array().unwrap();
    let mut any = false;
    for (key, n) in keys.split(',').zip(counts) {
        let n = n.as_i64().unwrap();
        let page = b.get(&format!("/t/140213050/findings?rule={key}")).await;
        assert_eq!(page.status, 200);
        let rows = page.body.split("<tbody>").nth(1).unwrap();
        assert_eq!(
            rows.matches("href=\"/orgs/").count() as i64,
            n,
            "{key}: the bar's count"
        );
        if n > 0 {
            any = true;
            let org = rows
                .split("href=\"")
                .nth(1)
                .unwrap()
                .split('"')
                .next()
                .unwrap();
            assert_eq!(b.get(org).await.status, 200, "{org}");
        }
    }
    assert!(any, "the demo street has some finding to drill into");
    assert_eq!(b.get("/t/140214/findings").await.status, 404);
}
