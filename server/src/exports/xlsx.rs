//! A minimal XLSX (Office Open XML spreadsheet) writer that streams rows into the zip, so a
//! workbook of a million rows needs no more memory than one row.
//!
//! The package holds only what Excel, LibreOffice and readers such as calamine need: content
//! types, the package and workbook relationships, a style sheet (a bold header), the workbook
//! and its sheets. Strings are inline (`t="inlineStr"`) rather than in a shared-strings table,
//! which would have to be held in memory until the end. Parts are written in an order that lets
//! each be written once: the workbook, which lists the sheets, comes last.
//! Format: ECMA-376 Part 1, §18 (SpreadsheetML) and Part 2 (packaging).

use std::io::{self, Seek, Write};

use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipWriter};

use super::Cell;

/// Rows of a sheet in Excel, header included; a longer export continues on another sheet.
const MAX_ROWS: u32 = 1_048_576;
/// Characters of a cell in Excel.
const MAX_CELL_CHARS: usize = 32_767;

const MAIN_NS: &str = "http://schemas.openxmlformats.org/spreadsheetml/2006/main";
const REL_NS: &str = "http://schemas.openxmlformats.org/package/2006/relationships";
const DOC_REL: &str = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";

/// Every `.xml` part without an override is a worksheet, so the content types can be written
/// first, before the number of sheets is known.
const CONTENT_TYPES: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n\
<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">\
<Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/>\
<Default Extension=\"xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml\"/>\
<Override PartName=\"/xl/workbook.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml\"/>\
<Override PartName=\"/xl/styles.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml\"/>\
</Types>";

/// Style 0 is the default; style 1 is bold (the header row).
const STYLES: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n\
<styleSheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\">\
<fonts count=\"2\"><font><sz val=\"11\"/><name val=\"Calibri\"/></font>\
<font><b/><sz val=\"11\"/><name val=\"Calibri\"/></font></fonts>\
<fills count=\"2\"><fill><patternFill patternType=\"none\"/></fill>\
<fill><patternFill patternType=\"gray125\"/></fill></fills>\
<borders count=\"1\"><border><left/><right/><top/><bottom/><diagonal/></border></borders>\
<cellStyleXfs count=\"1\"><xf numFmtId=\"0\" fontId=\"0\" fillId=\"0\" borderId=\"0\"/></cellStyleXfs>\
<cellXfs count=\"2\"><xf numFmtId=\"0\" fontId=\"0\" fillId=\"0\" borderId=\"0\" xfId=\"0\"/>\
<xf numFmtId=\"0\" fontId=\"1\" fillId=\"0\" borderId=\"0\" xfId=\"0\" applyFont=\"1\"/></cellXfs>\
<cellStyles count=\"1\"><cellStyle name=\"Normal\" xfId=\"0\" builtinId=\"0\"/></cellStyles>\
</styleSheet>";

/// A workbook being written: rows go to the current sheet, straight into the compressed zip.
pub struct Workbook<W: Write + Seek> {
    zip: ZipWriter<W>,
    sheet_name: String,
    header: Vec<String>,
    /// Sheets started so far.
    sheets: u32,
    /// Rows of the current sheet, header included; 0 when no sheet is open.
    rows: u32,
    line: Vec<u8>,
}

fn options() -> SimpleFileOptions {
    SimpleFileOptions::default().compression_method(CompressionMethod::Deflated)
}

fn zip_error(e: zip::result::ZipError) -> io::Error {
    io::Error::other(e)
}

impl<W: Write + Seek> Workbook<W> {
    /// Starts the package; `sheet_name` names the first sheet (later ones get " (2)", " (3)"…).
    pub fn new(out: W, sheet_name: &str, header: &[String]) -> io::Result<Workbook<W>> {
        let mut zip = ZipWriter::new(out);
        for (name, text) in [
            ("[Content_Types].xml", CONTENT_TYPES.to_string()),
            ("_rels/.rels", package_rels()),
            ("xl/styles.xml", STYLES.to_string()),
        ] {
            zip.start_file(name, options()).map_err(zip_error)?;
            zip.write_all(text.as_bytes())?;
        }
        Ok(Workbook {
            zip,
            sheet_name: sheet_name_safe(sheet_name),
            header: header.to_vec(),
            sheets: 0,
            rows: 0,
            line: Vec::with_capacity(4096),
        })
    }

    /// Appends a row to the current sheet, starting a new sheet when Excel's limit is reached.
    pub fn write_row(&mut self, cells: &[Cell]) -> io::Result<()> {
        if self.rows == 0 || self.rows >= MAX_ROWS {
            self.start_sheet()?;
        }
        self.rows += 1;
        self.line.clear();
        row_xml(&mut self.line, self.rows, cells, false);
        self.zip.write_all(&self.line)
    }

