//! Each role's day in Chromium, through the pages alone and as that role: from its 工作台,
//! each pending line opened and its step taken, with the success message checked. Every
//! journey runs at desktop size (1440 × 900) and on a phone (390 × 844), each on a fresh
//! demo city, and no page it passes scrolls sideways at either size.

use crate::helpers::{TestApp, demo_app};
use crate::webdriver::Browser;
use datong_store::Engine;

/// One role's browser, logged in through the form and on its 工作台.
struct Day {
    b: Browser,
    base: String,
    size: &'static str,
}

impl Day {
    async fn begin(app: &TestApp, login: &str, phone: bool) -> Day {
        Day::log_in(app.base.clone(), login, phone).await
    }

    /// Another role's browser of the same size on the same city.
    async fn begin_on(other: &Day, login: &str) -> Day {
        Day::log_in(other.base.clone(), login, other.size == "phone").await
    }

    async fn log_in(base: String, login: &str, phone: bool) -> Day {
        let b = if phone {
            Browser::phone().await
        } else {
            Browser::start().await
        };
        b.goto(&format!("{base}/login")).await;
        b.type_into("input[name=login]", login).await;
        b.type_into("input[name=password]", "Demo-1-Datong").await;
        b.click("button[type=submit]").await;
        b.find("#pending-summary").await;
        let day = Day {
            b,
            base,
            size: if phone { "phone" } else { "desktop" },
        };
        day.fits(&format!("{login}'s 工作台")).await;
        day
    }

    /// Nothing on the page is wider than the window.
    async fn fits(&self, what: &str) {
        let fits = self
            .b
            .run("return document.documentElement.scrollWidth <= window.innerWidth")
            .await;
        assert_eq!(fits, true, "{} {what} scrolls sideways", self.size);
    }

    /// Back on the 工作台, opens the first line of `group`.
    async fn pending(&self, group: &str) {
        self.b.goto(&format!("{}/", self.base)).await;
        self.b
            .click(&format!("section[data-group={group}] ul.lines a"))
            .await;
        self.b.find("main h1").await;
        self.fits(&format!("the page {group} leads to")).await;
    }

    /// How many the 工作台 counts in `group`.
    async fn count(&self, group: &str) -> u32 {
        self.b.goto(&format!("{}/", self.base)).await;
        let n = self
            .b
            .text(&format!("section[data-group={group}] h2 .count"))
            .await;
        n.trim().parse().unwrap_or_else(|_| panic!("{group}: {n}"))
    }

    async fn visit(&self, path: &str) {
        self.b.goto(&format!("{}{path}", self.base)).await;
        self.b.find("main h1").await;
        self.fits(path).await;
    }

    /// Clicks, and waits for the page after it.
    async fn submit(&self, button: &str) {
        self.b.click(button).await;
        self.b.find("main h1").await;
    }

    async fn notice(&self) -> String {
        let n = self.b.text("p.notice").await;
        self.fits(&format!("the page saying {n}")).await;
        n
    }

    /// Chooses the first real option of the select `css`.
    async fn choose_first(&self, css: &str) {
        self.b
            .run(&format!(
                "const s = document.querySelector({}); \
                 s.value = [...s.options].find(o => o.value).value;",
                serde_json::to_string(css).unwrap()
            ))
            .await;
    }
}

async fn at_both_sizes(login: &str, journey: impl AsyncFn(&Day)) {
    for phone in [false, true] {
        let app = demo_app(Engine::Sqlite).await;
        let day = Day::begin(&app, login, phone).await;
        journey(&day).await;
        day.b.quit().await;
    }
}

/// The city's hotline takes a call, the place found by name and the point tapped on its
/// map; the city decides an admission the street has answered, then oversees its districts
/// and reads its map.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_city_takes_a_call_decides_and_oversees() {
    at_both_sizes("city", async |d| {
        d.visit("/t/1402/requests/new").await;
        d.choose_first("#hotline [name=service_code]").await;
        d.b.type_into("#hotline .picker-search", "康吉").await;
        d.b.find("#pick-map svg#map path.grid").await;
        d.fits("the hotline form with its map").await;
        d.b.click("#pick-map svg#map path.grid").await;
        let picked = d.b.text("#picked").await;
        assert!(
            picked.contains("网格"),
            "the tapped grid is named: {picked}"
        );
        d.b.type_into("[name=description]", "小区门口路灯不亮")
            .await;
        d.submit("#hotline button[type=submit]").await;
        assert!(
            d.b.url().await.contains("/requests/"),
            "{}",
            d.b.url().await
        );
        assert!(d.b.text("main").await.contains("康吉社区"));
        d.fits("the request taken").await;

        d.pending("admissions_to_decide").await;
        d.submit("#decision-form button[value=true]").await;
        d.b.find("#stage[data-stage=approved]").await;
        d.fits("the decided admission").await;
        d.visit("/t/1402/oversight").await;
        d.submit("#oversight tbody td a").await;
        d.fits("a district's oversight").await;
        d.visit("/t/1402/map").await;
        d.b.find("svg#map path.area").await;
    })
    .await;
}

