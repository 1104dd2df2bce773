//! Fingerprints of inputs and reports: SHA-256 over a canonical JSON form.
//!
//! A stored report can then be checked years later: score the stored inputs again and compare
//! hashes. SHA-256 comes from the `sha2` crate the workspace already uses (pure computation, no
//! I/O); the tests below pin it to the FIPS 180-4 test vectors.

use std::fmt::{self, Write as _};

use serde::ser::{self, Serialize};

/// The canonical JSON form of `value`: compact (no spaces or newlines), struct fields in
/// declaration order, map entries in the map's own order (every map in the engine's types is a
/// `BTreeMap`, so sorted by key), strings with only `"`, `\` and control characters escaped
/// (`\u00XX`), integers in decimal, floats in Rust's shortest round-trip form (`0.7`, `15.0`),
/// `None` as `null`.
///
/// The same value always gives the same bytes, on every platform; the result is valid JSON.
///
/// # Panics
///
/// If `value` holds a non-finite float or a map with non-string keys. The engine's types hold
/// neither: [`Points`](crate::Points) and [`Share`](crate::Share) are integers underneath and
/// every map is keyed by id.
pub fn canonical_json<T: Serialize + ?Sized>(value: &T) -> String {
    let mut out = String::new();
    value
        .serialize(Canonical { out: &mut out })
        .expect("engine types serialise to canonical JSON");
    out
}

/// SHA-256 of `bytes` as 64 lowercase hex digits.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    let mut hex = String::with_capacity(64);
    for byte in Sha256::digest(bytes) {
        let _ = write!(hex, "{byte:02x}");
    }
    hex
}

/// Why a value has no canonical form.
#[derive(Debug)]
struct CanonicalError(String);

impl fmt::Display for CanonicalError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for CanonicalError {}

impl ser::Error for CanonicalError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        CanonicalError(msg.to_string())
    }
}

type Result<T = ()> = std::result::Result<T, CanonicalError>;

/// A serde serializer writing the canonical JSON form into `out`.
struct Canonical<'a> {
    out: &'a mut String,
}

fn write_str(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if u32::from(c) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

fn write_float(out: &mut String, v: f64) -> Result {
    if !v.is_finite() {
        return Err(CanonicalError(format!("{v} has no JSON form")));
    }
    let _ = write!(out, "{v:?}");
    Ok(())
}

impl<'a> ser::Serializer for Canonical<'a> {
    type Ok = ();
    type Error = CanonicalError;
    type SerializeSeq = Seq<'a>;
    type SerializeTuple = Seq<'a>;
    type SerializeTupleStruct = Seq<'a>;
    type SerializeTupleVariant = Seq<'a>;
    type SerializeMap = Map<'a>;
    type SerializeStruct = Map<'a>;
    type SerializeStructVariant = Map<'a>;

    fn serialize_bool(self, v: bool) -> Result {
        self.out.push_str(if v { "true" } else { "false" });
        Ok(())
    }
    fn serialize_i8(self, v: i8) -> Result {
        self.serialize_i64(i64::from(v))
    }
    fn serialize_i16(self, v: i16) -> Result {
        self.serialize_i64(i64::from(v))
    }
    fn serialize_i32(self, v: i32) -> Result {
        self.serialize_i64(i64::from(v))
    }
    fn serialize_i64(self, v: i64) -> Result {
        let _ = write!(self.out, "{v}");
        Ok(())
    }
    fn serialize_u8(self, v: u8) -> Result {
        self.serialize_u64(u64::from(v))
    }
    fn serialize_u16(self, v: u16) -> Result {
        self.serialize_u64(u64::from(v))
    }
    fn serialize_u32(self, v: u32) -> Result {
        self.serialize_u64(u64::from(v))
    }
    fn serialize_u64(self, v: u64) -> Result {
        let _ = write!(self.out, "{v}");
        Ok(())
    }
    fn serialize_f32(self, v: f32) -> Result {
        write_float(self.out, f64::from(v))
    }
    fn serialize_f64(self, v: f64) -> Result {
        write_float(self.out, v)
    }
    fn serialize_char(self, v: char) -> Result {
        write_str(self.out, v.encode_utf8(&mut [0; 4]));
        Ok(())
    }
    fn serialize_str(self, v: &str) -> Result {
        write_str(self.out, v);
        Ok(())
    }
    fn serialize_bytes(self, v: &[u8]) -> Result {
        use ser::SerializeSeq;
        let mut seq = self.serialize_seq(Some(v.len()))?;
        for byte in v {
            seq.serialize_element(byte)?;
        }
        seq.end()
    }
    fn serialize_none(self) -> Result {
        self.serialize_unit()
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result {
        self.out.push_str("null");
        Ok(())
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result {
        self.serialize_unit()
    }
    fn serialize_unit_variant(self, _: &'static str, _: u32, variant: &'static str) -> Result {
        self.serialize_str(variant)
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(self, _: &'static str, value: &T) -> Result {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        value: &T,
    ) -> Result {
        self.out.push('{');
        write_str(self.out, variant);
        self.out.push(':');
        value.serialize(Canonical {
            out: &mut *self.out,
        })?;
        self.out.push('}');
        Ok(())
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Seq<'a>> {
        self.out.push('[');
        Ok(Seq {
            out: self.out,
            first: true,
            close: "]",
        })
    }
    fn serialize_tuple(self, len: usize) -> Result<Seq<'a>> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_struct(self, _: &'static str, len: usize) -> Result<Seq<'a>> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        _: usize,
    ) -> Result<Seq<'a>> {
        self.out.push('{');
        write_str(self.out, variant);
        self.out.push_str(":[");
        Ok(Seq {
            out: self.out,
            first: true,
            close: "]}",
        })
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Map<'a>> {
        self.out.push('{');
        Ok(Map {
            out: self.out,
            first: true,
            close: "}",
        })
    }
    fn serialize_struct(self, _: &'static str, len: usize) -> Result<Map<'a>> {
        self.serialize_map(Some(len))
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        _: usize,
    ) -> Result<Map<'a>> {
        self.out.push('{');
        write_str(self.out, variant);
        self.out.push_str(":{");
        Ok(Map {
            out: self.out,
            first: true,
            close: "}}",
        })
    }
}

struct Seq<'a> {
    out: &'a mut String,
    first: bool,
    close: &'static str,
}

