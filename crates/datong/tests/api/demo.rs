//! The demo city (small scale, on the fixture divisions): the same for the same seed,
//! synthetic and marked so, consistent with the platform's own rules, and each demo
//! account sees only its subtree.

use crate::helpers::{Tokens, blocking, fixtures, fresh_db_url, serve, system};
use datong_domain::{CreditCode, DivisionCode, IdNumber, Phone, synthetic};
use datong_store::{Db, Engine};
use serde_json::{Value, json};

fn options(seed: u64) -> datong_demo::Options {
    datong_demo::Options {
        scale: datong_demo::Scale::Small,
        seed,
        divisions: fixtures().join("divisions"),
        today: chrono::NaiveDate::from_ymd_opt(2026, 11, 26).unwrap(),
    }
}

fn build(engine: Engine, seed: u64) -> (String, Db, datong_demo::Report) {
    let url = fresh_db_url(engine);
    let db = datong_store::open(&url).unwrap();
    let report = datong_demo::build(&db, &options(seed), &system().actor).unwrap();
    (url, db, report)
}

/// Everything the seed decides, as text.
fn fingerprint(db: &Db) -> Vec<String> {
    let mut c = db.get().unwrap();
    let mut out = Vec::new();
    for sql in [
        "SELECT code, name, member_centre FROM territory ORDER BY code",
        "SELECT id, name, kind, territory_code, parent_id, path, committee_size, term_start FROM party_org ORDER BY id",
        "SELECT id, name, credit_code, kind, territory_code, coverage, org_id FROM unit ORDER BY id",
        "SELECT id, name, sex, birth_date, id_number, education, joined_on, status, org_id, phone, home_community FROM member ORDER BY id",
        "SELECT code, lon, lat, polygon FROM territory_geo ORDER BY code",
        "SELECT id, name, id_number, territory_code, post, grade, hired_on FROM social_worker ORDER BY id",
    ] {
        for r in c.query(sql, &[]).unwrap() {
            out.push(format!("{r:?}"));
        }
    }
    out
}

fn the_same_seed_builds_the_same_city(engine: Engine) {
    blocking(|| {
        let (_, a, report) = build(engine, 7);
        let (_, b, _) = build(engine, 7);
        let (_, other, _) = build(engine, 8);
        assert!(
            report.members > 300 && report.orgs > 20 && report.units > 20,
            "{report:?}"
        );
        let fa = fingerprint(&a);
        assert_eq!(fa, fingerprint(&b));
        assert_ne!(fa, fingerprint(&other));
    });
}

crate::engines!(the_same_seed_builds_the_same_city);

