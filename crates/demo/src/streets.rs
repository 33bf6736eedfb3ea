//! The demo city's streets: the 5+2+1 offices from the template with synthetic staff (and
//! the towns' offices from a template of their own), the district departments and their
//! agencies in the streets, with heads appointed by consent, last quarter's ratings, and a
//! few consultations and summonses. The five powers are the streets' alone.

use crate::rng::Rng;
use crate::{DemoError, Place, people};
use chrono::{Days, NaiveDate};
use datong_domain::DivisionCode;
use datong_domain::division::Kind;
use datong_domain::duty::Holder;
use datong_domain::street::{Appointment, ConsultationKind, Grade};
use datong_store::access::Caller;
use datong_store::audit::{self, Actor, Entry};
use datong_store::db::Cell;
use datong_store::street::{powers, structure};
use datong_store::{Conn, params};

fn at(day: NaiveDate, hour: u32) -> Caller {
    Caller::system(Actor {
        login: "demo".into(),
        at: format!("{day}T{hour:02}:00:00.000000Z"),
    })
}

const DEPARTMENTS: [(&str, &str); 3] = [
    ("公安分局", "派出所"),
    ("市场监督管理局", "市场监管所"),
    ("住房和城乡建设局", "住建工作站"),
];

/// A town's offices after one town's listing of its reorganised bodies (党政综合办公室,
/// 党建工作办公室, … 退役军人服务站): a city configures its own.
fn town_template() -> Vec<structure::TemplateRow> {
    use datong_domain::street::OfficeKind;
    [
        ("党政综合办公室", OfficeKind::Office),
        ("党建工作办公室", OfficeKind::Office),
        ("经济发展办公室", OfficeKind::Office),
        ("社会事务办公室", OfficeKind::Office),
        ("平安法治办公室", OfficeKind::Office),
        ("综合行政执法队", OfficeKind::Office),
        ("便民服务中心", OfficeKind::Centre),
        ("农业综合服务中心", OfficeKind::Centre),
        ("退役军人服务站", OfficeKind::Station),
    ]
    .into_iter()
    .zip(1..)
    .map(|((name, kind), position)| structure::TemplateRow {
        position,
        name: name.into(),
        kind,
    })
    .collect()
}