/// The district follows an overdue task and a late whistle to their pages, and drills
/// from its oversight into a street's duties.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_district_follows_what_is_late() {
    at_both_sizes("district", async |d| {
        d.pending("overdue_targets").await;
        assert!(d.b.url().await.contains("/task-targets/"));
        d.pending("late_summonses").await;
        assert!(
            d.b.text("main")
                .await
                .contains("农贸市场周边占道经营和交通拥堵")
        );
        d.visit("/t/140213/oversight").await;
        d.submit("#oversight tr[data-code='140213050'] a").await;
        assert!(d.b.url().await.ends_with("/t/140213050/duties"));
        d.fits("the street's duties").await;
    })
    .await;
}

/// A summoned department reports (报到) and then resolves (办结) its part of the whistle.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_department_answers_a_whistle() {
    at_both_sizes("department", async |d| {
        assert_eq!(d.count("summonses_to_answer").await, 1);
        d.pending("summonses_to_answer").await;
        for (step, said) in [("report", "已报到"), ("resolve", "已办结")] {
            let form = format!("form.respond[action$='/{step}']");
            d.b.type_into(&format!("{form} input[name=text]"), "已派员到场核查。")
                .await;
            d.submit(&format!("{form} button[type=submit]")).await;
            assert!(d.notice().await.contains(said), "{step}");
        }
        assert_eq!(d.count("summonses_to_answer").await, 0);
    })
    .await;
}

/// The street writes its opinion on an admission and rates an agency head.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_street_answers_and_rates() {
    at_both_sizes("street", async |d| {
        d.pending("admissions_to_answer").await;
        d.choose_first("#opinion-form [name=opinion]").await;
        d.b.type_into(
            "#opinion-form textarea[name=text]",
            "同意，由公共管理办公室承办。",
        )
        .await;
        d.submit("#opinion-form button[type=submit]").await;
        d.b.find("#stage[data-stage=answered]").await;
        d.fits("the answered admission").await;

        let before = d.count("agencies_to_rate").await;
        d.pending("agencies_to_rate").await;
        d.choose_first("form.rate-agency select[name=grade]").await;
        d.submit("form.rate-agency button[type=submit]").await;
        assert!(d.notice().await.contains("考核结果已保存"));
        assert_eq!(d.count("agencies_to_rate").await, before - 1);
    })
    .await;
}

/// The community makes a member whose probation has ended a full member, and opens the
/// organisations behind a branch-rule finding.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_community_ends_a_probation() {
    at_both_sizes("community", async |d| {
        let due = d.count("probation_due").await;
        d.pending("probation_due").await;
        d.submit("#full-membership button[type=submit]").await;
        assert!(d.notice().await.contains("已转为正式党员"));
        assert_eq!(d.count("probation_due").await, due - 1);
        d.pending("branch_findings").await;
        d.b.find("table#orgs").await;
    })
    .await;
}

/// A resident's request in the grid: the grid worker signs for it and reports back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_grid_worker_answers_a_request() {
    at_both_sizes("resident", async |d| {
        // The resident files it through the form, naming the building.
        d.visit("/report?at=140213050001").await;
        d.b.run(
            "document.querySelector('[name=service_code]').value = 'sanitation'; \
             const s = document.querySelector('[name=building]'); \
             s.value = [...s.options].find(o => o.value.startsWith('140213050001001')).value;",
        )
        .await;
        d.b.type_into("[name=description]", "楼下垃圾桶满了").await;
        d.submit("#report-form button[type=submit]").await;
        let id = d.b.text("#request-id").await;
        d.fits("the receipt").await;
        assert_eq!(d.count("my_requests").await, 1);

        let grid = Day::begin_on(d, "grid").await;
        grid.pending("requests_in_grids").await;
        assert!(grid.b.url().await.ends_with(&format!("/requests/{id}")));
        grid.submit("form.step[data-step=take] button[type=submit]")
            .await;
        grid.b
            .type_into("form.step[data-step=reply] [name=text]", "已清运")
            .await;
        grid.submit("form.step[data-step=reply] button[type=submit]")
            .await;
        assert_eq!(grid.b.text("#stage").await, "反馈");
        grid.fits("the answered request").await;
        grid.b.quit().await;
    })
    .await;
}

/// A member reads their own record and their organisation.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_member_reads_their_record() {
    at_both_sizes("member", async |d| {
        d.pending("my_record").await;
        d.b.find("table#member").await;
        d.b.goto(&format!("{}/", d.base)).await;
        d.submit("section[data-group=my_record] ul.lines li:nth-child(2) a")
            .await;
        assert!(d.b.url().await.contains("/orgs/"));
        d.fits("their organisation").await;
    })
    .await;
}

/// A resident unit reads what it is and the organisation covering it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_unit_reads_itself() {
    at_both_sizes("unit", async |d| {
        d.pending("my_record").await;
        d.b.find("table#unit #credit-code").await;
        assert!(d.b.url().await.contains("/units/"));
    })
    .await;
}
