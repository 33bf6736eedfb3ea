//! 两级三责 in the demo city: the sample catalogue loaded as a city would load it, then
//! half a year of work through the platform's own paths — tasks sent down by the city and
//! the districts (each through the gate), reported done on time or late or not at all,
//! rated, and escalated by the overdue scan; and admissions at every stage.

use crate::rng::Rng;
use crate::{DemoError, Place};
use chrono::{Days, NaiveDate};
use datong_domain::DivisionCode;
use datong_domain::duty::{Category, DutyArea, Holder, ItemState, Opinion};
use datong_store::Conn;
use datong_store::access::Caller;
use datong_store::audit::Actor;
use datong_store::duty::{accountability, admission, list, task};

/// The sample responsibility-list catalogue for Datong's streets (and its city and
/// district lists), as a city would load it with `datong import duties`.
pub const CATALOGUE_CSV: &str = include_str!("../data/duties.csv");

pub fn load_catalogue(c: &mut Conn, actor: &Actor, today: &str) -> Result<(), DemoError> {
    use datong_store::import::{duties, sheet};
    let bad = |e: Vec<sheet::CellError>| DemoError::Catalogue(format!("{e:?}"));
    let sheet = sheet::read("duties.csv", CATALOGUE_CSV.as_bytes()).map_err(|e| bad(vec![e]))?;
    let rows = duties::check(&sheet).map_err(bad)?;
    duties::apply(c, actor, &rows, today)?.map_err(bad)?;
    Ok(())
}

fn at(day: NaiveDate, hour: u32) -> Actor {
    by("demo", day, hour)
}

/// A step taken by one party: an admission is filed, answered and decided by three.
fn by(login: &str, day: NaiveDate, hour: u32) -> Actor {
    Actor {
        login: login.into(),
        at: format!("{day}T{hour:02}:00:00.000000Z"),
    }
}

/// Tasks sent over the 180 days before `today`, about `per_month` a district.
pub fn history(
    c: &mut Conn,
    seed: u64,
    today: NaiveDate,
    districts: &[Place],
    streets: &[Place],
    per_month: u32,
) -> Result<(), DemoError> {
    let mut rng = Rng::new(seed).fork(0x0d07);
    let code = |p: &Place| DivisionCode::parse(&p.code).expect("codes from the tree");
    // Streets and towns hold different lists: each task goes to the district's streets
    // and towns whose list holds its category, as a district's clerk would address it.
    let reader = Caller::system(at(today, 0));
    let mut lists: Vec<(Holder, Vec<Category>)> = Vec::new();
    let mut catalogue: Vec<(Category, DutyArea, String)> = Vec::new();
    for holder in [Holder::Street, Holder::Town] {
        let Some(first) = streets.iter().find(|s| Holder::of(s.kind) == Some(holder)) else {
            continue;
        };
        let listed: Vec<list::Item> = list::of_node(c, &reader, &code(first))?
            .into_iter()
            .filter(|i| i.state == ItemState::Listed)
            .collect();
        lists.push((holder, listed.iter().map(|i| i.category.clone()).collect()));
        for i in listed {
            if !catalogue.iter().any(|(k, _, _)| *k == i.category) {
                catalogue.push((i.category, i.area, i.name));
            }
        }
    }
    let holds = |p: &Place, category: &Category| {
        lists
            .iter()
            .any(|(h, l)| Holder::of(p.kind) == Some(*h) && l.contains(category))
    };
    if catalogue.is_empty() {
        return Ok(());
    }
    let start = today - Days::new(180);
    let mut day = start;
    let mut sent: Vec<task::Task> = Vec::new();
    while day < today {
        for d in districts {
            if !rng.chance(f64::from(per_month) / 30.0) {
                continue;
            }
            let (category, area, name) = rng.pick(&catalogue).clone();
            let mine: Vec<DivisionCode> = streets
                .iter()
                .filter(|s| s.code.starts_with(&d.code) && holds(s, &category))
                .map(code)
                .collect();
            if mine.is_empty() {
                continue;
            }
            let draft = task::TaskDraft {
                title: format!("{name}专项工作"),
                category,
                area,
                detail: String::new(),
                sender: format!("{}委办公室", d.name),
                evidence: "工作台账和照片".into(),
                deadline: day + Days::new(u64::from(rng.range(7, 30))),
                targets: mine,
            };
            sent.push(task::send(c, &Caller::system(at(day, 9)), &draft)?);
        }
        day = day + Days::new(1);
    }
    for t in &sent {
        for target in &t.targets {
            // Most are done on time, some late, some still open.
            let roll = rng.unit();
            let done_on = if roll < 0.78 {
                Some(t.deadline - Days::new(u64::from(rng.range(0, 5))))
            } else if roll < 0.93 {
                Some(t.deadline + Days::new(u64::from(rng.range(1, 12))))
            } else {
                None
            };
            let Some(done_on) = done_on.filter(|d| *d < today) else {
                continue;
            };
            task::complete(c, &Caller::system(at(done_on, 16)), target.id)?;
            if rng.chance(0.6) {
                let rating = *rng.weighted(&[(5u8, 4), (4, 4), (3, 2), (2, 1)]);
                accountability::rate(c, &Caller::system(at(done_on, 17)), target.id, rating)?;
            }
        }
    }
    // The worker's scans over the half year, weekly, then today's.
    let mut day = start;
    while day <= today {
        accountability::scan_overdue(c, &at(day, 1), day)?;
        day = day + Days::new(7);
    }
    accountability::scan_overdue(c, &at(today, 1), today)?;
    admissions(c, &mut rng, today, streets)?;
    Ok(())
}