impl Seq<'_> {
    fn element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result {
        if !std::mem::take(&mut self.first) {
            self.out.push(',');
        }
        value.serialize(Canonical {
            out: &mut *self.out,
        })
    }

    fn finish(self) -> Result {
        self.out.push_str(self.close);
        Ok(())
    }
}

impl ser::SerializeSeq for Seq<'_> {
    type Ok = ();
    type Error = CanonicalError;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result {
        self.element(value)
    }
    fn end(self) -> Result {
        self.finish()
    }
}

impl ser::SerializeTuple for Seq<'_> {
    type Ok = ();
    type Error = CanonicalError;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result {
        self.element(value)
    }
    fn end(self) -> Result {
        self.finish()
    }
}

impl ser::SerializeTupleStruct for Seq<'_> {
    type Ok = ();
    type Error = CanonicalError;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result {
        self.element(value)
    }
    fn end(self) -> Result {
        self.finish()
    }
}

impl ser::SerializeTupleVariant for Seq<'_> {
    type Ok = ();
    type Error = CanonicalError;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result {
        self.element(value)
    }
    fn end(self) -> Result {
        self.finish()
    }
}

struct Map<'a> {
    out: &'a mut String,
    first: bool,
    close: &'static str,
}

impl Map<'_> {
    fn separator(&mut self) {
        if !std::mem::take(&mut self.first) {
            self.out.push(',');
        }
    }

    fn field<T: Serialize + ?Sized>(&mut self, key: &str, value: &T) -> Result {
        self.separator();
        write_str(self.out, key);
        self.out.push(':');
        value.serialize(Canonical {
            out: &mut *self.out,
        })
    }

    fn finish(self) -> Result {
        self.out.push_str(self.close);
        Ok(())
    }
}

impl ser::SerializeMap for Map<'_> {
    type Ok = ();
    type Error = CanonicalError;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result {
        self.separator();
        key.serialize(KeyOnly {
            out: &mut *self.out,
        })?;
        self.out.push(':');
        Ok(())
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result {
        value.serialize(Canonical {
            out: &mut *self.out,
        })
    }
    fn end(self) -> Result {
        self.finish()
    }
}

impl ser::SerializeStruct for Map<'_> {
    type Ok = ();
    type Error = CanonicalError;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, key: &'static str, value: &T) -> Result {
        self.field(key, value)
    }
    fn end(self) -> Result {
        self.finish()
    }
}

impl ser::SerializeStructVariant for Map<'_> {
    type Ok = ();
    type Error = CanonicalError;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, key: &'static str, value: &T) -> Result {
        self.field(key, value)
    }
    fn end(self) -> Result {
        self.finish()
    }
}

/// Map keys must be strings (as in JSON); anything else has no canonical form here.
struct KeyOnly<'a> {
    out: &'a mut String,
}

fn not_a_string_key<T>() -> Result<T> {
    Err(CanonicalError("map keys must be strings".to_owned()))
}

