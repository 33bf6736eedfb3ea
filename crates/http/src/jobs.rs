//! The server's job worker: runs the job queue (`datong_store::job::tick`) on a timer, on
//! the app's clock, off the async threads.

use crate::app::App;
use std::time::Duration;

/// Runs the queue every `every` until the process ends. A failed run is logged and the
/// next one tries again; jobs are idempotent, so nothing is done twice.
pub fn spawn_worker(app: App, every: Duration) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut timer = tokio::time::interval(every);
        timer.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            timer.tick().await;
            let now = app.clock.now();
            match app.run(move |c| datong_store::job::tick(c, now)).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(jobs = n, "job queue ran"),
                Err(e) => tracing::warn!(error = ?e, "job queue run failed"),
            }
        }
    })
}