/// A dozen admissions: approved, rejected, answered and waiting, filed and waiting.
fn admissions(
    c: &mut Conn,
    rng: &mut Rng,
    today: NaiveDate,
    streets: &[Place],
) -> Result<(), DemoError> {
    let asks = [
        (
            "urban.parking",
            "住宅小区停车秩序排查",
            DutyArea::UrbanManagement,
            "《大同市停车管理办法》",
            "区住房和城乡建设局",
        ),
        (
            "svc.census_support",
            "流动人口信息采集",
            DutyArea::PublicService,
            "《居住证暂行条例》",
            "区公安分局",
        ),
        (
            "env.heating_check",
            "冬季清洁取暖巡查",
            DutyArea::Environment,
            "《大同市冬季清洁取暖实施方案》",
            "区生态环境分局",
        ),
        (
            "safety.gas",
            "燃气安全入户宣传",
            DutyArea::Stability,
            "《城镇燃气管理条例》",
            "区城市管理局",
        ),
    ];
    for i in 0..12u64 {
        let street = rng.pick(streets);
        let (category, name, area, basis, requester) = asks[(i % 4) as usize];
        let filed = today - Days::new(rng.range(2, 150).into());
        let draft = admission::AdmissionDraft {
            street: DivisionCode::parse(&street.code).expect("codes from the tree"),
            category: Category::parse(category).expect("a valid category"),
            name: name.into(),
            area,
            basis: basis.into(),
            office: "公共管理办公室".into(),
            requester: requester.into(),
            request: format!(
                "{requester}拟委托街道承担“{name}”，人员经费由本部门保障，请街道书面答复意见。"
            ),
        };
        let a = match admission::file(c, &Caller::system(by("demo:department", filed, 10)), &draft)
        {
            Ok(a) => a,
            // The same item on the same street twice: already admitted, skip it.
            Err(datong_store::StoreError::Refused { .. }) => continue,
            Err(e) => return Err(e.into()),
        };
        let answered = filed + Days::new(rng.range(1, 9).into());
        if i % 6 == 5 || answered >= today {
            continue;
        }
        let agree = rng.chance(0.7);
        let opinion = if agree {
            Opinion::Agree
        } else {
            Opinion::Disagree
        };
        let text = if agree {
            "同意，由公共管理办公室承办。"
        } else {
            "该事项属行业监管职责，街道无相应力量，不同意承接。"
        };
        admission::answer(
            c,
            &Caller::system(by("demo:street", answered, 15)),
            a.id,
            opinion,
            text,
        )?;
        let decided = answered + Days::new(rng.range(1, 6).into());
        if i % 6 == 4 || decided >= today {
            continue;
        }
        admission::decide(
            c,
            &Caller::system(by("demo:district", decided, 11)),
            a.id,
            agree,
            if agree {
                ""
            } else {
                "不予准入，由行业部门自行承担。"
            },
        )?;
    }
    Ok(())
}
