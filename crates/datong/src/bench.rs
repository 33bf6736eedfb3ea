//! `datong bench rollup`: a roll-up from the kept counters against the same roll-up from a
//! recursive walk of the subtree, timed in one process on one database. `scripts/bench`
//! runs it after importing the nation and checks the bounds.

use anyhow::Result;
use datong_domain::DivisionCode;
use datong_store::{Db, rollup};
use std::time::{Duration, Instant};

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn time(runs: usize, mut f: impl FnMut() -> Result<()>) -> Result<Duration> {
    f()?; // warm: the first run pays for cold pages and statement preparation
    let mut samples = Vec::with_capacity(runs);
    for _ in 0..runs {
        let t = Instant::now();
        f()?;
        samples.push(t.elapsed());
    }
    Ok(median(samples))
}

/// Prints one line a node: `rollup CODE counters_ms=… walk_ms=… ratio=…`.
pub fn rollup(db: &Db, nodes: &[DivisionCode], runs: usize) -> Result<()> {
    for code in nodes {
        let kept = time(runs, || {
            rollup::read(&mut *db.get()?, code)?;
            Ok(())
        })?;
        // The walk is slow; a few runs give a stable median.
        let walked = time(runs.min(5), || {
            rollup::read_by_walking(&mut *db.get()?, code)?;
            Ok(())
        })?;
        anyhow::ensure!(
            rollup::read(&mut *db.get()?, code)? == rollup::read_by_walking(&mut *db.get()?, code)?,
            "{code}: counters and walk disagree"
        );
        println!(
            "rollup {code} counters_ms={:.3} walk_ms={:.1} ratio={:.0}",
            kept.as_secs_f64() * 1e3,
            walked.as_secs_f64() * 1e3,
            walked.as_secs_f64() / kept.as_secs_f64()
        );
    }
    Ok(())
}

/// `bench duties`: prints `gate …` and `scan …` lines.
///
/// - The gate: for each of the city's streets in turn, what its list says of a category
///   and the domain's verdict, as `task::send` does it; against the floor of one
///   primary-key read of the same street. Also the gate for one task to every street.
/// - The overdue scan over `open` open targets (sent through the gate, due dates spread
///   from two months before the scan day to one after): the first scan, which climbs the
///   ladder for most of them, and a second the same day, which finds nothing new; against
///   the floor of counting the overdue targets.
pub fn duties(db: &Db, open: usize) -> Result<()> {
    use datong_domain::duty::{self, Category, DutyArea};
    use datong_store::duty::{accountability, list, task};
    let c = &mut *db.get()?;
    let streets: Vec<DivisionCode> = c
        .query(
            "SELECT code FROM territory WHERE level = 'street' AND code LIKE '1402%' ORDER BY code",
            &[],
        )?
        .iter()
        .map(|r| Ok(DivisionCode::from_path(&r.str(0)?)?))
        .collect::<Result<_>>()?;
    anyhow::ensure!(
        !streets.is_empty(),
        "no streets under 1402: build the demo first"
    );
    let categories: Vec<Category> = list::of_node(
        c,
        &datong_store::access::Caller::system(bench_actor("2026-01-01")),
        &streets[0],
    )?
    .into_iter()
    .filter(|i| i.state == datong_domain::duty::ItemState::Listed)
    .map(|i| i.category)
    .collect();
    anyhow::ensure!(
        !categories.is_empty(),
        "the streets have no list: build the demo first"
    );

    let checks = 2000;
    let per = |d: Duration| d.as_secs_f64() * 1e6 / checks as f64;
    let floor = time(5, || {
        for i in 0..checks {
            let s = &streets[i % streets.len()];
            c.query_one(
                "SELECT name FROM territory WHERE code = $1",
                datong_store::params![s.as_path()],
            )?;
        }
        Ok(())
    })?;
    let gate = time(5, || {
        for i in 0..checks {
            let s = &streets[i % streets.len()];
            let category = &categories[i % categories.len()];
            let entry = list::entries(c, std::slice::from_ref(s), category)?
                .pop()
                .flatten();
            anyhow::ensure!(
                duty::clear(s.level(), category, entry).is_ok(),
                "on the list"
            );
        }
        Ok(())
    })?;
    let all = time(21, || {
        let entries = list::entries(c, &streets, &categories[0])?;
        for (s, e) in streets.iter().zip(entries) {
            anyhow::ensure!(
                duty::clear(s.level(), &categories[0], e).is_ok(),
                "on the list"
            );
        }
        Ok(())
    })?;
    println!(
        "gate one_street_us={:.1} floor_us={:.1} ratio={:.1} all_{}_streets_ms={:.3}",
        per(gate),
        per(floor),
        gate.as_secs_f64() / floor.as_secs_f64(),
        streets.len(),
        all.as_secs_f64() * 1e3
    );

    // Open targets: whole tasks to every street, due dates spread over three months.
    let scan_day = chrono::NaiveDate::from_ymd_opt(2026, 12, 31).expect("a date");
    let first_day = scan_day - chrono::Days::new(60);
    let sender =
        datong_store::access::Caller::system(bench_actor(&format!("{first_day}T08:00:00Z")));
    let tasks = open.div_ceil(streets.len());
    let seeded = Instant::now();
    for i in 0..tasks {
        let d = task::TaskDraft {
            title: format!("基准任务 {i}"),
            category: categories[i % categories.len()].clone(),
            area: DutyArea::PublicService,
            detail: String::new(),
            sender: "基准".into(),
            evidence: "台账".into(),
            deadline: first_day + chrono::Days::new((i % 90) as u64),
            targets: streets.clone(),
        };
        task::send(c, &sender, &d)?;
    }
    let targets = tasks * streets.len();
    let seeded = seeded.elapsed();
    let scanner = bench_actor(&format!("{scan_day}T01:00:00Z"));
    let t = Instant::now();
    c.query_one(
        "SELECT count(*) FROM task_target WHERE status = 'open' AND due < $1",
        datong_store::params![scan_day.to_string()],
    )?;
    let floor = t.elapsed();
    let t = Instant::now();
    let first = accountability::scan_overdue(c, &scanner, scan_day)?;
    let first_took = t.elapsed();
    let t = Instant::now();
    let again = accountability::scan_overdue(c, &scanner, scan_day)?;
    let again_took = t.elapsed();
    anyhow::ensure!(
        again.escalated == 0,
        "a second scan the same day escalates nothing"
    );
    println!(
        "scan open={targets} overdue={} first_escalated={} first_ms={:.0} again_ms={:.0} floor_ms={:.1} seed_s={:.1}",
        first.overdue,
        first.escalated,
        first_took.as_secs_f64() * 1e3,
        again_took.as_secs_f64() * 1e3,
        floor.as_secs_f64() * 1e3,
        seeded.as_secs_f64()
    );
    Ok(())
}

fn bench_actor(at: &str) -> datong_store::audit::Actor {
    datong_store::audit::Actor {
        login: "bench".into(),
        at: at.to_owned(),
    }
}