/// `department`'s login acts for the 住房和城乡建设局 of the district it names.
pub fn build(
    c: &mut Conn,
    seed: u64,
    today: NaiveDate,
    districts: &[Place],
    streets: &[Place],
    department: (&str, &str),
) -> Result<(), DemoError> {
    let mut rng = Rng::new(seed).fork(0x57ee7);
    let city = DivisionCode::parse(crate::CITY).expect("a valid code");
    let setup = at(today - Days::new(200), 9);
    structure::set_template(c, &setup, Holder::Town, &town_template())?;
    structure::apply(c, &setup, &city)?;
    staff(c, &mut rng, &setup)?;
    let streets: Vec<&Place> = streets.iter().filter(|s| s.kind == Kind::Street).collect();

    let code = |p: &Place| DivisionCode::parse(&p.code).expect("codes from the tree");
    let mut agencies = Vec::new();
    for d in districts {
        let mine: Vec<&Place> = streets
            .iter()
            .copied()
            .filter(|s| s.code.starts_with(&d.code))
            .collect();
        if mine.is_empty() {
            continue;
        }
        for (name, agency) in DEPARTMENTS {
            let logins = if d.code == department.1 && name == "住房和城乡建设局" {
                vec![department.0.to_owned()]
            } else {
                Vec::new()
            };
            let dep =
                powers::add_department(c, &setup, &code(d), &format!("{}{name}", d.name), &logins)?;
            for s in &mine {
                let a = powers::add_agency(
                    c,
                    &setup,
                    dep.id,
                    &code(s),
                    &format!("{}{agency}", s.name.trim_end_matches("街道")),
                )?;
                agencies.push((a.id, code(s), dep.id));
            }
        }
    }
    // Heads: proposed by the district, most consented to by the street.
    for (id, _, _) in &agencies {
        let proposed = today - Days::new(u64::from(rng.range(120, 190)));
        let male = !rng.chance(0.3);
        let person = people::name(&mut rng, male);
        let p = powers::propose(
            c,
            &at(proposed, 10),
            *id,
            Appointment::Appoint,
            &person,
            "工作需要",
        )?;
        let given = rng.chance(0.9);
        let text = if given {
            "同意。"
        } else {
            "该同志不熟悉街道情况，建议另选。"
        };
        powers::consent(c, &at(proposed + Days::new(3), 15), p.id, given, text)?;
    }
    // Last quarter's ratings, where there is a head.
    let last = today - Days::new(92);
    let quarter = datong_domain::accountability::quarter_of(last);
    let grades = [
        (Grade::Excellent, 3),
        (Grade::Competent, 6),
        (Grade::BasicallyCompetent, 1),
    ];
    for (id, _, _) in &agencies {
        if rng.chance(0.8) {
            let grade = *rng.weighted(&grades);
            match powers::rate(
                c,
                &at(today - Days::new(20), 11),
                *id,
                &quarter,
                grade,
                "配合街道工作。",
            ) {
                Ok(_) | Err(datong_store::StoreError::Invalid { .. }) => {}
                Err(e) => return Err(e.into()),
            }
        }
    }
    // A few exchanges and summonses in the first streets.
    for (i, s) in streets.iter().take(6).enumerate() {
        let street = code(s);
        let filed = today - Days::new(10 + 7 * i as u64);
        let planning = powers::consult(
            c,
            &at(filed, 9),
            ConsultationKind::Planning,
            &street,
            "城市道路改造工程",
            "拟于明年开工，请街道提出意见。",
        )?;
        if i % 2 == 0 {
            powers::answer(
                c,
                &at(filed + Days::new(6), 16),
                planning.id,
                "建议同步改造雨污管网，并设置施工公示牌。",
            )?;
        }
        powers::consult(
            c,
            &at(filed, 10),
            ConsultationKind::Advice,
            &street,
            "老旧小区加装电梯",
            "建议优先安排本街道老旧小区。",
        )?;
        // The street's agencies come in `DEPARTMENTS` order: police, market, housing.
        let deps: Vec<i64> = agencies
            .iter()
            .filter(|(_, a, _)| *a == street)
            .map(|(_, _, d)| *d)
            .collect();
        if deps.len() < DEPARTMENTS.len() {
            continue;
        }
        let draft = powers::SummonsDraft {
            street: street.clone(),
            subject: "农贸市场周边占道经营和交通拥堵".into(),
            body: "请有关部门到场会商，限期整治。".into(),
            departments: deps[..2].to_vec(),
            report_by: filed + Days::new(1),
            resolve_by: filed + Days::new(10),
        };
        powers::summon(c, &at(filed, 9), &draft)?;
        if i == 0 {
            // Yesterday's whistle, still to be answered: the demo department's work.
            let yesterday = today - Days::new(1);
            let draft = powers::SummonsDraft {
                street: street.clone(),
                subject: "老旧小区改造工地夜间施工扰民".into(),
                body: "请住建、公安部门到场核查，督促施工单位整改。".into(),
                departments: vec![deps[2], deps[0]],
                report_by: today + Days::new(1),
                resolve_by: today + Days::new(14),
            };
            powers::summon(c, &at(yesterday, 15), &draft)?;
        }
    }
    Ok(())
}

/// Two to five synthetic people in each office, one of them its head.
fn staff(c: &mut Conn, rng: &mut Rng, actor: &Caller) -> Result<(), DemoError> {
    let offices: Vec<i64> = c
        .query("SELECT id FROM street_office ORDER BY id", params![])?
        .iter()
        .map(|r| r.i64(0))
        .collect::<Result<_, _>>()?;
    let mut rows: Vec<(i64, String, &str)> = Vec::new();
    for o in &offices {
        for k in 0..rng.range(2, 5) {
            let post = if k == 0 { "主任" } else { "工作人员" };
            let male = !rng.chance(0.45);
            rows.push((*o, people::name(rng, male), post));
        }
    }
    c.tx(|c| {
        let cells: Vec<[Cell; 4]> = rows
            .iter()
            .map(|(o, n, p)| {
                [
                    Cell::Int(*o),
                    Cell::Text(n),
                    Cell::Text(p),
                    Cell::Bool(true),
                ]
            })
            .collect();
        c.bulk_insert(
            "office_staff",
            &["office_id", "name", "post", "synthetic"],
            cells.iter().map(|r| &r[..]),
        )?;
        audit::append(
            c,
            &actor.actor,
            Entry {
                action: "demo",
                entity: "office_staff",
                entity_id: crate::CITY,
                before: None,
                after: Some(&serde_json::json!({ "staff": rows.len(), "synthetic": true })),
            },
        )?;
        Ok::<_, DemoError>(())
    })
}