fn the_demo_is_marked_synthetic_and_keeps_the_rules(engine: Engine) {
    blocking(|| {
        let (_, db, _) = build(engine, 1);
        let mut c = db.get().unwrap();
        for r in c
            .query(
                "SELECT id_number, birth_date, sex, phone, synthetic FROM member",
                &[],
            )
            .unwrap()
        {
            let id = IdNumber::parse(&r.str(0).unwrap()).unwrap();
            assert!(synthetic::is_synthetic_id(&id));
            assert_eq!(id.birth_date().to_string(), r.str(1).unwrap());
            assert_eq!(id.sex().as_str(), r.str(2).unwrap());
            assert!(synthetic::is_synthetic_phone(
                &Phone::parse(&r.str(3).unwrap()).unwrap()
            ));
            assert!(r.bool(4).unwrap());
        }
        for r in c
            .query("SELECT credit_code, synthetic FROM unit", &[])
            .unwrap()
        {
            let code = CreditCode::parse(&r.str(0).unwrap()).unwrap();
            assert!(synthetic::is_synthetic_credit_code(&code) && r.bool(1).unwrap());
        }
        let orphans = c
            .query_one(
                "SELECT COUNT(*) FROM party_org o LEFT JOIN party_org p ON p.id = o.parent_id
                  WHERE o.parent_id IS NOT NULL AND (p.id IS NULL OR o.path <> p.path || o.id || '/')",
                &[],
            )
            .unwrap()
            .i64(0)
            .unwrap();
        assert_eq!(orphans, 0, "every path is its parent's path and its own id");
        // 四级联动: one tree from the city's committee, through the districts' and counties',
        // to the streets' working committees and the towns' committees.
        let roots = c
            .query(
                "SELECT name, territory_code FROM party_org WHERE parent_id IS NULL",
                &[],
            )
            .unwrap();
        assert_eq!(roots.len(), 1);
        // Every 党员中心户 names the member who keeps it, a member of its own grid.
        let centres = c
            .query(
                "SELECT t.code, m.territory_code FROM territory t LEFT JOIN centre_keeper k ON k.household_code = t.code \
                   LEFT JOIN member m ON m.id = k.member_id WHERE t.member_centre = $1",
                datong_store::params![true],
            )
            .unwrap();
        assert!(!centres.is_empty());
        for r in &centres {
            let (household, keeper_at) = (r.str(0).unwrap(), r.opt_str(1).unwrap());
            let keeper_at = keeper_at.unwrap_or_else(|| panic!("{household} has no keeper"));
            assert!(
                keeper_at.starts_with(&household[..15]),
                "{household} kept from {keeper_at}"
            );
        }
        // Members belong to the 党小组 of their building where one exists.
        let in_groups = c
            .query(
                "SELECT m.territory_code, g.territory_code FROM member m JOIN party_org g ON g.id = m.org_id WHERE g.kind = 'group'",
                &[],
            )
            .unwrap();
        assert!(!in_groups.is_empty(), "some members are in groups");
        assert!(
            in_groups
                .iter()
                .all(|r| r.str(0).unwrap() == r.str(1).unwrap())
        );
        let first = DivisionCode::parse(&centres[0].str(0).unwrap()).unwrap();
        let shown = datong_store::territory::get(&mut c, &system(), &first).unwrap();
        assert!(shown.keeper_member_id.is_some(), "{shown:?}");
        assert_eq!(
            (roots[0].str(0).unwrap(), roots[0].str(1).unwrap()),
            ("中共大同市委员会".into(), "1402".into())
        );
        let streets_under = c
            .query(
                "SELECT o.kind, length(p.territory_code), p.kind FROM party_org o JOIN party_org p ON p.id = o.parent_id \
                  WHERE length(o.territory_code) = 9",
                &[],
            )
            .unwrap();
        assert!(!streets_under.is_empty());
        for r in &streets_under {
            assert_eq!(
                (r.i64(1).unwrap(), r.str(2).unwrap()),
                (6, "committee".into()),
                "a street's organisation under its district's committee"
            );
        }
        for code in ["CN", "1402", "140213", "140213050001"] {
            let code = DivisionCode::parse(code).unwrap();
            assert_eq!(
                datong_store::rollup::read(&mut c, &code).unwrap(),
                datong_store::rollup::read_by_walking(&mut c, &code).unwrap()
            );
        }
        // Down the party tree from 市委: each district's committee leads its district, and
        // its figures are the district's counters.
        let root = c
            .query_one("SELECT id FROM party_org WHERE parent_id IS NULL", &[])
            .unwrap()
            .i64(0)
            .unwrap();
        let tree = datong_store::org_tree::read(&mut c, &system(), root).unwrap();
        let city_rollup =
            datong_store::rollup::read(&mut c, &DivisionCode::parse("1402").unwrap()).unwrap();
        assert_eq!(tree.figures.members_total, city_rollup.members_total);
        let districts: Vec<String> = tree
            .children
            .iter()
            .map(|n| n.figures.leads.as_ref().unwrap().to_string())
            .collect();
        let committees: Vec<String> = c
            .query(
                "SELECT territory_code FROM party_org WHERE length(territory_code) = 6 ORDER BY territory_code",
                &[],
            )
            .unwrap()
            .iter()
            .map(|r| r.str(0).unwrap())
            .collect();
        assert_eq!(districts, committees);
        assert_eq!(
            tree.children
                .iter()
                .map(|n| n.figures.members_total)
                .sum::<i64>(),
            city_rollup.members_total
        );
        // The dashboard's summary of findings judges each organisation as its own page does.
        let caller = system();
        let city = DivisionCode::parse("1402").unwrap();
        let summary = datong_store::org::findings_summary(&mut c, &caller, &city).unwrap();
        let mut one_by_one = std::collections::BTreeMap::new();
        let all = datong_store::org::list(
            &mut c,
            &caller,
            &Default::default(),
            &datong_store::sql::Page {
                limit: 100_000,
                offset: 0,
            },
        )
        .unwrap();
        for o in &all {
            for f in datong_store::org::findings(&mut c, &caller, o).unwrap() {
                *one_by_one.entry(f.code).or_insert(0i64) += 1;
            }
        }
        assert_eq!(summary, one_by_one);
        assert!(!summary.is_empty(), "the demo has some findings to show");
        let again = datong_demo::build(&db, &options(1), &system().actor);
        assert!(
            matches!(again, Err(datong_demo::DemoError::AlreadyBuilt)),
            "{:?}",
            again.err()
        );
    });
}

