//! Exports of responses and score reports as CSV and XLSX, shared by the HTTP routes
//! (`routes::exports`) and `hailong export`. Each part has its own file:
//! - `record`: a row of an export and its cells, the file formats, the errors;
//! - `filter`: the response filters as typed, checked (`ResponseFilter`);
//! - `scope`: which communes the exporting user may see (`Scope`, `UnitFilter`);
//! - `responses`: the responses export's columns and its streaming reader;
//! - `scores`: the score export, one row per commune of the latest run;
//! - `writers`: CSV (streamed or whole) and XLSX (`xlsx`) writers of records.
//!
//! Responses are streamed: a task reads the database row by row and sends one record per
//! response through a bounded channel, and the consumer writes CSV chunks to the HTTP body (or a
//! file), or writes the workbook row by row into temporary files. Memory stays flat whatever the
//! number of responses; a slow client slows the query down instead of filling memory.
//!
//! CSV is UTF-8 with a byte order mark, CRLF line ends and RFC 4180 quoting, with text cells
//! neutralised against formula injection (`crate::csv`). Numbers use a decimal point (`84.75`),
//! whatever the reader's locale, so the files stay machine-readable; the XLSX cells hold real
//! numbers, and text cells are always text, never formulas.

mod filter;
mod record;
mod responses;
mod scope;
mod scores;
mod writers;
pub mod xlsx;

pub use filter::{ResponseFilter, ResponseQuery};
pub use record::{file_name, Cell, ExportError, ExportFormat, Record};
pub use responses::{
    question_columns, response_export_filter, response_header, spawn_responses,
    write_responses_csv, ResponseExport,
};
pub use scope::{Scope, UnitFilter};
pub use scores::{score_records, ScoreExport, ScoreQuery, NOT_RANKED};
pub use writers::{csv_bytes, csv_stream, write_csv, write_xlsx};
