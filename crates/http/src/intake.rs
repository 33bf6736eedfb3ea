//! Group commit for residents' requests. Every channel (the residents' form, the JSON API,
//! Open311, a hotline clerk) hands its checked draft to one writer thread, which takes
//! whatever has queued up (up to `BATCH`) and writes it in one transaction; each caller is
//! answered after that commit. So an acknowledged request is on disk, and the disk's sync
//! is paid once per batch rather than once per request.

use crate::error::ApiError;
use axum::http::StatusCode;
use datong_store::audit::Actor;
use datong_store::request::intake::{self, Draft, Receipt};
use datong_store::{Db, StoreError};
use std::sync::mpsc;
use tokio::sync::oneshot;

/// The most requests one transaction takes.
const BATCH: usize = 256;
/// Requests waiting beyond this are refused (503) rather than queued without end.
const QUEUE: usize = 8192;

type Reply = oneshot::Sender<Result<Receipt, ApiError>>;

#[derive(Clone)]
pub struct Intake {
    queue: mpsc::SyncSender<(Actor, Draft, Reply)>,
}

impl Intake {
    /// Starts the writer thread; it ends when the last `Intake` is dropped.
    pub fn start(db: Db) -> Intake {
        let (queue, rx) = mpsc::sync_channel::<(Actor, Draft, Reply)>(QUEUE);
        std::thread::Builder::new()
            .name("intake".into())
            .spawn(move || write_batches(&db, &rx))
            .expect("a thread can be started");
        Intake { queue }
    }

    /// Files one request and waits for its commit.
    pub async fn file(&self, actor: Actor, draft: Draft) -> Result<Receipt, ApiError> {
        let (tx, rx) = oneshot::channel();
        self.queue
            .try_send((actor, draft, tx))
            .map_err(|_| busy())?;
        rx.await.map_err(|_| ApiError::internal())?
    }
}

fn busy() -> ApiError {
    ApiError::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "busy",
        "受理繁忙，请稍后重试",
    )
}

fn write_batches(db: &Db, rx: &mpsc::Receiver<(Actor, Draft, Reply)>) {
    while let Ok(first) = rx.recv() {
        let mut batch = vec![first];
        while batch.len() < BATCH {
            match rx.try_recv() {
                Ok(next) => batch.push(next),
                Err(_) => break,
            }
        }
        let (items, replies): (Vec<(Actor, Draft)>, Vec<Reply>) =
            batch.into_iter().map(|(a, d, r)| ((a, d), r)).unzip();
        let written = db
            .get()
            .map_err(StoreError::from)
            .and_then(|mut conn| intake::receive(&mut conn, &items));
        match written {
            Ok(answers) => {
                for (answer, reply) in answers.into_iter().zip(replies) {
                    let _ = reply.send(answer.map_err(ApiError::from));
                }
            }
            Err(e) => {
                tracing::error!(error = %e, requests = replies.len(), "intake batch failed");
                for reply in replies {
                    let _ = reply.send(Err(ApiError::internal()));
                }
            }
        }
    }
}
