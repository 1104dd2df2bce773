//! `hailong units import FILE [--dry-run]`: mergers, splits and renames of today's communes (a
//! reform after the 2025 one, which the national map already brings) from a CSV file whose format is described in survey-definitions/README.md
//! ("Mergers, splits and renames").
//!
//! The whole file is checked first, on its own (shape, dates, consistency between lines) and then
//! against the database (`Store::import_unit_links`); any problem is reported as `file:line:
//! message` and nothing changes. Changes run in one transaction and an import that was already
//! made changes nothing, so the same file can be applied twice safely.

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;
use app::store::unit_history::{ImportOutcome, ImportProblem, LinkKind, UnitLink};
use clap::Subcommand;

use crate::config::Config;
use crate::startup;

/// `hailong units …`
#[derive(Subcommand, Debug)]
pub enum UnitsAction {
    /// Import mergers, splits and renames of communes from a CSV file (old commune → new
    /// commune, one line each; format in survey-definitions/README.md). Checks the whole file
    /// first and changes nothing if any line is wrong; importing a file again changes nothing.
    Import {
        file: PathBuf,
        /// Check the file and list the changes without making them.
        #[arg(long)]
        dry_run: bool,
    },
}

/// Columns of an import file, in order.
pub const HEADER: [&str; 8] = [
    "ma_xa_cu",
    "ten_xa_cu",
    "ma_xa_moi",
    "ten_xa_moi",
    "cap_moi",
    "ma_huyen_moi",
    "ngay_hieu_luc",
    "nhan_quay",
];
const COMMUNE_KINDS: [&str; 3] = ["Phường", "Xã", "Thị trấn"];
/// Who the audit log names for changes made from the command line.
const ACTOR: &str = "command line";

/// Runs a `units` command, reporting to standard output.
pub async fn run(config: &Config, action: UnitsAction) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    run_to(config, action, &mut out).await
}

/// Runs a `units` command, reporting to `out`. Errors list every problem of the file.
pub async fn run_to(
    config: &Config,
    action: UnitsAction,
    out: &mut impl Write,
) -> anyhow::Result<()> {
    match action {
        UnitsAction::Import { file, dry_run } => import_file(config, &file, dry_run, out).await,
    }
}

async fn import_file(
    config: &Config,
    path: &Path,
    dry_run: bool,
    out: &mut impl Write,
) -> anyhow::Result<()> {
    let name = path.display().to_string();
    let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {name}"))?;
    let links = parse_links(&text).map_err(|problems| refusal(&name, &problems))?;
    let store = startup::open_store(config).await?;
    let outcome = store
        .import_unit_links(&links, &name, ACTOR, dry_run)
        .await
        .context("importing units")?;
    let changes = match outcome {
        ImportOutcome::Refused(problems) => return Err(refusal(&name, &problems)),
        ImportOutcome::Done { changes } => changes,
    };
    if !dry_run && !changes.is_empty() {
        startup::move_users_of_ended_units(&store, ACTOR).await?;
    }
    if changes.is_empty() {
        writeln!(
            out,
            "{name}: already imported: nothing to change ({} lines checked)",
            links.len()
        )?;
        return Ok(());
    }
    for change in &changes {
        writeln!(out, "{change}")?;
    }
    if dry_run {
        writeln!(
            out,
            "{name}: dry run: {} changes would be made; nothing was changed",
            changes.len()
        )?;
    } else {
        writeln!(
            out,
            "{name}: imported {} changes (written to the audit log)",
            changes.len()
        )?;
    }
    Ok(())
}

/// One error listing every problem as `file:line: message`.
fn refusal(file: &str, problems: &[ImportProblem]) -> anyhow::Error {
    let lines: Vec<String> = problems
        .iter()
        .map(|p| format!("{file}:{}: {}", p.line, p.message))
        .collect();
    let count = match problems.len() {
        1 => "1 problem".to_owned(),
        n => format!("{n} problems"),
    };
    anyhow::anyhow!(
        "{file} was not imported, nothing was changed ({count}):\n{}",
        lines.join("\n")
    )
}

