//! The project's one CSV reader (RFC 4180, UTF-8): the unit lists, the map, and the files the
//! command line imports (mergers, scores from other systems).
//!
//! Parsing is the `csv` crate's. It is deliberately lenient about stray quotes (it keeps them as
//! text), which in a reviewed data file would silently change a name; so a strict pass first
//! rejects quotes RFC 4180 does not allow, with the line they are on.

/// One CSV record and the line it starts on.
pub struct Record {
    /// 1-based line of the record's first character.
    pub line: usize,
    /// The fields, trimmed: stray spaces in exports are never meaningful in codes or names.
    pub fields: Vec<String>,
}

impl Record {
    /// Field `i`, or "" when the record is shorter (callers check the column count first).
    pub fn get(&self, i: usize) -> &str {
        self.fields.get(i).map_or("", String::as_str)
    }
}

/// Reads all records of `text`. A byte-order mark is ignored (spreadsheet programs write one),
/// blank lines are skipped, and errors carry the line they were found on.
pub fn read_records(text: &str) -> Result<Vec<Record>, (usize, String)> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    check_quotes(text)?;
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut records = Vec::new();
    let mut raw = csv::StringRecord::new();
    loop {
        let line = reader.position().line() as usize;
        match reader.read_record(&mut raw) {
            Ok(false) => break,
            Ok(true) => {}
            Err(error) => {
                let line = error
                    .position()
                    .map_or(line, |position| position.line() as usize);
                return Err((line, error.to_string()));
            }
        }
        let line = raw.position().map_or(line, |p| start_line(text, p));
        let fields: Vec<String> = raw.iter().map(|f| f.trim().to_owned()).collect();
        if fields.len() > 1 || fields.first().is_some_and(|f| !f.is_empty()) {
            records.push(Record { line, fields });
        }
    }
    Ok(records)
}

/// The line a record's first character is on. The `csv` crate reports the position where it
/// started looking, which can be the `\n` of the previous record's `\r\n` or a blank line.
fn start_line(text: &str, position: &csv::Position) -> usize {
    let mut line = position.line() as usize;
    let rest = text
        .as_bytes()
        .get(position.byte() as usize..)
        .unwrap_or_default();
    for (i, &b) in rest.iter().enumerate() {
        match b {
            b'\n' => line += 1,
            b'\r' if rest.get(i + 1) != Some(&b'\n') => line += 1,
            b'\r' => {}
            _ => break,
        }
    }
    line
}

/// Rejects what RFC 4180 forbids and the `csv` crate would accept: a quote inside an unquoted
/// field, text after a closing quote, and a quoted field that never closes.
fn check_quotes(text: &str) -> Result<(), (usize, String)> {
    // Bytes suffice: quotes, commas and line breaks are ASCII, and no byte of a multi-byte UTF-8
    // character is ASCII.
    let bytes = text.as_bytes();
    let mut line = 1;
    let mut opened_on = 0;
    let mut in_quotes = false;
    let mut field_start = true;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        let next = bytes.get(i + 1).copied();
        i += 1;
        if in_quotes {
            match b {
                b'"' if next == Some(b'"') => i += 1,
                b'"' => {
                    in_quotes = false;
                    if !matches!(next, None | Some(b',' | b'\n' | b'\r')) {
                        return Err((line, "unexpected text after a closing quote".to_owned()));
                    }
                }
                b'\n' => line += 1,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' if field_start => {
                in_quotes = true;
                opened_on = line;
            }
            b'"' => {
                return Err((
                    line,
                    "a quote inside an unquoted field; quote the whole field and double the \
                     inner quote"
                        .to_owned(),
                ))
            }
            b'\n' => line += 1,
            b'\r' if next != Some(b'\n') => line += 1,
            _ => {}
        }
        field_start = matches!(b, b',' | b'\n' | b'\r');
    }
    if in_quotes {
        return Err((opened_on, "a quoted field is never closed".to_owned()));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(text: &str) -> Vec<(usize, Vec<String>)> {
        read_records(text)
            .unwrap()
            .into_iter()
            .map(|r| (r.line, r.fields))
            .collect()
    }

    #[test]
    fn records_keep_their_starting_line_across_quoted_line_breaks_and_blank_lines() {
        let text = "\u{feff}a,b\r\n\r\n\"x\ny\", z \n  \nc,\"d \"\"e\"\"\"\n";

        assert_eq!(
            fields(text),
            vec![
                (1, vec!["a".to_owned(), "b".to_owned()]),
                (3, vec!["x\ny".to_owned(), "z".to_owned()]),
                (6, vec!["c".to_owned(), "d \"e\"".to_owned()]),
            ]
        );
    }

    #[test]
    fn quotes_that_rfc_4180_forbids_are_rejected_with_their_line() {
        for (text, line, hint) in [
            ("a,b\nc,d\"e\n", 2, "inside an unquoted field"),
            ("a,b\n\"c\"d,e\n", 2, "after a closing quote"),
            ("a,b\nc,\"d\n\ne\n", 2, "never closed"),
        ] {
            let (found, message) = read_records(text).err().unwrap();

            assert_eq!(found, line, "{text:?}");
            assert!(message.contains(hint), "{text:?}: {message}");
        }
    }
}
