//! Minimal CSV writing (RFC 4180 quoting), enough for exports without another dependency.

use std::io::{self, Write};

/// Writes one record, quoting fields that need it, terminated by CRLF as RFC 4180 says.
pub fn write_record<W: Write, S: AsRef<str>>(out: &mut W, fields: &[S]) -> io::Result<()> {
    for (i, field) in fields.iter().enumerate() {
        if i > 0 {
            out.write_all(b",")?;
        }
        let field = field.as_ref();
        if field.contains([',', '"', '\n', '\r']) {
            out.write_all(b"\"")?;
            out.write_all(field.replace('"', "\"\"").as_bytes())?;
            out.write_all(b"\"")?;
        } else {
            out.write_all(field.as_bytes())?;
        }
    }
    out.write_all(b"\r\n")
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
}