crate::engines!(the_demo_is_marked_synthetic_and_keeps_the_rules);

async fn each_role_sees_only_its_subtree(engine: Engine) {
    let (url, db, report) = blocking(move || build(engine, 3));
    let app = serve(url, db, Tokens::new()).await;
    assert_eq!(
        report.accounts.len(),
        10,
        "one account a role: {:?}",
        report.accounts
    );
    // The department acts for a bureau of the district it is placed in.
    let department = report
        .accounts
        .iter()
        .find(|a| a.login == "department")
        .unwrap();
    let bureaus = app.with_db(|c| {
        c.query(
            "SELECT d.district_code FROM department d JOIN department_account a ON a.department_id = d.id WHERE a.login = 'department'",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| r.str(0).unwrap())
        .collect::<Vec<_>>()
    });
    assert_eq!(bureaus, std::slice::from_ref(&department.scope));
    for account in &report.accounts {
        let r = app
            .http
            .post(format!("{}/api/v1/session", app.base))
            .json(&json!({ "login": account.login, "password": report.password }))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201, "{}", account.login);
        let cookie = r.headers()["set-cookie"]
            .to_str()
            .unwrap()
            .split(';')
            .next()
            .unwrap()
            .to_owned();
        let scope = if account.scope == "CN" {
            String::new()
        } else {
            account.scope.clone()
        };
        for (list, field) in [
            ("orgs", "territory"),
            ("members", "territory"),
            ("units", "territory"),
        ] {
            let body: Value = app
                .http
                .get(format!("{}/api/v1/{list}?limit=500", app.base))
                .header("cookie", &cookie)
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            let items = body["items"]
                .as_array()
                .unwrap_or_else(|| panic!("{}: {body}", account.login));
            for item in items {
                let at = item[field].as_str().unwrap();
                assert!(
                    at.starts_with(&scope),
                    "{} ({}) sees {list} at {at}",
                    account.login,
                    account.scope
                );
            }
            // Who reads a list by relation sees their own and nothing else.
            let by_relation = match (account.login.as_str(), list) {
                ("member", "members" | "orgs") | ("unit", "units") => Some(1..=1),
                // A unit's own party organisation, if it has formed one.
                ("unit", "orgs") => Some(0..=1),
                ("member" | "unit" | "department" | "resident", _) => Some(0..=0),
                _ => None,
            };
            if let Some(n) = by_relation {
                assert!(
                    n.contains(&items.len()),
                    "{} reads {list}: {body}",
                    account.login
                );
            }
            if account.login == "city" {
                assert!(!items.is_empty(), "the city sees its {list}");
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_demo_role_sees_only_its_subtree_on_sqlite() {
    each_role_sees_only_its_subtree(Engine::Sqlite).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_demo_role_sees_only_its_subtree_on_postgres() {
    each_role_sees_only_its_subtree(Engine::Postgres).await
}

/// Every community's and every building's point, looked up as a resident's tap is (the
/// 0.01° squares, then the polygons), lands in that community and in the building's own
/// grid: the demo's places tile.
fn every_point_of_the_demo_routes_home(engine: Engine) {
    let (_url, db, _) = build(engine, 1);
    let mut c = db.get().unwrap();
    let places = c
        .query(
            "SELECT g.code, t.level, g.lon, g.lat FROM territory_geo g JOIN territory t ON t.code = g.code \
             WHERE t.level IN ('community', 'building') ORDER BY g.code",
            &[],
        )
        .unwrap();
    let (mut communities, mut buildings) = (0, 0);
    for r in &places {
        let code = DivisionCode::parse(&r.str(0).unwrap()).unwrap();
        let p = datong_domain::request::Point::new(r.f64(3).unwrap(), r.f64(2).unwrap()).unwrap();
        let found = datong_store::request::catalogue::locate(&mut c, p, None)
            .unwrap()
            .unwrap_or_else(|| panic!("{code}: nowhere"));
        if r.str(1).unwrap() == "community" {
            communities += 1;
            assert_eq!(
                found.ancestor_at(datong_domain::Level::Community),
                Some(code.clone()),
                "{code}"
            );
        } else {
            buildings += 1;
            assert_eq!(
                Some(found.clone()),
                code.parent(),
                "{code} lies in its grid"
            );
        }
    }
    assert!(
        communities > 0 && buildings > communities,
        "{communities} {buildings}"
    );
}
crate::engines!(every_point_of_the_demo_routes_home);
