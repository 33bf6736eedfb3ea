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
