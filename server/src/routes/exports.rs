//! Downloads for signed-in staff: responses and score reports as CSV or XLSX
//! (`/exports/responses.csv`, `.xlsx`; `/exports/scores.csv`, `.xlsx`). Each checks the session
//! and limits the data to the user's commune or district; see `crate::exports` for the filters
//! and the streaming.

use std::io::{BufWriter, Read, Seek};

use app::state::AppState;
use axum::body::{Body, Bytes};
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use tokio::sync::{mpsc, oneshot};

use super::problem::{internal, problem};
use super::signed_in::{AnyStaff, Staff};
use crate::exports::{
    self, ExportError, ExportFormat, Record, ResponseFilter, ResponseQuery, Scope, ScoreQuery,
};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/exports/responses.csv", get(responses_csv))
        .route("/exports/responses.xlsx", get(responses_xlsx))
        .route("/exports/scores.csv", get(scores_csv))
        .route("/exports/scores.xlsx", get(scores_xlsx))
}

type ResponseParams = Result<Query<ResponseQuery>, QueryRejection>;
type ScoreParams = Result<Query<ScoreQuery>, QueryRejection>;

async fn responses_csv(
    state: State<AppState>,
    staff: Staff<AnyStaff>,
    q: ResponseParams,
) -> Response {
    responses(state, staff, q, ExportFormat::Csv).await
}

async fn responses_xlsx(
    state: State<AppState>,
    staff: Staff<AnyStaff>,
    q: ResponseParams,
) -> Response {
    responses(state, staff, q, ExportFormat::Xlsx).await
}

async fn scores_csv(state: State<AppState>, staff: Staff<AnyStaff>, q: ScoreParams) -> Response {
    scores(state, staff, q, ExportFormat::Csv).await
}

async fn scores_xlsx(state: State<AppState>, staff: Staff<AnyStaff>, q: ScoreParams) -> Response {
    scores(state, staff, q, ExportFormat::Xlsx).await
}

fn refusal(e: ExportError) -> Response {
    match e {
        ExportError::BadRequest(m) => problem(StatusCode::BAD_REQUEST, &m),
        ExportError::Forbidden(m) => problem(StatusCode::FORBIDDEN, &m),
        ExportError::NotFound(m) => problem(StatusCode::NOT_FOUND, &m),
        ExportError::Store(e) => internal(e),
    }
}

/// The signed-in user's scope (every role may export what it may see).
async fn exporter(state: &AppState, staff: Staff<AnyStaff>) -> Result<Scope, Response> {
    let me = staff.me;
    let unit = state
        .store
        .user_by_id(me.id)
        .await
        .map_err(internal)?
        .and_then(|u| u.unit_id);
    Scope::of(me.role, unit, me.assigned).ok_or_else(|| {
        problem(
            StatusCode::FORBIDDEN,
            "Tài khoản của ông/bà chưa gắn với xã hoặc huyện nào.",
        )
    })
}

fn bad_query(_: QueryRejection) -> Response {
    problem(
        StatusCode::BAD_REQUEST,
        "Địa chỉ tải xuống không hợp lệ. Vui lòng mở lại từ trang của hệ thống.",
    )
}

async fn responses(
    State(state): State<AppState>,
    staff: Staff<AnyStaff>,
    query: ResponseParams,
    format: ExportFormat,
) -> Response {
    let scope = match exporter(&state, staff).await {
        Ok(scope) => scope,
        Err(refused) => return refused,
    };
    let Query(query) = match query {
        Ok(q) => q,
        Err(e) => return bad_query(e),
    };
    let filter = match ResponseFilter::parse(&query, app::clock::today_date()) {
        Ok(f) => f,
        Err(e) => return refusal(e),
    };
    let store_filter = match exports::response_export_filter(&state.store, &filter, &scope).await {
        Ok(f) => f,
        Err(e) => return refusal(e),
    };
    let questions = exports::question_columns(&state.definitions);
    let header = exports::response_header(&questions, &store_filter);
    let rx = exports::spawn_responses(state.store.clone(), questions, store_filter);
    let name = exports::file_name(
        "responses",
        &[filter.district.as_deref(), filter.commune.as_deref()],
        format,
    );
    match format {
        ExportFormat::Csv => csv_response(header, rx, &name).await,
        ExportFormat::Xlsx => xlsx_response("Phiếu khảo sát", header, rx, &name).await,
    }
}

