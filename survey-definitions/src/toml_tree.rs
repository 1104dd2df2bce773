//! A TOML document as a tree that remembers where each key and value sits in the file.
//!
//! Survey and manifest files are read through this tree rather than straight into serde structs,
//! so every complaint can name the exact field path (`questions[3].label.en`) *and* the line, for
//! missing keys, unknown keys, wrong types and semantic rules alike. `serde(deny_unknown_fields)`
//! would give the line of an unknown key but not the path of a missing one.

use std::cell::Cell;
use std::collections::BTreeMap;
use std::ops::Range;
use std::sync::OnceLock;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use toml::Spanned;

use crate::DefinitionError;

/// One TOML value with spans on every nested key and value.
#[derive(Debug)]
pub(crate) enum Value {
    String(String),
    Integer(i64),
    Float,
    Boolean(bool),
    Datetime,
    Array(Vec<Node>),
    Table(Vec<(Key, Node)>),
}

/// A value and where it sits. toml gives no span for some values (tables implied by dotted keys
/// such as `label.vi = ...`), so the span is optional and the reader falls back to the parent's.
#[derive(Debug)]
pub(crate) struct Node {
    pub span: Option<Range<usize>>,
    pub value: Value,
}

/// A table key and where it sits (also optional, for the same reason as [`Node`]).
#[derive(Debug)]
pub(crate) struct Key {
    pub span: Option<Range<usize>>,
    pub name: String,
}

impl Value {
    /// toml hands a date to serde as a one-entry table under a private key; it is told apart here
    /// so that a reviewer reads "found a date", not "found a table".
    fn table(entries: Vec<(Key, Node)>) -> Value {
        match entries.as_slice() {
            [(key, _)] if key.name.starts_with("$__toml_private") => Value::Datetime,
            _ => Value::Table(entries),
        }
    }

    fn type_name(&self) -> &'static str {
        match self {
            Value::String(_) => "a string",
            Value::Integer(_) => "an integer",
            Value::Float => "a decimal number",
            Value::Boolean(_) => "true/false",
            Value::Datetime => "a date (write dates in quotes, e.g. \"2024-01-01\")",
            Value::Array(_) => "a list",
            Value::Table(_) => "a table",
        }
    }
}