/// Parses and checks an import file on its own: the header, every field, and that the lines
/// agree with each other. Returns every problem found, not only the first. The kind of each link
/// follows from the file: an old commune on several lines is split, a new commune on several
/// lines is a merger, anything else is a rename.
pub fn parse_links(text: &str) -> Result<Vec<UnitLink>, Vec<ImportProblem>> {
    let mut problems = Vec::new();
    let mut problem = |line: usize, message: String| problems.push(ImportProblem { line, message });
    let mut records = records(text);
    let Some((header_line, header)) = records.next() else {
        return Err(vec![ImportProblem {
            line: 1,
            message: format!("empty file: expected the header `{}`", HEADER.join(",")),
        }]);
    };
    match header {
        Ok(fields) if fields == HEADER => {}
        Ok(fields) => problem(
            header_line,
            format!(
                "expected the header `{}`, found `{}`",
                HEADER.join(","),
                fields.join(",")
            ),
        ),
        Err(message) => problem(header_line, message),
    }

    let mut links = Vec::new();
    let mut lines = 0;
    for (line, fields) in records {
        lines += 1;
        let fields = match fields {
            Ok(fields) => fields,
            Err(message) => {
                problem(line, message);
                continue;
            }
        };
        match parse_line(&fields) {
            Ok(link) => links.push(UnitLink { line, ..link }),
            Err(messages) => messages.into_iter().for_each(|m| problem(line, m)),
        }
    }
    if lines == 0 {
        problem(header_line, "no lines after the header".to_owned());
    }
    check_consistency(&mut links, &mut problem);
    if problems.is_empty() {
        Ok(links)
    } else {
        problems.sort_by_key(|p| p.line);
        Err(problems)
    }
}

/// One line's fields as a link (line number, kind and `takes_desks` are settled later).
fn parse_line(fields: &[String]) -> Result<UnitLink, Vec<String>> {
    if fields.len() != HEADER.len() {
        return Err(vec![format!(
            "expected {} columns, found {} (quote names that contain commas)",
            HEADER.len(),
            fields.len()
        )]);
    }
    let column = |name: &str| {
        let i = HEADER.iter().position(|h| *h == name).unwrap_or(0);
        fields[i].as_str()
    };
    let mut errors = Vec::new();
    // Today's communes have no district: an empty `ma_huyen_moi` puts the new commune directly
    // under its old communes' province.
    for name in HEADER
        .iter()
        .filter(|h| !matches!(**h, "ma_huyen_moi" | "nhan_quay"))
    {
        if column(name).is_empty() {
            errors.push(format!("`{name}` must not be empty"));
        }
    }
    for name in ["ma_xa_cu", "ma_xa_moi", "ma_huyen_moi"] {
        let code = column(name);
        if !code.is_empty() && !code.bytes().all(|b| b.is_ascii_digit()) {
            errors.push(format!("`{name}`: code `{code}` must contain digits only"));
        }
    }
    let date = column("ngay_hieu_luc");
    if !date.is_empty() && app::clock::parse_day(date).is_none() {
        errors.push(format!(
            "`ngay_hieu_luc`: `{date}` is not a date in the form YYYY-MM-DD"
        ));
    }
    let (kind, name) = (column("cap_moi"), column("ten_xa_moi"));
    if !kind.is_empty() && !COMMUNE_KINDS.contains(&kind) {
        errors.push(format!(
            "`cap_moi`: `{kind}` is not one of: {}",
            COMMUNE_KINDS.join(", ")
        ));
    } else if !name.is_empty()
        && !name
            .strip_prefix(kind)
            .is_some_and(|rest| rest.starts_with(' ') && !rest.trim().is_empty())
    {
        errors.push(format!(
            "`ten_xa_moi`: `{name}` must start with its kind `{kind}`"
        ));
    }
    let takes_desks = match column("nhan_quay") {
        "" => false,
        "x" | "X" => true,
        other => {
            errors.push(format!(
                "`nhan_quay`: write `x` or leave it empty, not `{other}`"
            ));
            false
        }
    };
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(UnitLink {
        line: 0,
        effective_date: date.to_owned(),
        old_code: column("ma_xa_cu").to_owned(),
        old_name: column("ten_xa_cu").to_owned(),
        new_code: column("ma_xa_moi").to_owned(),
        new_name: name.to_owned(),
        new_kind: kind.to_owned(),
        district_code: column("ma_huyen_moi").to_owned(),
        takes_desks,
        kind: LinkKind::Rename,
    })
}

