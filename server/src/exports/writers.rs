//! Writers of exported records: CSV streamed to an HTTP body or written to a file, a small CSV
//! at once, and XLSX row by row (`super::xlsx`).

use std::io::Write;

use axum::body::Bytes;
use futures::{Stream, StreamExt};
use tokio::sync::mpsc;

use super::record::{Cell, Record};
use super::xlsx;
use crate::csv::{self, BOM};

/// Writes one exported row: text neutralised against formulas, numbers as they are.
fn write_csv_record<W: Write>(out: &mut ::csv::Writer<W>, record: &[Cell]) -> ::csv::Result<()> {
    for cell in record {
        match cell {
            Cell::Text(text) => out.write_field(csv::neutralise(text).as_bytes())?,
            other => out.write_field(other.text().as_bytes())?,
        }
    }
    out.write_record(None::<&[u8]>)
}

/// A whole small export (a few hundred rows, such as the audit log) as CSV bytes, BOM first.
pub fn csv_bytes(header: &[&str], records: &[Record]) -> std::io::Result<Vec<u8>> {
    let mut out = csv::writer(BOM.as_bytes().to_vec());
    csv::write_text_record(&mut out, header)?;
    for record in records {
        write_csv_record(&mut out, record)?;
    }
    out.into_inner().map_err(|e| e.into_error())
}

/// Records per CSV chunk of the HTTP body, when that many are waiting.
const CHUNK_RECORDS: usize = 256;

/// Where the CSV body stands.
enum Body {
    /// BOM, header and the first record, not sent yet.
    Head(Vec<u8>),
    Rows,
    /// After an error: nothing more is sent.
    Broken,
}

/// The records of `batch` as one chunk of CSV.
fn csv_chunk(batch: Vec<anyhow::Result<Record>>) -> Result<Bytes, std::io::Error> {
    let mut out = csv::writer(Vec::with_capacity(batch.len() * 160));
    for record in batch {
        // The status is already sent: breaking the body is how the client learns the file is
        // incomplete.
        let record = record.map_err(|e| std::io::Error::other(format!("{e:#}")))?;
        write_csv_record(&mut out, &record)?;
    }
    Ok(Bytes::from(out.into_inner().map_err(|e| e.into_error())?))
}

/// The CSV body: BOM and header first, then the records as they arrive, a few hundred per chunk.
/// `first` is a record already taken from the channel (the route waits for it, so a database
/// that fails at once still gets a proper error page). The stream is fused: the compression
/// layer polls the body once more after its end (for trailers), which an unfused stream may not
/// survive.
pub fn csv_stream(
    header: Vec<String>,
    first: Option<Record>,
    rx: mpsc::Receiver<anyhow::Result<Record>>,
) -> impl Stream<Item = Result<Bytes, std::io::Error>> + Send {
    let head = (|| -> Result<Vec<u8>, std::io::Error> {
        let mut out = csv::writer(BOM.as_bytes().to_vec());
        csv::write_text_record(&mut out, &header)?;
        if let Some(first) = &first {
            write_csv_record(&mut out, first)?;
        }
        out.into_inner().map_err(|e| e.into_error())
    })();
    let state = match head {
        Ok(head) => Body::Head(head),
        Err(_) => Body::Broken,
    };
    futures::stream::unfold((state, rx), |(state, mut rx)| async move {
        match state {
            Body::Head(head) => Some((Ok(Bytes::from(head)), (Body::Rows, rx))),
            Body::Rows => {
                let mut batch = Vec::with_capacity(CHUNK_RECORDS);
                if rx.recv_many(&mut batch, CHUNK_RECORDS).await == 0 {
                    return None;
                }
                match csv_chunk(batch) {
                    Ok(chunk) => Some((Ok(chunk), (Body::Rows, rx))),
                    Err(e) => Some((Err(e), (Body::Broken, rx))),
                }
            }
            Body::Broken => None,
        }
    })
    .fuse()
}

/// Writes BOM, header and every record from `rx` as CSV; returns the number of records.
pub async fn write_csv(
    out: &mut impl Write,
    header: &[String],
    rx: &mut mpsc::Receiver<anyhow::Result<Record>>,
) -> anyhow::Result<u64> {
    out.write_all(BOM.as_bytes())?;
    let mut out = csv::writer(out);
    csv::write_text_record(&mut out, header)?;
    let mut rows = 0;
    while let Some(record) = rx.recv().await {
        write_csv_record(&mut out, &record?)?;
        rows += 1;
    }
    out.flush()?;
    Ok(rows)
}

/// Writes a workbook of one sheet (more beyond Excel's row limit) from records pulled with
/// `next` until it returns `None`, then saves it to `out`; blocking, so run it off the async
/// threads. Returns the writer and the number of records.
pub fn write_xlsx<W: Write + Send>(
    out: W,
    sheet: &str,
    header: &[String],
    mut next: impl FnMut() -> Option<anyhow::Result<Record>>,
) -> anyhow::Result<(W, u64)> {
    let mut book = xlsx::Workbook::new(sheet, header)?;
    let mut rows = 0;
    while let Some(record) = next() {
        book.write_row(&record?)?;
        rows += 1;
    }
    Ok((book.finish(out)?, rows))
}