impl ser::Serializer for KeyOnly<'_> {
    type Ok = ();
    type Error = CanonicalError;
    type SerializeSeq = ser::Impossible<(), CanonicalError>;
    type SerializeTuple = ser::Impossible<(), CanonicalError>;
    type SerializeTupleStruct = ser::Impossible<(), CanonicalError>;
    type SerializeTupleVariant = ser::Impossible<(), CanonicalError>;
    type SerializeMap = ser::Impossible<(), CanonicalError>;
    type SerializeStruct = ser::Impossible<(), CanonicalError>;
    type SerializeStructVariant = ser::Impossible<(), CanonicalError>;

    fn serialize_str(self, v: &str) -> Result {
        write_str(self.out, v);
        Ok(())
    }
    fn serialize_unit_variant(self, _: &'static str, _: u32, variant: &'static str) -> Result {
        self.serialize_str(variant)
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(self, _: &'static str, value: &T) -> Result {
        value.serialize(self)
    }
    fn serialize_bool(self, _: bool) -> Result {
        not_a_string_key()
    }
    fn serialize_i8(self, _: i8) -> Result {
        not_a_string_key()
    }
    fn serialize_i16(self, _: i16) -> Result {
        not_a_string_key()
    }
    fn serialize_i32(self, _: i32) -> Result {
        not_a_string_key()
    }
    fn serialize_i64(self, _: i64) -> Result {
        not_a_string_key()
    }
    fn serialize_u8(self, _: u8) -> Result {
        not_a_string_key()
    }
    fn serialize_u16(self, _: u16) -> Result {
        not_a_string_key()
    }
    fn serialize_u32(self, _: u32) -> Result {
        not_a_string_key()
    }
    fn serialize_u64(self, _: u64) -> Result {
        not_a_string_key()
    }
    fn serialize_f32(self, _: f32) -> Result {
        not_a_string_key()
    }
    fn serialize_f64(self, _: f64) -> Result {
        not_a_string_key()
    }
    fn serialize_char(self, _: char) -> Result {
        not_a_string_key()
    }
    fn serialize_bytes(self, _: &[u8]) -> Result {
        not_a_string_key()
    }
    fn serialize_none(self) -> Result {
        not_a_string_key()
    }
    fn serialize_some<T: Serialize + ?Sized>(self, _: &T) -> Result {
        not_a_string_key()
    }
    fn serialize_unit(self) -> Result {
        not_a_string_key()
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result {
        not_a_string_key()
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result {
        not_a_string_key()
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Self::SerializeSeq> {
        not_a_string_key()
    }
    fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple> {
        not_a_string_key()
    }
    fn serialize_tuple_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleStruct> {
        not_a_string_key()
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant> {
        not_a_string_key()
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Self::SerializeMap> {
        not_a_string_key()
    }
    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Self::SerializeStruct> {
        not_a_string_key()
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant> {
        not_a_string_key()
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use serde::Serialize;

    use super::*;

    #[test]
    fn sha256_matches_the_fips_test_vectors() {
        assert_eq!(
            sha256_hex(b""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        // Two blocks: the padding spills over.
        assert_eq!(
            sha256_hex(b"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"
        );
        assert_eq!(
            sha256_hex(&[b'a'; 1000]),
            "41edece42d63e8d9bf515a9ba6932e1c20cbc9f5a5d134645adb5db1b9737ea3"
        );
    }

    #[derive(Serialize)]
    #[serde(tag = "kind", rename_all = "snake_case")]
    enum Kind {
        Linear { from: f64 },
        Plain,
    }

    #[derive(Serialize)]
    struct Sample {
        name: String,
        share: f64,
        count: u64,
        missing: Option<u8>,
        pair: [u64; 2],
        by_id: BTreeMap<String, bool>,
        kinds: Vec<Kind>,
    }

    #[test]
    fn canonical_json_is_compact_ordered_and_escaped() {
        let sample = Sample {
            name: "Xã \"Tân\"\n\\".to_owned(),
            share: 0.7,
            count: 15,
            missing: None,
            pair: [1, 2],
            by_id: [("b".to_owned(), true), ("a".to_owned(), false)].into(),
            kinds: vec![Kind::Linear { from: 15.0 }, Kind::Plain],
        };

        assert_eq!(
            canonical_json(&sample),
            r#"{"name":"Xã \"Tân\"\u000a\\","share":0.7,"count":15,"missing":null,"pair":[1,2],"by_id":{"a":false,"b":true},"kinds":[{"kind":"linear","from":15.0},{"kind":"plain"}]}"#
        );
    }
}