/// Lines must agree: a pair appears once, a new commune is described the same way on every line,
/// an old commune has one name and one date, and a split names the one successor whose desk
/// replaces the old desks. Sets each link's kind and `takes_desks`.
fn check_consistency(links: &mut [UnitLink], problem: &mut impl FnMut(usize, String)) {
    let mut pairs: HashMap<(&str, &str), usize> = HashMap::new();
    let mut first_new: HashMap<&str, &UnitLink> = HashMap::new();
    let mut first_old: HashMap<&str, &UnitLink> = HashMap::new();
    let mut successors: HashMap<&str, Vec<&UnitLink>> = HashMap::new();
    let mut predecessors: HashMap<&str, usize> = HashMap::new();
    for link in links.iter() {
        if let Some(first) = pairs.insert((&link.old_code, &link.new_code), link.line) {
            problem(
                link.line,
                format!(
                    "{} → {} is already on line {first}",
                    link.old_code, link.new_code
                ),
            );
            continue;
        }
        match first_new.get(link.new_code.as_str()) {
            Some(first)
                if (
                    &first.new_name,
                    &first.new_kind,
                    &first.district_code,
                    &first.effective_date,
                ) != (
                    &link.new_name,
                    &link.new_kind,
                    &link.district_code,
                    &link.effective_date,
                ) =>
            {
                problem(
                    link.line,
                    format!(
                        "new commune {} is `{}` ({}, {}, from {}) on line {}, but `{}` ({}, {}, \
                         from {}) here",
                        link.new_code,
                        first.new_name,
                        first.new_kind,
                        district(&first.district_code),
                        first.effective_date,
                        first.line,
                        link.new_name,
                        link.new_kind,
                        district(&link.district_code),
                        link.effective_date
                    ),
                );
            }
            Some(_) => {}
            None => {
                first_new.insert(&link.new_code, link);
            }
        }
        match first_old.get(link.old_code.as_str()) {
            Some(first)
                if (&first.old_name, &first.effective_date)
                    != (&link.old_name, &link.effective_date) =>
            {
                problem(
                    link.line,
                    format!(
                        "commune {} is `{}` retired on {} on line {}, but `{}` retired on {} here",
                        link.old_code,
                        first.old_name,
                        first.effective_date,
                        first.line,
                        link.old_name,
                        link.effective_date
                    ),
                );
            }
            Some(_) => {}
            None => {
                first_old.insert(&link.old_code, link);
            }
        }
        successors.entry(&link.old_code).or_default().push(link);
        *predecessors.entry(&link.new_code).or_default() += 1;
    }
    for (old, next) in &successors {
        let marked: Vec<&UnitLink> = next.iter().copied().filter(|l| l.takes_desks).collect();
        if next.len() > 1 && marked.len() != 1 {
            let codes: Vec<&str> = next.iter().map(|l| l.new_code.as_str()).collect();
            problem(
                next[0].line,
                format!(
                    "commune {old} is split into {}: mark exactly one of its lines with `x` in \
                     `nhan_quay`, the new commune whose desk replaces its desks ({} marked)",
                    codes.join(", "),
                    marked.len()
                ),
            );
        }
    }
    let split: HashMap<String, bool> = successors
        .iter()
        .map(|(old, next)| (old.to_string(), next.len() > 1))
        .collect();
    let merged: HashMap<String, bool> = predecessors
        .iter()
        .map(|(new, n)| (new.to_string(), *n > 1))
        .collect();
    for link in links.iter_mut() {
        let is_split = split.get(&link.old_code).copied().unwrap_or(false);
        link.kind = if is_split {
            LinkKind::Split
        } else if merged.get(&link.new_code).copied().unwrap_or(false) {
            LinkKind::Merge
        } else {
            LinkKind::Rename
        };
        // The only successor of an old commune always takes its desks.
        link.takes_desks |= !is_split;
    }
}

/// A new commune's district as messages name it.
fn district(code: &str) -> String {
    if code.is_empty() {
        "no district".to_owned()
    } else {
        format!("district {code}")
    }
}