    fn start_sheet(&mut self) -> io::Result<()> {
        if self.rows > 0 {
            self.zip.write_all(SHEET_END.as_bytes())?;
        }
        self.sheets += 1;
        self.zip
            .start_file(format!("xl/worksheets/sheet{}.xml", self.sheets), options())
            .map_err(zip_error)?;
        self.zip.write_all(sheet_start().as_bytes())?;
        self.rows = 1;
        self.line.clear();
        let header: Vec<Cell> = self.header.iter().cloned().map(Cell::Text).collect();
        row_xml(&mut self.line, 1, &header, true);
        self.zip.write_all(&self.line)
    }

    /// Closes the last sheet, writes the workbook and returns the underlying writer.
    pub fn finish(mut self) -> io::Result<W> {
        if self.rows == 0 {
            // No record: the header alone, so the file still says what it would hold.
            self.start_sheet()?;
        }
        self.zip.write_all(SHEET_END.as_bytes())?;
        let mut sheets = String::new();
        let mut rels = String::new();
        for n in 1..=self.sheets {
            let name = if n == 1 {
                self.sheet_name.clone()
            } else {
                format!("{} ({n})", self.sheet_name)
            };
            sheets.push_str(&format!(
                "<sheet name=\"{}\" sheetId=\"{n}\" r:id=\"rId{n}\"/>",
                escape(&name)
            ));
            rels.push_str(&format!(
                "<Relationship Id=\"rId{n}\" Type=\"{DOC_REL}/worksheet\" \
                 Target=\"worksheets/sheet{n}.xml\"/>"
            ));
        }
        rels.push_str(&format!(
            "<Relationship Id=\"rIdStyles\" Type=\"{DOC_REL}/styles\" Target=\"styles.xml\"/>"
        ));
        let workbook = format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n\
             <workbook xmlns=\"{MAIN_NS}\" xmlns:r=\"{DOC_REL}\"><sheets>{sheets}</sheets></workbook>"
        );
        let workbook_rels = format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n\
             <Relationships xmlns=\"{REL_NS}\">{rels}</Relationships>"
        );
        for (name, text) in [
            ("xl/workbook.xml", workbook),
            ("xl/_rels/workbook.xml.rels", workbook_rels),
        ] {
            self.zip.start_file(name, options()).map_err(zip_error)?;
            self.zip.write_all(text.as_bytes())?;
        }
        self.zip.finish().map_err(zip_error)
    }
}

fn package_rels() -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n\
         <Relationships xmlns=\"{REL_NS}\"><Relationship Id=\"rId1\" \
         Type=\"{DOC_REL}/officeDocument\" Target=\"xl/workbook.xml\"/></Relationships>"
    )
}

/// The sheet's start: the header row stays in view when scrolling.
fn sheet_start() -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n\
         <worksheet xmlns=\"{MAIN_NS}\"><sheetViews><sheetView workbookViewId=\"0\">\
         <pane ySplit=\"1\" topLeftCell=\"A2\" activePane=\"bottomLeft\" state=\"frozen\"/>\
         </sheetView></sheetViews><sheetData>"
    )
}

const SHEET_END: &str = "</sheetData></worksheet>";

/// Appends `<row>` number `row` (1-based) with its cells; empty cells are left out.
fn row_xml(out: &mut Vec<u8>, row: u32, cells: &[Cell], bold: bool) {
    out.extend_from_slice(format!("<row r=\"{row}\">").as_bytes());
    let style = if bold { " s=\"1\"" } else { "" };
    for (i, cell) in cells.iter().enumerate() {
        let reference = format!("{}{row}", column_name(i));
        match cell {
            Cell::Empty => {}
            Cell::Text(text) if text.is_empty() => {}
            Cell::Text(text) => {
                out.extend_from_slice(
                    format!(
                        "<c r=\"{reference}\"{style} t=\"inlineStr\"><is><t xml:space=\"preserve\">"
                    )
                    .as_bytes(),
                );
                out.extend_from_slice(escape(text).as_bytes());
                out.extend_from_slice(b"</t></is></c>");
            }
            Cell::Int(_) | Cell::Decimal { .. } => {
                out.extend_from_slice(
                    format!("<c r=\"{reference}\"{style}><v>{}</v></c>", cell.text()).as_bytes(),
                );
            }
        }
    }
    out.extend_from_slice(b"</row>");
}

/// `A`, …, `Z`, `AA`, … for the 0-based column `index`.
fn column_name(index: usize) -> String {
    let mut n = index + 1;
    let mut name = Vec::new();
    while n > 0 {
        let rem = (n - 1) % 26;
        name.push(b'A' + rem as u8);
        n = (n - 1) / 26;
    }
    name.reverse();
    String::from_utf8(name).unwrap_or_default()
}