async fn scores(
    State(state): State<AppState>,
    staff: Staff<AnyStaff>,
    query: ScoreParams,
    format: ExportFormat,
) -> Response {
    let scope = match exporter(&state, staff).await {
        Ok(scope) => scope,
        Err(refused) => return refused,
    };
    let Query(query) = match query {
        Ok(q) => q,
        Err(e) => return bad_query(e),
    };
    let Some(set) = app::assessment::api::pick_criteria(&state, query.criteria.as_deref()) else {
        let known: Vec<&str> = state.criteria.iter().map(|s| s.id.as_str()).collect();
        return problem(
            StatusCode::BAD_REQUEST,
            &format!(
                "Không có bộ tiêu chí «{}» đang áp dụng (có: {}).",
                query.criteria.as_deref().unwrap_or_default(),
                known.join(", ")
            ),
        );
    };
    let export = match exports::score_records(&state.store, set, &query, &scope).await {
        Ok(export) => export,
        Err(e) => return refusal(e),
    };
    let (header, records) = (export.header, export.records);
    let name = exports::file_name(
        "scores",
        &[
            Some(set.id.as_str()),
            query.district.as_deref().filter(|d| !d.trim().is_empty()),
            query.commune.as_deref().filter(|c| !c.trim().is_empty()),
        ],
        format,
    );
    // A few hundred communes at most: the rows are ready, the channel only shares the writers.
    let (tx, rx) = mpsc::channel(records.len().max(1));
    for record in records {
        let _ = tx.try_send(Ok(record));
    }
    drop(tx);
    match format {
        ExportFormat::Csv => csv_response(header, rx, &name).await,
        ExportFormat::Xlsx => xlsx_response("Kết quả chấm điểm", header, rx, &name).await,
    }
}

/// The headers of every download (the audit log's too).
pub(super) fn download_headers(
    format: ExportFormat,
    name: &str,
) -> [(header::HeaderName, HeaderValue); 3] {
    [
        (
            header::CONTENT_TYPE,
            HeaderValue::from_static(format.content_type()),
        ),
        (
            header::CONTENT_DISPOSITION,
            HeaderValue::from_str(&format!("attachment; filename=\"{name}\""))
                .unwrap_or_else(|_| HeaderValue::from_static("attachment")),
        ),
        // Personal data: no copy in shared caches, nor in the browser's.
        (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
    ]
}

/// Streams the CSV. The first record is awaited before answering, so a database that fails at
/// once gives an error page rather than a truncated file.
async fn csv_response(
    header: Vec<String>,
    mut rx: mpsc::Receiver<anyhow::Result<Record>>,
    name: &str,
) -> Response {
    let first = match rx.recv().await {
        Some(Ok(record)) => Some(record),
        Some(Err(e)) => return internal(format!("{e:#}")),
        None => None,
    };
    let body = Body::from_stream(exports::csv_stream(header, first, rx));
    (download_headers(ExportFormat::Csv, name), body).into_response()
}

/// Chunks read from the finished workbook file at a time.
const FILE_CHUNK: usize = 64 * 1024;

/// Writes the workbook row by row into an anonymous temporary file (removed by the system when
/// closed, even after a crash), then streams the file. Both run on a blocking thread: the zip
/// writer does synchronous I/O.
async fn xlsx_response(
    sheet: &'static str,
    header: Vec<String>,
    mut rx: mpsc::Receiver<anyhow::Result<Record>>,
    name: &str,
) -> Response {
    let (ready_tx, ready_rx) = oneshot::channel::<anyhow::Result<u64>>();
    let (body_tx, body_rx) = mpsc::channel::<Result<Bytes, std::io::Error>>(4);
    tokio::task::spawn_blocking(move || {
        let built = (|| -> anyhow::Result<(std::fs::File, u64)> {
            let file = tempfile::tempfile()?;
            // A client that went away stops the work (and, by dropping `rx`, the query).
            let next = || {
                if ready_tx.is_closed() {
                    Some(Err(anyhow::anyhow!("the client went away")))
                } else {
                    rx.blocking_recv()
                }
            };
            let (writer, _) = exports::write_xlsx(BufWriter::new(file), sheet, &header, next)?;
            let mut file = writer.into_inner().map_err(|e| e.into_error())?;
            let len = file.stream_position()?;
            file.rewind()?;
            Ok((file, len))
        })();
        let mut file = match built {
            Ok((file, len)) => {
                if ready_tx.send(Ok(len)).is_err() {
                    return;
                }
                file
            }
            Err(e) => {
                let _ = ready_tx.send(Err(e));
                return;
            }
        };
        let mut buf = vec![0u8; FILE_CHUNK];
        loop {
            let chunk = match file.read(&mut buf) {
                Ok(0) => return,
                Ok(n) => Ok(Bytes::copy_from_slice(&buf[..n])),
                Err(e) => Err(e),
            };
            let failed = chunk.is_err();
            if body_tx.blocking_send(chunk).is_err() || failed {
                return;
            }
        }
    });
    let len = match ready_rx.await {
        Ok(Ok(len)) => len,
        Ok(Err(e)) => return internal(format!("{e:#}")),
        Err(_) => return internal("the workbook writer stopped"),
    };
    let mut body_rx = body_rx;
    let stream = futures::stream::poll_fn(move |cx| body_rx.poll_recv(cx));
    let mut response = (
        download_headers(ExportFormat::Xlsx, name),
        Body::from_stream(stream),
    )
        .into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_LENGTH, HeaderValue::from(len));
    response
}