/// The private struct name and field names through which toml hands out spans
/// (`toml::Spanned`'s protocol). They are read from `Spanned`'s own `Deserialize` impl instead of
/// being copied here, so a toml upgrade cannot silently turn every span off.
fn span_protocol() -> (&'static str, &'static [&'static str]) {
    static PROTOCOL: OnceLock<(&'static str, &'static [&'static str])> = OnceLock::new();
    *PROTOCOL.get_or_init(|| {
        let recorder = ProtocolRecorder(Cell::new(None));
        let _ = Spanned::<()>::deserialize(&recorder);
        recorder
            .0
            .get()
            .expect("toml::Spanned deserializes through deserialize_struct")
    })
}

struct ProtocolRecorder(Cell<Option<(&'static str, &'static [&'static str])>>);

impl<'de> Deserializer<'de> for &ProtocolRecorder {
    type Error = de::value::Error;

    fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Self::Error> {
        Err(de::Error::custom("only records the span protocol"))
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        fields: &'static [&'static str],
        _: V,
    ) -> Result<V::Value, Self::Error> {
        self.0.set(Some((name, fields)));
        Err(de::Error::custom("only records the span protocol"))
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        option unit unit_struct newtype_struct seq tuple tuple_struct map enum identifier
        ignored_any
    }
}

/// Asks for a span and accepts an answer with or without one.
fn deserialize_located<'de, D, V>(deserializer: D, visitor: V) -> Result<V::Value, D::Error>
where
    D: Deserializer<'de>,
    V: Visitor<'de>,
{
    let (name, fields) = span_protocol();
    deserializer.deserialize_struct(name, fields, visitor)
}

/// The three entries of a spanned value, in the order toml sends them: start, end, value.
fn read_span<'de, A: MapAccess<'de>>(map: &mut A) -> Result<Range<usize>, A::Error> {
    let start: usize = map.next_value()?;
    let _end_key: Option<String> = map.next_key()?;
    let end: usize = map.next_value()?;
    let _value_key: Option<String> = map.next_key()?;
    Ok(start..end)
}

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserialize_located(deserializer, NodeVisitor)
    }
}

struct NodeVisitor;

impl<'de> Visitor<'de> for NodeVisitor {
    type Value = Node;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a TOML value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Node, E> {
        Ok(Node::unlocated(Value::Boolean(v)))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Node, E> {
        Ok(Node::unlocated(Value::Integer(v)))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Node, E> {
        ValueVisitor.visit_u64(v).map(Node::unlocated)
    }
    fn visit_f64<E>(self, _: f64) -> Result<Node, E> {
        Ok(Node::unlocated(Value::Float))
    }
    fn visit_str<E>(self, v: &str) -> Result<Node, E> {
        Ok(Node::unlocated(Value::String(v.to_owned())))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Node, A::Error> {
        ValueVisitor.visit_seq(seq).map(Node::unlocated)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Node, A::Error> {
        let Some(first) = map.next_key::<Key>()? else {
            return Ok(Node::unlocated(Value::Table(Vec::new())));
        };
        if first.name == span_protocol().1[0] {
            let span = read_span(&mut map)?;
            let value: Value = map.next_value()?;
            return Ok(Node {
                span: Some(span),
                value,
            });
        }
        // No span on offer: this is the table itself, already one key in.
        let mut entries = vec![(first, map.next_value()?)];
        while let Some(key) = map.next_key()? {
            entries.push((key, map.next_value()?));
        }
        Ok(Node::unlocated(Value::table(entries)))
    }
}

impl Node {
    fn unlocated(value: Value) -> Node {
        Node { span: None, value }
    }
}

impl<'de> Deserialize<'de> for Key {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserialize_located(deserializer, KeyVisitor)
    }
}

struct KeyVisitor;

impl<'de> Visitor<'de> for KeyVisitor {
    type Value = Key;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a TOML key")
    }
    fn visit_str<E>(self, v: &str) -> Result<Key, E> {
        Ok(Key {
            span: None,
            name: v.to_owned(),
        })
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Key, A::Error> {
        let _start_key: Option<String> = map.next_key()?;
        let span = read_span(&mut map)?;
        Ok(Key {
            span: Some(span),
            name: map.next_value()?,
        })
    }
}

impl<'de> Deserialize<'de> for Value {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(ValueVisitor)
    }
}

struct ValueVisitor;

impl<'de> Visitor<'de> for ValueVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a TOML value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Boolean(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Integer(v))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Value, E> {
        i64::try_from(v)
            .map(Value::Integer)
            .map_err(|_| E::custom("integer is too large"))
    }
    fn visit_f64<E>(self, _: f64) -> Result<Value, E> {
        Ok(Value::Float)
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut entries = Vec::new();
        while let Some(key) = map.next_key()? {
            entries.push((key, map.next_value()?));
        }
        Ok(Value::table(entries))
    }
}

/// Why a definition file was rejected, before the file name is known to be attached.
#[derive(Debug)]
pub(crate) struct Fail {
    pub path: String,
    pub span: Option<Range<usize>>,
    pub message: String,
}

impl Fail {
    pub fn new(path: &str, span: Option<Range<usize>>, message: impl Into<String>) -> Fail {
        Fail {
            path: path.to_owned(),
            span,
            message: message.into(),
        }
    }

    /// Attaches the file and turns the byte offset into the line a reviewer looks for.
    pub fn into_error(self, file: &str, text: &str) -> DefinitionError {
        DefinitionError {
            file: file.to_owned(),
            line: self.span.map(|s| line_of(text, s.start)),
            field: (!self.path.is_empty()).then_some(self.path),
            message: self.message,
        }
    }
}

/// 1-based line number of a byte offset.
pub(crate) fn line_of(text: &str, offset: usize) -> usize {
    let end = offset.min(text.len());
    text.as_bytes()[..end]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

/// Parses a whole document; syntax errors come back with the line the TOML parser pointed at.
pub(crate) fn parse_document(file: &str, text: &str) -> Result<Node, DefinitionError> {
    let mut root: Node = toml::from_str(text).map_err(|e| DefinitionError {
        file: file.to_owned(),
        line: e.span().map(|s| line_of(text, s.start)),
        field: None,
        message: e.message().trim_end().to_owned(),
    })?;
    root.span.get_or_insert(0..0);
    Ok(root)
}

/// Where each field path was found, so rules checked on the typed value can still name a line.
#[derive(Debug, Default)]
pub(crate) struct Spans(BTreeMap<String, Range<usize>>);

impl Spans {
    fn record(&mut self, path: &str, span: &Option<Range<usize>>) {
        if let Some(span) = span {
            self.0.insert(path.to_owned(), span.clone());
        }
    }

    /// The span of `path`, or of its nearest recorded parent (`a[1].b` → `a[1]` → `a`).
    pub fn find(&self, path: &str) -> Option<Range<usize>> {
        let mut path = path;
        loop {
            if let Some(span) = self.0.get(path) {
                return Some(span.clone());
            }
            let cut = path.rfind(['.', '['])?;
            path = &path[..cut];
        }
    }
}

/// The keys of one TOML table, read one by one so that leftovers can be reported as unknown.
pub(crate) struct Table<'a> {
    path: String,
    span: Option<Range<usize>>,
    entries: &'a [(Key, Node)],
}

impl<'a> Table<'a> {
    /// A child path such as `questions[0].label`.
    pub fn child(&self, key: &str) -> String {
        if self.path.is_empty() {
            key.to_owned()
        } else {
            format!("{}.{key}", self.path)
        }
    }

    /// A value that may be absent.
    pub fn optional(&self, key: &str, spans: &mut Spans) -> Option<Field<'a>> {
        let (key_at, node) = self.entries.iter().find(|(k, _)| k.name == key)?;
        let span = node
            .span
            .clone()
            .or_else(|| key_at.span.clone())
            .or_else(|| self.span.clone());
        let path = self.child(key);
        spans.record(&path, &span);
        Some(Field { path, node, span })
    }

    /// A value that must be present; a missing one is reported at the line of its table.
    pub fn required(&self, key: &str, spans: &mut Spans) -> Result<Field<'a>, Fail> {
        self.optional(key, spans).ok_or_else(|| {
            Fail::new(
                &self.child(key),
                self.span.clone(),
                format!("missing key `{key}`"),
            )
        })
    }

    /// Rejects a key this table must not have, with a reason (e.g. it belongs to another kind).
    pub fn forbid(&self, key: &str, why: &str) -> Result<(), Fail> {
        match self.entries.iter().find(|(k, _)| k.name == key) {
            Some((k, node)) => Err(Fail::new(
                &self.child(key),
                k.span.clone().or_else(|| node.span.clone()),
                why,
            )),
            None => Ok(()),
        }
    }

    /// Every key with its value, in file order, for tables whose keys are data (the words of a
    /// translation) rather than a fixed set.
    pub fn entries(&self) -> impl Iterator<Item = (&'a str, Field<'a>)> + '_ {
        self.entries.iter().map(|(key, node)| {
            let span = key
                .span
                .clone()
                .or_else(|| node.span.clone())
                .or_else(|| self.span.clone());
            let field = Field {
                path: self.child(&format!("{:?}", key.name)),
                node,
                span,
            };
            (key.name.as_str(), field)
        })
    }

    /// Rejects any key outside `allowed`. Checked before anything is read, so that a typo
    /// (`titel`) is reported as itself rather than as the missing key it was meant to be.
    pub fn allow(&self, allowed: &[&str]) -> Result<(), Fail> {
        match self
            .entries
            .iter()
            .find(|(k, _)| !allowed.contains(&k.name.as_str()))
        {
            Some((key, node)) => Err(Fail::new(
                &self.child(&key.name),
                key.span
                    .clone()
                    .or_else(|| node.span.clone())
                    .or_else(|| self.span.clone()),
                format!(
                    "unknown key `{}`; allowed here: {}",
                    key.name,
                    allowed.join(", ")
                ),
            )),
            None => Ok(()),
        }
    }
}

/// One value, the path it was found at, and its span (or its nearest parent's).
pub(crate) struct Field<'a> {
    pub path: String,
    node: &'a Node,
    span: Option<Range<usize>>,
}

