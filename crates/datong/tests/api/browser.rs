//! The web workspace in headless Chromium: two roles log in through the form and each sees
//! its own subtree only; the city dashboard's charts draw their data, and a screenshot of
//! it is saved to target/screenshots/.

use crate::helpers::demo_app;
use crate::webdriver::Browser;
use datong_store::Engine;

async fn log_in(b: &Browser, base: &str, login: &str) {
    b.goto(&format!("{base}/")).await;
    assert!(
        b.url().await.contains("/login?next="),
        "sent to log in first"
    );
    b.type_into("input[name=login]", login).await;
    b.type_into("input[name=password]", "Demo-1-Datong").await;
    b.click("button[type=submit]").await;
    // Every role lands on its 工作台, then goes to the places it works in.
    b.find("#pending-summary").await;
    b.click("ul.places a").await;
    b.find("nav.crumbs").await;
}

/// Saves what the browser shows to target/screenshots/, checking it is a real picture.
async fn save_screenshot(b: &Browser, name: &str) {
    let png = b.screenshot().await;
    assert!(
        png.starts_with(b"\x89PNG") && png.len() > 20_000,
        "a real picture: {} bytes",
        png.len()
    );
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join(name), png).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_roles_see_their_own_subtrees() {
    let app = demo_app(Engine::Sqlite).await;

    let city = Browser::start().await;
    log_in(&city, &app.base, "city").await;
    assert!(
        city.url().await.ends_with("/t/1402"),
        "{}",
        city.url().await
    );
    let children = city.text("#children").await;
    assert!(
        children.contains("平城区") && children.contains("云冈区"),
        "{children}"
    );
    city.click("#children a[href='/t/140213']").await;
    city.find("h1").await;
    assert!(city.text("h1").await.starts_with("平城区"));

    let community = Browser::start().await;
    log_in(&community, &app.base, "community").await;
    assert!(
        community.url().await.ends_with("/t/140213050001"),
        "{}",
        community.url().await
    );
    let page = community.run("return document.body.innerText").await;
    let page = page.as_str().unwrap();
    assert!(
        page.contains("康吉社区") && page.contains("第1网格"),
        "{page}"
    );
    assert!(
        !page.contains("平和社区"),
        "the neighbouring community is not shown"
    );
    community
        .goto(&format!("{}/t/140213050002", app.base))
        .await;
    let other = community.run("return document.body.innerText").await;
    assert!(
        other.as_str().unwrap().contains("不存在或无权访问"),
        "an error page, not data: {other}"
    );
    community
        .goto(&format!("{}/t/140213050001/members", app.base))
        .await;
    let roster = community.text("#roster").await;
    assert!(
        roster.contains("990213********"),
        "IDs masked in the browser too: {roster}"
    );
    community
        .goto(&format!("{}/t/140213050001/map", app.base))
        .await;
    community.find("#map path.grid").await;
    save_screenshot(&community, "community-map.png").await;

    city.quit().await;
    community.quit().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_city_dashboard_draws_its_charts() {
    let app = demo_app(Engine::Sqlite).await;
    let b = Browser::start().await;
    log_in(&b, &app.base, "city").await;
    b.wait_until("return document.querySelectorAll('[data-chart]').length > 0 && [...document.querySelectorAll('[data-chart]')].every(e => e.dataset.drawn === 'true')").await;
    for chart in [
        "chart-age",
        "chart-education",
        "chart-joined",
        "chart-orgs",
        "chart-coverage",
    ] {
        let points = b
            .run(&format!(
                "const c = echarts.getInstanceByDom(document.getElementById('{chart}')); \
                 return c ? c.getOption().series[0].data.length : -1"
            ))
            .await;
        assert!(
            points.as_i64().unwrap_or(-1) > 0,
            "{chart} has data: {points}"
        );
    }
    save_screenshot(&b, "city-dashboard.png").await;
    b.quit().await;
}

/// Sets a form field by script: date inputs take typed text in the browser's locale
/// format, a value set directly is the same everywhere.
async fn set(b: &Browser, name: &str, value: &str) {
    b.run(&format!(
        "document.querySelector('[name={name}]').value = {};",
        serde_json::to_string(value).unwrap()
    ))
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_member_is_created_through_the_form_after_a_field_error() {
    let app = demo_app(Engine::Sqlite).await;
    let b = Browser::start().await;
    log_in(&b, &app.base, "community").await;
    b.goto(&format!("{}/t/140213050001/members", app.base))
        .await;
    b.click("#new-member").await;
    b.find("form.member-form").await;
    let first17 = "14021319850315002";
    let good = format!(
        "{first17}{}",
        datong_domain::id_number::check_char(first17.as_bytes()) as char
    );
    let bad = format!("{first17}{}", if good.ends_with('0') { '1' } else { '0' });
    b.type_into("input[name=name]", "表单测试").await;
    set(&b, "sex", "female").await;
    set(&b, "birth_date", "1985-03-15").await;
    b.type_into("input[name=id_number]", &bad).await;
    set(&b, "education", "bachelor").await;
    set(&b, "joined_on", "2010-07-01").await;
    set(&b, "full_on", "2011-07-01").await;
    set(&b, "status", "full").await;
    b.run("const s = document.querySelector('[name=org_id]'); s.value = s.options[1].value;")
        .await;
    b.type_into("input[name=phone]", "13800138000").await;
    b.click("form.member-form button[type=submit]").await;

    let error = b.text("#err-id_number").await;
    assert!(
        error.contains("校验码"),
        "the error shows at the ID field: {error}"
    );
    let kept = b
        .run("return document.querySelector('[name=name]').value")
        .await;
    assert_eq!(kept, "表单测试", "what was typed stays");

    b.run("document.querySelector('[name=id_number]').value = '';")
        .await;
    b.type_into("input[name=id_number]", &good).await;
    b.click("form.member-form button[type=submit]").await;
    b.find("#member").await;
    assert!(b.url().await.contains("/members/"), "{}", b.url().await);
    assert_eq!(b.text("h1").await, "表单测试");
    let id = b.text("#id-number").await;
    assert!(
        id.contains("********") && !id.contains(&good),
        "masked on the member page: {id}"
    );
    b.quit().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_tree_opens_lazily_and_finds_by_pinyin_initials() {
    let app = demo_app(Engine::Sqlite).await;
    let b = Browser::start().await;
    log_in(&b, &app.base, "city").await;
    b.find("#tree-roots li[data-code='1402'] button.toggle")
        .await;
    let before = b
        .run("return document.querySelectorAll('#tree-roots li').length")
        .await;
    assert_eq!(before, 1, "only the scope's root until it is opened");
    b.click("#tree-roots li[data-code='1402'] button.toggle")
        .await;
    b.find("#tree-roots li[data-code='140213']").await;
    b.click("#tree-roots li[data-code='140213'] button.toggle")
        .await;
    b.find("#tree-roots li[data-code='140213050']").await;

    b.type_into("#tree-search", "pcq").await;
    b.wait_until("return document.querySelector('#tree-results').dataset.query === 'pcq'")
        .await;
    let found = b.text("#tree-results").await;
    assert!(found.contains("平城区"), "pcq finds 平城区: {found}");
    b.click("#tree-results a[href='/t/140213']").await;
    b.wait_until("return location.pathname === '/t/140213'")
        .await;
    assert!(b.text("h1").await.starts_with("平城区"));
    b.quit().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_roster_with_a_bad_row_is_refused_and_the_row_listed() {
    let app = demo_app(Engine::Sqlite).await;
    let b = Browser::start().await;
    log_in(&b, &app.base, "community").await;
    let good = crate::helpers::id_number("19790505", 31);
    let file = std::env::temp_dir().join(format!("datong-roster-{}.csv", std::process::id()));
    std::fs::write(
        &file,
        format!(
            "姓名,性别,民族,公民身份号码,学历,入党日期,转正日期,人员类别,所在党组织\n\
             好行,男,汉族,{good},大学本科,2004-07-01,2005-07-01,正式党员,中共康吉社区第1网格支部委员会\n\
             坏行,男,汉族,123,大学本科,2004-07-01,2005-07-01,正式党员,中共康吉社区第1网格支部委员会\n"
        ),
    )
    .unwrap();
    b.goto(&format!("{}/t/140213050001/members", app.base))
        .await;
    b.click("#import-roster").await;
    b.type_into("#import-form input[type=file]", file.to_str().unwrap())
        .await;
    b.click("#import-form button[type=submit]").await;
    let errors = b.text("#import-errors").await;
    assert!(
        errors.contains("3") && errors.contains("公民身份号码"),
        "the bad row is listed: {errors}"
    );
    assert!(!errors.contains("好行"), "{errors}");
    std::fs::remove_file(file).ok();
    b.quit().await;
}

/// 两级三责 in the browser: a department's off-list task is refused with the street's list
/// shown; it files an admission, the street answers, the district approves, and the same
/// task then goes through.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_task_and_an_admission_end_to_end() {
    let app = demo_app(Engine::Sqlite).await;
    let dept = Browser::start().await;
    log_in(&dept, &app.base, "department").await;

    let send_task = || async {
        dept.goto(&format!("{}/t/140213/tasks/new", app.base)).await;
        // Items on the list are chosen by name, grouped by duty area, not typed.
        let offered = dept.text("select[name=category]").await;
        assert!(offered.contains("辖区环境卫生和市容秩序巡查"), "{offered}");
        dept.type_into("input[name=title]", "占道经营摊点排查")
            .await;
        dept.type_into("input[name=sender]", "平城区住房和城乡建设局")
            .await;
        // Off the list: no item chosen, the title and area make its category.
        set(&dept, "area", "urban_management").await;
        dept.type_into("input[name=evidence]", "排查台账").await;
        dept.click("input[name=targets][value='140213050']").await;
        dept.click("#task-form button[type=submit]").await;
    };
    send_task().await;
    dept.find("#refusal").await;
    let refusal = dept.text("#refusal").await;
    assert!(
        refusal.contains("永泰街道") && refusal.contains("不在该街道权责清单内"),
        "{refusal}"
    );
    assert!(
        refusal.contains("辖区环境卫生和市容秩序巡查"),
        "the list's part in that area: {refusal}"
    );
    save_screenshot(&dept, "task-refused.png").await;

    dept.goto(&format!("{}/t/140213/admissions", app.base))
        .await;
    dept.type_into("#admission-form input[name=name]", "占道经营摊点排查")
        .await;
    set(&dept, "area", "urban_management").await;
    dept.type_into(
        "#admission-form input[name=basis]",
        "《城市市容和环境卫生管理条例》",
    )
    .await;
    dept.type_into("#admission-form input[name=office]", "公共管理办公室")
        .await;
    dept.type_into(
        "#admission-form input[name=requester]",
        "平城区住房和城乡建设局",
    )
    .await;
    dept.type_into(
        "#admission-form textarea[name=request]",
        "需街道按月排查辖区占道经营摊点。",
    )
    .await;
    dept.click("#admission-form button[type=submit]").await;
    dept.find("#stage[data-stage=filed]").await;
    let admission = dept.url().await;

    let street = Browser::start().await;
    log_in(&street, &app.base, "street").await;
    street.goto(&admission).await;
    set(&street, "opinion", "agree").await;
    street
        .type_into(
            "#opinion-form textarea[name=text]",
            "同意，由公共管理办公室承办。",
        )
        .await;
    street.click("#opinion-form button[type=submit]").await;
    street.find("#stage[data-stage=answered]").await;

    let district = Browser::start().await;
    log_in(&district, &app.base, "district").await;
    district.goto(&admission).await;
    district.click("#decision-form button[value=true]").await;
    district.find("#stage[data-stage=approved]").await;
    assert!(district.text("#opinion").await.contains("同意"));

    send_task().await;
    dept.find("#received").await;
    assert!(
        dept.url().await.ends_with("/t/140213/duties"),
        "{}",
        dept.url().await
    );
    assert!(dept.text("#received").await.contains("占道经营摊点排查"));
    street
        .goto(&format!("{}/t/140213050/duties", app.base))
        .await;
    let list = street
        .text("table.duties[data-area=urban_management]")
        .await;
    assert!(
        list.contains("占道经营摊点排查") && list.contains("经准入"),
        "{list}"
    );
    save_screenshot(&street, "street-duties.png").await;
    // The street's own page: its 5+2+1 offices with staff, and the agencies in it.
    street
        .goto(&format!("{}/t/140213050/street", app.base))
        .await;
    let offices = street.text("#offices").await;
    assert!(
        offices.contains("党建办公室")
            && offices.contains("退役军人服务站")
            && offices.contains("主任"),
        "{offices}"
    );
    assert!(street.text("#agencies").await.contains("派出所"));

    // The district oversees its streets: the admission shows in the street's row.
    district
        .goto(&format!("{}/t/140213/oversight?period=2026-Q4", app.base))
        .await;
    let row = district.text("#oversight tr[data-code='140213050']").await;
    assert!(row.contains("永泰街道"), "{row}");
    save_screenshot(&district, "district-oversight.png").await;

    for b in [dept, street, district] {
        b.quit().await;
    }
}

/// The stage a request page shows.
async fn stage(b: &Browser) -> String {
    b.text("#stage").await
}

/// Takes the step `step` on the request page open in `b`, with `text` where it asks.
async fn take_step(b: &Browser, step: &str, text: Option<&str>) {
    let form = format!("form.step[data-step={step}]");
    if let Some(t) = text {
        b.type_into(&format!("{form} [name=text]"), t).await;
    }
    b.click(&format!("{form} button[type=submit]")).await;
    b.find("#facts").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_resident_reports_on_a_phone_and_the_grid_answers() {
    let app = demo_app(Engine::Sqlite).await;
    let grid = "140213050001001";

    // A resident with no account, on a phone: taps down to the community.
    let phone = Browser::phone().await;
    phone.goto(&format!("{}/report", app.base)).await;
    phone.click("#places a[href='/report?at=140213']").await;
    // The district has one street here: the form goes straight on to its communities.
    phone
        .click("#places a[href='/report?at=140213050001']")
        .await;
    phone.find("#report-form").await;
    let wide = phone
        .run("return document.documentElement.scrollWidth <= window.innerWidth")
        .await;
    assert_eq!(wide, true, "nothing wider than the phone's screen");

    // Submitted with no category and no place: the form says what is missing.
    phone.click("#report-form button[type=submit]").await;
    assert!(phone.text("#err-service_code").await.contains("类别"));
    assert!(phone.text("#err-lat").await.contains("地图"));

    // A tap on the map sets the point; choosing a building wins over it.
    phone.click("#report-form svg#map").await;
    let lat = phone
        .run("return document.querySelector('[name=lat]').value")
        .await;
    let lat: f64 = lat.as_str().unwrap().parse().unwrap();
    assert!((39.0..42.0).contains(&lat), "a point in Datong: {lat}");
    let picked = phone.text("#picked").await;
    assert!(
        picked.contains(&lat.to_string()[..5]) && picked.contains("网格"),
        "the grid the point lies in is named before sending: {picked}"
    );
    let chosen = phone
        .run(&format!(
            "const s = document.querySelector('[name=building]');
             const o = [...s.options].find(o => o.value.startsWith('{grid}'));
             s.value = o.value; return o.value;"
        ))
        .await;
    assert!(chosen.as_str().unwrap().starts_with(grid), "{chosen}");
    phone
        .run("document.querySelector('[name=service_code]').value = 'sanitation';")
        .await;
    phone
        .type_into("[name=description]", "楼下垃圾桶满了，浏览器测试")
        .await;
    phone.click("#report-form button[type=submit]").await;
    let id = phone.text("#request-id").await;
    assert!(
        phone.url().await.contains("/report/r/"),
        "{}",
        phone.url().await
    );
    assert_eq!(phone.text("#stage").await, "派遣");
    save_screenshot(&phone, "report-receipt-phone.png").await;
    phone.quit().await;

    // The grid worker signs for it and reports back; the community verifies it.
    let worker = Browser::start().await;
    log_in(&worker, &app.base, "grid").await;
    worker
        .goto(&format!("{}/t/{grid}/requests", app.base))
        .await;
    worker
        .click(&format!("#requests a[href='/requests/{id}']"))
        .await;
    assert_eq!(stage(&worker).await, "派遣");
    assert!(worker.text("#description").await.contains("浏览器测试"));
    take_step(&worker, "take", None).await;
    assert_eq!(stage(&worker).await, "处置");
    worker
        .type_into("form.step[data-step=reply] [name=text]", "已清运")
        .await;
    worker
        .click("form.step[data-step=reply] button[type=submit]")
        .await;
    worker.find("#facts").await;
    assert_eq!(stage(&worker).await, "反馈");
    // Verifying is for the level above: the grid is not offered its own reply's check.
    let offered = worker
        .run("return document.querySelector('form.step[data-step=verify_pass]') !== null")
        .await;
    assert_eq!(offered, false, "a grid does not verify its own reply");
    assert_eq!(stage(&worker).await, "反馈");
    worker.quit().await;

    let community = Browser::start().await;
    log_in(&community, &app.base, "community").await;
    community.goto(&format!("{}/requests/{id}", app.base)).await;
    take_step(&community, "verify_pass", None).await;
    assert_eq!(stage(&community).await, "结案");
    let history = community.text("#history").await;
    for step in ["受理", "派遣", "签收处置", "反馈", "核查通过"] {
        assert!(history.contains(step), "{step} in {history}");
    }
    community.quit().await;

    // The city's dashboard: the year of demo requests, drawn.
    let city = Browser::start().await;
    log_in(&city, &app.base, "city").await;
    city.goto(&format!("{}/t/1402/request-figures", app.base))
        .await;
    let received: i64 = city.text("#fig-received .n").await.parse().unwrap();
    assert!(received > 100, "a year of requests: {received}");
    assert!(city.text("#fig-composite .n").await.ends_with('%'));
    city.wait_until("return document.querySelector('#chart-trend').dataset.drawn === 'true'")
        .await;
    city.wait_until("return document.querySelector('#chart-map').dataset.drawn === 'true'")
        .await;
    let months = city
        .run("return JSON.parse(document.querySelector('#chart-trend').dataset.chart).xAxis.data.length")
        .await;
    assert_eq!(months, 12, "twelve months of trend");
    save_screenshot(&city, "request-dashboard.png").await;
    city.quit().await;
}

/// A street clerk's day on a phone (390 × 844): the 工作台 lists the tasks received, the
/// header's badge counts what is pending, one task opens, and its evidence is uploaded
/// and the task reported done in the same form; no page scrolls sideways.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_street_clerk_finishes_a_task_on_a_phone() {
    let app = demo_app(Engine::Sqlite).await;
    let phone = Browser::phone().await;
    phone.goto(&format!("{}/", app.base)).await;
    phone.type_into("input[name=login]", "street").await;
    phone
        .type_into("input[name=password]", "Demo-1-Datong")
        .await;
    phone.click("button[type=submit]").await;
    phone.find("#pending-summary").await;
    let narrow = "return document.documentElement.scrollWidth <= window.innerWidth";
    assert_eq!(phone.run(narrow).await, true, "the 工作台 fits the phone");
    assert_eq!(
        phone
            .run("return document.getElementById('tree-drawer').open")
            .await,
        false,
        "the scope tree waits in its drawer on a phone"
    );
    phone
        .wait_until("return document.getElementById('pending-badge').hasAttribute('data-pending')")
        .await;
    let open = phone
        .text("section[data-group=tasks_received] h2 .count")
        .await;
    assert!(
        open.trim().parse::<u32>().unwrap() > 0,
        "the demo street has tasks open: {open}"
    );

    phone
        .click("section[data-group=tasks_received] ul.lines a")
        .await;
    phone.find("form#complete").await;
    assert_eq!(
        phone.run(narrow).await,
        true,
        "the task page fits the phone"
    );
    let pdf = std::env::temp_dir().join(format!("datong-evidence-{}.pdf", std::process::id()));
    std::fs::write(&pdf, b"%PDF-1.7 synthetic evidence").unwrap();
    phone
        .type_into("form#complete input[type=file]", pdf.to_str().unwrap())
        .await;
    phone.click("form#complete button[type=submit]").await;
    let done = phone.text("p.notice").await;
    assert!(done.contains("已办结"), "{done}");
    assert!(phone.text("#files").await.contains("datong-evidence"));
    std::fs::remove_file(pdf).unwrap();

    // The street's own pages fit too.
    for path in ["street", "duties"] {
        let street = phone
            .run("return document.querySelector('nav.crumbs a').getAttribute('href')")
            .await;
        let code = street
            .as_str()
            .unwrap()
            .trim_start_matches("/t/")
            .split('/')
            .next()
            .unwrap()
            .to_owned();
        phone.goto(&format!("{}/t/{code}/{path}", app.base)).await;
        phone.find("h1").await;
        // Tables are cards: rows stacked, each cell named by its column.
        let cards = phone
            .run(
                "var td = document.querySelector('.table-wrap tbody td[data-label]'); \
                  return !!td && getComputedStyle(td).display === 'block'",
            )
            .await;
        assert_eq!(cards, true, "{path}: tables as cards");
        assert_eq!(
            phone.run(narrow).await,
            true,
            "/t/{code}/{path} fits the phone"
        );
        phone.goto(&format!("{}/", app.base)).await;
        phone
            .click("section[data-group=tasks_received] ul.lines a")
            .await;
        phone.find("nav.crumbs").await;
    }
    phone.quit().await;
}

/// Every kind of page each role works in passes axe-core with no serious or critical
/// violation, at `phone` size or at desktop size.
async fn no_serious_accessibility_violation(phone: bool) {
    let app = demo_app(Engine::Sqlite).await;
    let pages: [(&str, &[&str]); 9] = [
        (
            "city",
            &[
                "/",
                "/t/1402",
                "/t/1402/members",
                "/t/1402/orgs",
                "/t/1402/units",
                "/t/1402/requests",
                "/t/1402/duties",
                "/t/1402/oversight",
                "/t/1402/map",
                "/t/1402/request-figures",
                "/t/1402/admissions",
                "/t/1402/tasks/new",
                "/t/1402/requests/new",
                "/orgs/1",
                "/members/1",
                "/requests/1",
                "/tasks/1",
                "/task-targets/1",
            ],
        ),
        (
            "street",
            &["/", "/t/140213050/street", "/t/140213050/duties"],
        ),
        (
            "community",
            &[
                "/",
                "/t/140213050001",
                "/t/140213050001/map",
                "/t/140213050001/members/new",
            ],
        ),
        ("grid", &["/"]),
        ("department", &["/", "/t/140213/admissions"]),
        ("member", &["/", "/members/1"]),
        ("unit", &["/", "/units/2"]),
        (
            "resident",
            &["/", "/report", "/report?at=140213050001", "/report/status"],
        ),
        ("admin", &["/accounts"]),
    ];
    let mut found = Vec::new();
    for (login, paths) in &pages {
        let b = if phone {
            Browser::phone().await
        } else {
            Browser::start().await
        };
        b.goto(&format!("{}/login", app.base)).await;
        if phone {
            for v in b.axe().await {
                found.push(format!("phone /login: {v}"));
            }
        }
        b.type_into("input[name=login]", login).await;
        b.type_into("input[name=password]", "Demo-1-Datong").await;
        b.click("button[type=submit]").await;
        b.find("#pending-summary").await;
        for path in *paths {
            b.goto(&format!("{}{path}", app.base)).await;
            b.find("main").await;
            for v in b.axe().await {
                let size = if phone { "phone" } else { "desktop" };
                found.push(format!("{size} {login} {path}: {v}"));
            }
        }
        b.quit().await;
    }
    assert!(found.is_empty(), "accessibility:\n{}", found.join("\n"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_page_has_a_serious_accessibility_violation_at_desktop_size() {
    no_serious_accessibility_violation(false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_page_has_a_serious_accessibility_violation_on_a_phone() {
    no_serious_accessibility_violation(true).await;
}