/// The records of the file with the line each is on, read by the project's one CSV reader.
/// `#` lines are comments (an example file says what it is): they are blanked, so every line
/// keeps its number. A file the reader refuses gives that one problem, on its line.
fn records(text: &str) -> impl Iterator<Item = (usize, Result<Vec<String>, String>)> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let uncommented: Vec<&str> = text
        .lines()
        .map(|line| {
            if line.trim_start().starts_with('#') {
                ""
            } else {
                line
            }
        })
        .collect();
    let found: Vec<(usize, Result<Vec<String>, String>)> =
        match survey_definitions::csv_file::read_records(&uncommented.join("\n")) {
            Ok(records) => records
                .into_iter()
                .map(|r| (r.line, Ok(r.fields)))
                .collect(),
            Err((line, message)) => vec![(line, Err(message))],
        };
    found.into_iter()
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEAD: &str =
        "ma_xa_cu,ten_xa_cu,ma_xa_moi,ten_xa_moi,cap_moi,ma_huyen_moi,ngay_hieu_luc,nhan_quay\n";

    fn problems(body: &str) -> Vec<String> {
        parse_links(&format!("{HEAD}{body}"))
            .unwrap_err()
            .into_iter()
            .map(|p| format!("{}: {}", p.line, p.message))
            .collect()
    }

    #[test]
    fn kinds_follow_from_the_lines() {
        let links = parse_links(&format!(
            "# EXAMPLE\n{HEAD}\
             1,Xã A,9,Xã M,Xã,,2026-07-01,\n\
             2,Xã B,9,Xã M,Xã,,2026-07-01,\n\
             3,Xã C,7,Xã S,Xã,,2026-07-01,x\n\
             3,Xã C,8,\"Xã T, mới\",Xã,,2026-07-01,\n\
             4,Xã D,6,Phường D,Phường,698,2026-07-01,\n"
        ))
        .unwrap();

        let kinds: Vec<(usize, LinkKind, bool)> = links
            .iter()
            .map(|l| (l.line, l.kind, l.takes_desks))
            .collect();
        assert_eq!(
            kinds,
            vec![
                (3, LinkKind::Merge, true),
                (4, LinkKind::Merge, true),
                (5, LinkKind::Split, true),
                (6, LinkKind::Split, false),
                (7, LinkKind::Rename, true),
            ]
        );
        assert_eq!(links[3].new_name, "Xã T, mới");
        assert_eq!(links[0].district_code, "", "no district");
        assert_eq!(links[4].district_code, "698");
    }

    #[test]
    fn every_problem_is_reported_with_its_line() {
        let found = problems(
            "1,Xã A,9,Xã M,Xã,,2026-02-30,\n\
             1,Xã A,10,Xã M,Xã,,2026-07-01,\n\
             2,Xã B,10,Xã N,Xã,,2026-07-01,\n\
             2,Xã B,10,Xã N,Xã,,2026-07-01,\n\
             3,Xã C,7,Xã S,Xã,,2026-07-01,\n\
             3,Xã C,8,Xã T,Xã,,2026-07-01,\n\
             4a,,6,Phường D,Huyện,,2026-07-01,y\n\
             5,Xã E,5,Xã E\n\
             6,Xã F,11,Xã F,Xã,,2026-07-01,\n\
             7,Xã G,11,Xã F,Xã,698,2026-07-01,\n",
        );

        let expected = [
            "2: `ngay_hieu_luc`: `2026-02-30` is not a date",
            "4: new commune 10 is `Xã M` (Xã, no district, from 2026-07-01) on line 3",
            "5: 2 → 10 is already on line 4",
            "6: commune 3 is split into 7, 8: mark exactly one",
            "8: `ten_xa_cu` must not be empty",
            "8: `ma_xa_cu`: code `4a` must contain digits only",
            "8: `cap_moi`: `Huyện` is not one of",
            "8: `nhan_quay`: write `x` or leave it empty, not `y`",
            "9: expected 8 columns, found 4",
            "11: new commune 11 is `Xã F` (Xã, no district, from 2026-07-01) on line 10, but \
             `Xã F` (Xã, district 698, from 2026-07-01) here",
        ];
        for want in expected {
            assert!(
                found.iter().any(|f| f.starts_with(want)),
                "missing `{want}` in {found:#?}"
            );
        }
        assert_eq!(found.len(), expected.len(), "{found:#?}");
    }

    #[test]
    fn header_and_quotes_are_checked() {
        assert!(parse_links("").unwrap_err()[0]
            .message
            .starts_with("empty file"));
        let wrong = parse_links("ma_xa,ten_xa\n").unwrap_err();
        assert!(
            wrong[0].message.contains("expected the header"),
            "{wrong:?}"
        );
        let only_header = parse_links(HEAD).unwrap_err();
        assert_eq!(only_header[0].message, "no lines after the header");
        assert!(problems("1,\"Xã A,9\n")[0].contains("never closed"));
        assert!(problems("1,Xã \"A\",9,Xã M,Xã,698,2025-07-01,\n")[0].contains("quote inside"));
    }

    #[test]
    fn dates_must_be_real_and_zero_padded() {
        assert!(app::clock::parse_day("2024-02-29").is_some());
        assert!(app::clock::parse_day("2025-02-29").is_none());
        assert!(app::clock::parse_day("2025-7-1").is_none());
        assert!(app::clock::parse_day("01/07/2025").is_none());
    }
}