impl<'a> Field<'a> {
    fn wrong_type(&self, expected: &str) -> Fail {
        Fail::new(
            &self.path,
            self.span.clone(),
            format!("expected {expected}, found {}", self.node.value.type_name()),
        )
    }

    /// A complaint about this value.
    pub fn fail(&self, message: impl Into<String>) -> Fail {
        Fail::new(&self.path, self.span.clone(), message)
    }

    pub fn str(&self) -> Result<&'a str, Fail> {
        match &self.node.value {
            Value::String(s) => Ok(s),
            _ => Err(self.wrong_type("a string")),
        }
    }

    pub fn integer(&self) -> Result<i64, Fail> {
        match &self.node.value {
            Value::Integer(i) => Ok(*i),
            _ => Err(self.wrong_type("an integer")),
        }
    }

    pub fn boolean(&self) -> Result<bool, Fail> {
        match &self.node.value {
            Value::Boolean(b) => Ok(*b),
            _ => Err(self.wrong_type("true or false")),
        }
    }

    /// The items of a list, each with its indexed path (`questions[2]`).
    pub fn array(&self, spans: &mut Spans) -> Result<Vec<Field<'a>>, Fail> {
        match &self.node.value {
            Value::Array(items) => Ok(items
                .iter()
                .enumerate()
                .map(|(i, node)| {
                    let path = format!("{}[{i}]", self.path);
                    let span = node.span.clone().or_else(|| self.span.clone());
                    spans.record(&path, &span);
                    Field { path, node, span }
                })
                .collect()),
            _ => Err(self.wrong_type("a list")),
        }
    }

    pub fn table(&self) -> Result<Table<'a>, Fail> {
        match &self.node.value {
            Value::Table(entries) => Ok(Table {
                path: self.path.clone(),
                span: self.span.clone(),
                entries,
            }),
            _ => Err(self.wrong_type("a table")),
        }
    }
}

/// The root table of a parsed document.
pub(crate) fn root(doc: &Node) -> Result<Table<'_>, Fail> {
    Field {
        path: String::new(),
        node: doc,
        span: doc.span.clone(),
    }
    .table()
}
