//! Lists as spreadsheet downloads, streamed while they are read: the rows are read in
//! batches on one database connection and written as an .xlsx straight into the response.
//! What can refuse a download (scope, the right to whole numbers) is checked before the
//! first row, so a refusal is still an ordinary error page; a failure after the first row
//! cuts the download short rather than ending it with a file that looks whole.

use crate::i18n::Lang;
use crate::layout::failure;
use crate::xlsx::{CONTENT_TYPE, Column, SheetWriter};
use axum::body::Body;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use datong_http::App;
use datong_store::StoreError;
use datong_store::db::{Conn, DbError};
use std::io::{self, Write};
use std::pin::Pin;
use std::task::{Context, Poll};
use tokio::sync::{mpsc, oneshot};

/// Bytes gathered before they are handed to the response.
const CHUNK: usize = 64 * 1024;
/// Chunks waiting for a slow client before the reader waits too: the memory bound.
const QUEUE: usize = 8;

type Ready = oneshot::Sender<Result<(), StoreError>>;

/// The response body's side of the stream.
struct Chunks(mpsc::Receiver<io::Result<Bytes>>);

impl futures_core::Stream for Chunks {
    type Item = io::Result<Bytes>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.0.poll_recv(cx)
    }
}

/// The reader's side: a buffer handed on in chunks, waiting while the queue is full.
struct Sink {
    buf: Vec<u8>,
    tx: mpsc::Sender<io::Result<Bytes>>,
}

impl Write for Sink {
    fn write(&mut self, b: &[u8]) -> io::Result<usize> {
        self.buf.extend_from_slice(b);
        if self.buf.len() >= CHUNK {
            self.flush()?;
        }
        Ok(b.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let chunk = Bytes::from(std::mem::replace(&mut self.buf, Vec::with_capacity(CHUNK)));
        self.tx
            .blocking_send(Ok(chunk))
            .map_err(|_| io::Error::new(io::ErrorKind::BrokenPipe, "the download was closed"))
    }
}

fn io_error(e: io::Error) -> StoreError {
    StoreError::Db(DbError::Io(e))
}

/// Where a list writes its rows. The response starts with the first row.
pub struct Rows {
    sheet: SheetWriter<Sink>,
    ready: Option<Ready>,
    tx: mpsc::Sender<io::Result<Bytes>>,
}

impl Rows {
    pub fn row(&mut self, cells: &[&str]) -> Result<(), StoreError> {
        if let Some(ready) = self.ready.take() {
            let _ = ready.send(Ok(()));
        }
        self.sheet.row(cells).map_err(io_error)
    }

    fn end(mut self, outcome: Result<(), StoreError>) {
        match (outcome, self.ready.take()) {
            (Ok(()), ready) => {
                if let Some(ready) = ready {
                    let _ = ready.send(Ok(()));
                }
                let done = self.sheet.finish().and_then(|mut sink| sink.flush());
                if let Err(e) = done {
                    tracing::warn!(error = %e, "a download ended early");
                }
            }
            (Err(e), Some(ready)) => {
                let _ = ready.send(Err(e));
            }
            (Err(StoreError::Db(DbError::Io(e))), None)
                if e.kind() == io::ErrorKind::BrokenPipe =>
            {
                tracing::info!("a download was closed by its client");
            }
            (Err(e), None) => {
                tracing::error!(error = %e, "a download failed after its first row");
                let _ = self
                    .tx
                    .blocking_send(Err(io::Error::other("the list could not be read")));
            }
        }
    }
}

/// Rows read for an export a batch at a time.
const BATCH: i64 = 2_000;

/// Reads a list page by page (`read` gets each page) and hands each batch to `write`,
/// until a page comes back short.
pub fn in_batches<T>(
    c: &mut Conn,
    mut read: impl FnMut(&mut Conn, &datong_store::sql::Page) -> Result<Vec<T>, StoreError>,
    mut write: impl FnMut(&mut Conn, Vec<T>) -> Result<(), StoreError>,
) -> Result<(), StoreError> {
    let mut offset = 0;
    loop {
        let page = datong_store::sql::Page {
            limit: BATCH,
            offset,
        };
        let batch = read(c, &page)?;
        let last = (batch.len() as i64) < BATCH;
        offset += BATCH;
        write(c, batch)?;
        if last {
            return Ok(());
        }
    }
}

/// Streams `produce`'s rows as `file_name`, a one-sheet workbook with these columns.
pub async fn xlsx<F>(
    app: &App,
    lang: Lang,
    file_name: String,
    sheet: &'static str,
    columns: &'static [Column],
    produce: F,
) -> Response
where
    F: FnOnce(&mut Conn, &mut Rows) -> Result<(), StoreError> + Send + 'static,
{
    let (tx, rx) = mpsc::channel(QUEUE);
    let (ready, started) = oneshot::channel::<Result<(), StoreError>>();
    let reader = app.clone();
    tokio::spawn(async move {
        let _ = reader
            .run(move |c| {
                let sink = Sink {
                    buf: Vec::with_capacity(CHUNK),
                    tx: tx.clone(),
                };
                let sheet = match SheetWriter::new(sink, sheet, columns) {
                    Ok(s) => s,
                    Err(e) => {
                        let _ = ready.send(Err(io_error(e)));
                        return Ok(());
                    }
                };
                let mut rows = Rows {
                    sheet,
                    ready: Some(ready),
                    tx,
                };
                let outcome = produce(c, &mut rows);
                rows.end(outcome);
                Ok(())
            })
            .await;
    });
    match started.await {
        Ok(Ok(())) => (
            [
                (header::CONTENT_TYPE, CONTENT_TYPE.to_owned()),
                (
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"{file_name}\""),
                ),
            ],
            Body::from_stream(Chunks(rx)),
        )
            .into_response(),
        Ok(Err(e)) => failure(lang, e.into()),
        Err(_) => datong_http::error::ApiError::internal().into_response(),
    }
}