/// Text as valid XML character data, as Excel reads it back unchanged: markup characters
/// escaped; characters XML 1.0 forbids (controls other than tab and line ends, U+FFFE, U+FFFF)
/// dropped; a literal `_xHHHH_`, which Excel would read as an escaped character, protected by
/// escaping its underscore; at most the 32,767 characters a cell holds.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let chars: Vec<char> = text.chars().take(MAX_CELL_CHARS).collect();
    for (i, &c) in chars.iter().enumerate() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{fffe}' || c == '\u{ffff}' => {}
            '_' if looks_escaped(&chars[i..]) => out.push_str("_x005F_"),
            c => out.push(c),
        }
    }
    out
}

/// Whether `chars` starts with `_xHHHH_`.
fn looks_escaped(chars: &[char]) -> bool {
    chars.len() >= 7
        && chars[1] == 'x'
        && chars[2..6].iter().all(char::is_ascii_hexdigit)
        && chars[6] == '_'
}

/// Excel refuses sheet names with `[]:*?/\` or longer than 31 characters.
fn sheet_name_safe(name: &str) -> String {
    let cleaned: String = name
        .chars()
        .filter(|c| !matches!(c, '[' | ']' | ':' | '*' | '?' | '/' | '\\'))
        .take(26)
        .collect();
    if cleaned.trim().is_empty() {
        "Sheet".into()
    } else {
        cleaned
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_are_named_like_excel() {
        assert_eq!(column_name(0), "A");
        assert_eq!(column_name(25), "Z");
        assert_eq!(column_name(26), "AA");
        assert_eq!(column_name(27), "AB");
        assert_eq!(column_name(701), "ZZ");
        assert_eq!(column_name(702), "AAA");
    }

    #[test]
    fn text_is_valid_xml_and_reads_back_unchanged() {
        assert_eq!(
            escape("a & b < c > \"d\" 'e'"),
            "a &amp; b &lt; c &gt; &quot;d&quot; &apos;e&apos;"
        );
        assert_eq!(escape("bell\u{7}\u{0}tab\tline\n"), "belltab\tline\n");
        assert_eq!(escape("Xã Tân Thành"), "Xã Tân Thành");
        assert_eq!(escape("_x0041_ and _x_"), "_x005F_x0041_ and _x_");
        assert_eq!(escape(&"ă".repeat(40_000)).chars().count(), MAX_CELL_CHARS);
    }

    #[test]
    fn rows_hold_numbers_as_numbers_and_skip_empty_cells() {
        let mut out = Vec::new();
        row_xml(
            &mut out,
            2,
            &[
                Cell::Int(5),
                Cell::Empty,
                Cell::Text("Tốt <lắm>".into()),
                Cell::Decimal {
                    value: 8475,
                    decimals: 2,
                },
            ],
            false,
        );
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "<row r=\"2\"><c r=\"A2\"><v>5</v></c>\
             <c r=\"C2\" t=\"inlineStr\"><is><t xml:space=\"preserve\">Tốt &lt;lắm&gt;</t></is></c>\
             <c r=\"D2\"><v>84.75</v></c></row>"
        );
    }

    #[test]
    fn a_workbook_is_a_zip_with_its_parts() {
        let mut book = Workbook::new(
            std::io::Cursor::new(Vec::new()),
            "Phiếu khảo sát",
            &["id".to_string(), "comment".to_string()],
        )
        .unwrap();
        book.write_row(&[Cell::Int(1), Cell::Text("Rất tốt".into())])
            .unwrap();
        let bytes = book.finish().unwrap().into_inner();
        assert!(bytes.starts_with(b"PK\x03\x04"));
        let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
        let names: Vec<String> = archive
            .file_names()
            .map(|n| n.unwrap().into_owned())
            .collect();
        assert_eq!(names[0], "[Content_Types].xml");
        for part in [
            "xl/workbook.xml",
            "xl/_rels/workbook.xml.rels",
            "xl/worksheets/sheet1.xml",
            "xl/styles.xml",
            "_rels/.rels",
        ] {
            assert!(names.iter().any(|n| n == part), "{part} in {names:?}");
        }
        let mut sheet = String::new();
        std::io::Read::read_to_string(
            &mut archive.by_name("xl/worksheets/sheet1.xml").unwrap(),
            &mut sheet,
        )
        .unwrap();
        assert!(sheet.contains("<row r=\"2\"><c r=\"A2\"><v>1</v></c>"));
        assert!(sheet.contains("Rất tốt"));
        assert!(sheet.ends_with("</sheetData></worksheet>"));
    }
}
