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
    use datong_domain::division::Kind;
    use datong_domain::duty::{self, Category, DutyArea, Holder};
    use datong_store::duty::{accountability, list, task};
    let c = &mut *db.get()?;
    let streets: Vec<DivisionCode> = c
        .query(
            "SELECT code FROM territory WHERE kind = 'street' AND code LIKE '1402%' ORDER BY code",
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
            let entry = list::entry(c, s, Holder::Street, category)?;
            anyhow::ensure!(
                duty::clear(Kind::Street, category, entry).is_ok(),
                "on the list"
            );
        }
        Ok(())
    })?;
    let gated: Vec<(DivisionCode, Holder)> = streets
        .iter()
        .map(|s| (s.clone(), Holder::Street))
        .collect();
    let all = time(21, || {
        let entries = list::entries(c, &gated, &categories[0])?;
        for e in entries {
            anyhow::ensure!(
                duty::clear(Kind::Street, &categories[0], e).is_ok(),
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

/// `bench requests`: on a database holding the demo city (it adds requests: use a copy),
/// files requests through intake until there are `total`, spread over the last year and
/// the city's buildings, then prints `load …` and `figures …` lines: the city's
/// dashboard figures (its rates, each month and each district) and its map (each
/// street), warm, against the same counts aggregated from the request rows.
pub fn requests(db: &Db, total: usize) -> Result<()> {
    use chrono::{Duration as Span, Utc};
    use datong_domain::request::Channel;
    use datong_store::request::intake::{self, Draft};
    use datong_store::request::tally::{self, Months};
    let c = &mut *db.get()?;
    let city = DivisionCode::parse("1402")?;
    let (lo, hi) = city.subtree_range();
    let buildings: Vec<DivisionCode> = c
        .query(
            "SELECT code FROM territory WHERE code > $1 AND code < $2 AND level = 'building' AND valid_to IS NULL",
            datong_store::params![lo.as_str(), hi.as_str()],
        )?
        .iter()
        .map(|r| Ok(DivisionCode::from_path(&r.str(0)?)?))
        .collect::<Result<_>>()?;
    anyhow::ensure!(!buildings.is_empty(), "no buildings: build the demo first");
    let services: Vec<String> = datong_store::request::catalogue::services(c, false)?
        .into_iter()
        .map(|s| s.code)
        .collect();
    let have = usize::try_from(c.query_one("SELECT COUNT(*) FROM request", &[])?.i64(0)?)?;
    let now = Utc::now();
    // A fixed-step walk through buildings, services and the year's seconds: spread, and
    // the same on every run.
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = |n: usize| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state % n as u64) as usize
    };
    let started = Instant::now();
    let mut added = 0;
    while have + added < total {
        let n = (total - have - added).min(5000);
        let batch: Vec<_> = (0..n)
            .map(|_| {
                let at = now - Span::seconds(next(365 * 86_400) as i64 + 60);
                let actor = datong_store::audit::Actor {
                    login: "bench".into(),
                    at: datong_store::audit::timestamp(at),
                };
                let draft = Draft {
                    service_code: services[next(services.len())].clone(),
                    channel: Channel::Api,
                    point: None,
                    place: Some(buildings[next(buildings.len())].clone()),
                    address: String::new(),
                    description: "基准诉求".into(),
                    reporter_login: None,
                    reporter_name: None,
                    reporter_phone: None,
                    reporter_email: None,
                    device_id: None,
                    photos: Vec::new(),
                    within: None,
                };
                (actor, draft)
            })
            .collect();
        for r in intake::receive(c, &batch)? {
            r?;
        }
        added += n;
    }
    let took = started.elapsed().as_secs_f64();
    println!(
        "load requests={} added={added} seconds={took:.1} per_s={:.0}",
        have + added,
        added as f64 / took.max(1e-9)
    );

    let today = now.date_naive();
    let months = Months {
        first: (today - Span::days(365)).format("%Y-%m").to_string(),
        last: today.format("%Y-%m").to_string(),
    };
    let caller =
        datong_store::access::Caller::system(bench_actor(&datong_store::audit::timestamp(now)));
    let figures = time(21, || {
        tally::figures(c, &caller, &city, &months)?;
        Ok(())
    })?;
    let map = time(21, || {
        tally::dots(c, &caller, &city, datong_domain::Level::Street, &months)?;
        Ok(())
    })?;
    let counted = tally::figures(c, &caller, &city, &months)?
        .node
        .tally
        .received;
    // The floor without counters: the city's districts counted from the rows themselves.
    let rows = time(5, || {
        c.query(
            "SELECT substr(node_code, 1, 6), COUNT(*), COUNT(responded_at), COUNT(closed_at), COUNT(score), \
               SUM(CASE WHEN score >= 4 THEN 1 ELSE 0 END) FROM request \
             WHERE node_code > $1 AND node_code < $2 AND month >= $3 AND month <= $4 GROUP BY 1",
            datong_store::params![lo.as_str(), hi.as_str(), months.first.as_str(), months.last.as_str()],
        )?;
        Ok(())
    })?;
    println!(
        "figures received={counted} city_ms={:.2} map_ms={:.2} rows_ms={:.0} ratio={:.0}",
        figures.as_secs_f64() * 1e3,
        map.as_secs_f64() * 1e3,
        rows.as_secs_f64() * 1e3,
        rows.as_secs_f64() / (figures + map).as_secs_f64()
    );
    Ok(())
}
