//! `hailong score --period P` (score every commune and store the run), `hailong score --verify
//! RUN` (reproduce a stored run from its saved inputs) and `hailong imported` (load scores from
//! other systems).

use std::io::Write;
use std::time::Instant;

use anyhow::Context;
use app::store::assessments::{Actor, ImportedRow};
use survey_definitions::criteria::{CriteriaSet, Source};

use crate::config::Config;
use crate::startup;
use clap::ValueEnum;

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum ReportFormat {
    /// Readable, with the explanation of every leaf.
    Text,
    /// The full report as JSON (with its input and output hashes).
    Json,
}

/// Runs `hailong score …`: verifies a stored run, scores a file of inputs, or scores every
/// commune of the period and stores the run.
pub async fn command(
    config: &Config,
    criteria: Option<String>,
    period: Option<String>,
    inputs: Option<std::path::PathBuf>,
    verify: Option<i64>,
    format: ReportFormat,
    lang: String,
) -> anyhow::Result<()> {
    let lang = survey_definitions::Lang::parse(&lang).context("--lang is vi or en")?;
    if let Some(run) = verify {
        return verify_run(config, run).await;
    }
    let Some(inputs) = inputs else {
        return run(config, criteria.as_deref(), period.as_deref(), format).await;
    };
    let criteria = criteria.context("--inputs needs --criteria ID")?;
    let report = score_file(config, &criteria, &inputs)?;
    match format {
        ReportFormat::Json => println!("{}", serde_json::to_string_pretty(&report)?),
        ReportFormat::Text => print!("{}", report_text(&report, lang)),
    }
    Ok(())
}

/// The set in force that `criteria` or `period` names; exactly one must match.
pub fn pick<'a>(
    sets: &'a [CriteriaSet],
    criteria: Option<&str>,
    period: Option<&str>,
) -> anyhow::Result<&'a CriteriaSet> {
    let known = || {
        sets.iter()
            .map(|s| format!("{} ({} – {})", s.id, s.period.from, s.period.to))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let matching: Vec<&CriteriaSet> = sets
        .iter()
        .filter(|s| criteria.is_none_or(|c| s.id == c))
        .filter(|s| period.is_none_or(|p| s.period.from.starts_with(p) || s.id == p))
        .collect();
    anyhow::ensure!(
        criteria.is_some() || period.is_some(),
        "say which period to score: --period 2025 or --criteria ID (in force: {})",
        known()
    );
    match matching.as_slice() {
        [one] => Ok(one),
        [] => anyhow::bail!(
            "no criteria set in force (HAILONG_CRITERIA) matches; in force: {}",
            known()
        ),
        _ => anyhow::bail!(
            "several criteria sets match; add --criteria ID (in force: {})",
            known()
        ),
    }
}

/// Scores every commune for the period and stores the run; prints the summary and ranking.
pub async fn run(
    config: &Config,
    criteria: Option<&str>,
    period: Option<&str>,
    format: ReportFormat,
) -> anyhow::Result<()> {
    run_to(
        config,
        criteria,
        period,
        format,
        &mut std::io::stdout().lock(),
    )
    .await
}

/// [`run`], writing to `out`.
pub async fn run_to(
    config: &Config,
    criteria: Option<&str>,
    period: Option<&str>,
    format: ReportFormat,
    out: &mut impl Write,
) -> anyhow::Result<()> {
    let (definitions, sets) = startup::load_definitions_and_criteria(config)?;
    let set = pick(&sets, criteria, period)?;
    let store = startup::open_store(config).await?;
    let started = Instant::now();
    let summary = app::scores::runs::run_all(&store, set, &definitions, "hailong score")
        .await
        .context("score run failed")?;
    let elapsed = started.elapsed();
    let ranked = app::store::ranked::ranked_run(&store, summary.run_id)
        .await?
        .with_context(|| format!("run {} was stored but does not read back", summary.run_id))?;
    if let ReportFormat::Json = format {
        let ranking: Vec<serde_json::Value> = ranked.rows.iter().map(ranking_json).collect();
        let json = serde_json::json!({
            "run": summary.run_id,
            "criteria": set.id,
            "criteria_version": set.version,
            "criteria_name": sets.name(set, app::i18n::Lang::Vi),
            "model_criteria": sets.is_model(),
            "period": set.period,
            "communes": summary.communes,
            "passed": summary.passed,
            "insufficient_sample": summary.insufficient,
            "run_hash": summary.run_hash,
            "ranking": ranking,
        });
        writeln!(out, "{}", serde_json::to_string_pretty(&json)?)?;
        return Ok(());
    }
    writeln!(
        out,
        "run {}: {} v{} ({} – {}), {} communes scored in {} ms; {} passed, {} not ranked (sample \
         below minimum)\nrun hash {}\n",
        summary.run_id,
        set.id,
        set.version,
        set.period.from,
        set.period.to,
        summary.communes,
        elapsed.as_millis(),
        summary.passed,
        summary.insufficient,
        summary.run_hash
    )?;
    if sets.is_model() {
        writeln!(out, "{}\n", sets.name(set, app::i18n::Lang::Vi))?;
    }
    write_ranking_text(out, &ranked.rows)?;
    Ok(())
}

/// One commune of the ranking as JSON: places, points, outcome and the headline citizen figure
/// (satisfied share in ten-thousandths, its 95% interval, n).
fn ranking_json(row: &app::store::ranked::RankedCommune) -> serde_json::Value {
    let headline = row.headline.as_ref();
    serde_json::json!({
        "unit": row.code,
        "name": row.name,
        "rank": row.rank,
        "rank_in_district": row.rank_in_district,
        "total": row.total,
        "passed": row.passed,
        "grade": row.grade.as_ref().map(|g| &g.id),
        "sufficient_sample": row.sufficient,
        "satisfied_share": headline.and_then(|c| c.satisfied_share).map(|s| s.ten_thousandths()),
        "ci95": headline.and_then(|c| c.wilson_95).map(|ci| [ci.low.ten_thousandths(), ci.high.ten_thousandths()]),
        "sample": headline.map(|c| c.sample),
    })
}

/// The ranking as a table: place (`-` when not ranked), code, total, grade, headline satisfied
/// share with n, name.
fn write_ranking_text(
    out: &mut impl Write,
    rows: &[app::store::ranked::RankedCommune],
) -> std::io::Result<()> {
    writeln!(
        out,
        "rank  code   total   grade     satisfied        commune"
    )?;
    for row in rows {
        let satisfied = match row.headline.as_ref() {
            Some(c) => format!(
                "{} n={}",
                c.satisfied_share.map_or("-".to_string(), |s| s.to_string()),
                c.sample
            ),
            None => "-".to_string(),
        };
        writeln!(
            out,
            "{:>4}  {:<5}  {:>6}  {:<8}  {:<15}  {}",
            row.rank.map_or("-".to_string(), |r| r.to_string()),
            row.code,
            row.total.to_string(),
            row.grade.as_ref().map_or("-", |g| g.id.as_str()),
            satisfied,
            row.name,
        )?;
    }
    Ok(())
}

/// Re-scores a stored run from its saved inputs with the criteria version it used, and checks
/// each commune's input and output hash and the run hash. Exits with an error on any difference.
pub async fn verify_run(config: &Config, run_id: i64) -> anyhow::Result<()> {
    let definitions = startup::load_definitions(config)?;
    let all = survey_definitions::load_criteria_dir(&config.definitions_dir, &definitions)
        .map_err(|e| anyhow::anyhow!("invalid criteria set: {e}"))?;
    let store = startup::open_store(config).await?;
    let run = store
        .score_run(run_id)
        .await?
        .with_context(|| format!("no score run {run_id}"))?;
    let set = all
        .iter()
        .find(|s| s.id == run.criteria_id && i64::from(s.version) == run.criteria_version)
        .with_context(|| {
            format!(
                "criteria set {} v{} is no longer on disk: restore that file to reproduce run {run_id}",
                run.criteria_id, run.criteria_version
            )
        })?;
    let mut hashes = String::new();
    let mut differences = 0;
    let results = store.score_results(run_id, None).await?;
    for result in &results {
        let input: scoring::ScoringInput =
            serde_json::from_str(&result.input_json).with_context(|| {
                format!(
                    "run {run_id}: the input of {} does not read",
                    result.unit_code
                )
            })?;
        let report = scoring::score(set, &input)
            .map_err(|e| anyhow::anyhow!("{}: {e}", result.unit_code))?;
        if report.input_hash != result.input_hash || report.output_hash != result.output_hash {
            differences += 1;
            println!("DIFFERENT  {}", result.unit_code);
        }
        hashes.push_str(&format!(
            "{} {} {}\n",
            result.unit_code, report.input_hash, report.output_hash
        ));
    }
    let run_hash = scoring::sha256_hex(hashes.as_bytes());
    anyhow::ensure!(
        differences == 0 && run_hash == run.run_hash,
        "run {run_id} does not reproduce: {differences} communes differ; run hash {run_hash}, stored {}",
        run.run_hash
    );
    println!(
        "run {run_id} reproduced: {} communes, every hash matches; run hash {run_hash}",
        results.len()
    );
    Ok(())
}

/// Loads scores from another system from CSV with a header `ma_xa,tieu_chi,diem,nguon`
/// (commune code, leaf id, score on that system's scale, where it was published). The whole file
/// is checked first; nothing is stored if any line is wrong.
pub async fn import_scores(
    config: &Config,
    criteria: &str,
    path: &std::path::Path,
) -> anyhow::Result<()> {
    let (_, sets) = startup::load_definitions_and_criteria(config)?;
    let set = pick(&sets, Some(criteria), None)?;
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let store = startup::open_store(config).await?;
    let mut rows = Vec::new();
    let mut problems = Vec::new();
    let records = survey_definitions::csv_file::read_records(&text)
        .map_err(|(line, message)| anyhow::anyhow!("{}:{line}: {message}", path.display()))?;
    let mut records = records.into_iter();
    anyhow::ensure!(
        records.next().map(|r| r.fields)
            == Some(vec![
                "ma_xa".into(),
                "tieu_chi".into(),
                "diem".into(),
                "nguon".into()
            ]),
        "{}:1: the header must be ma_xa,tieu_chi,diem,nguon",
        path.display()
    );
    for record in records {
        let n = record.line;
        let [code, leaf_id, score, source] = [0, 1, 2, 3].map(|i| record.get(i));
        if record.fields.len() != 4 {
            problems.push(format!("{}:{n}: expected 4 fields", path.display()));
            continue;
        }
        let Some(leaf) = set.leaf(leaf_id) else {
            problems.push(format!(
                "{}:{n}: {} has no leaf `{leaf_id}`",
                path.display(),
                set.id
            ));
            continue;
        };
        let Source::Imported { import_max } = leaf.source else {
            problems.push(format!(
                "{}:{n}: `{leaf_id}` is not an imported leaf",
                path.display()
            ));
            continue;
        };
        let score = match app::domain::dossier::parse_points(score, import_max.hundredths()) {
            Ok(Some(score)) => score,
            Ok(None) => {
                problems.push(format!("{}:{n}: no score", path.display()));
                continue;
            }
            Err(e) => {
                problems.push(format!("{}:{n}: {score}: {e}", path.display()));
                continue;
            }
        };
        if source.is_empty() {
            problems.push(format!(
                "{}:{n}: say where the score was published",
                path.display()
            ));
            continue;
        }
        let Some(unit) = store.commune_by_code(code).await? else {
            problems.push(format!(
                "{}:{n}: no commune with code {code}",
                path.display()
            ));
            continue;
        };
        rows.push(ImportedRow {
            unit_id: unit.id,
            leaf_id: leaf_id.to_string(),
            score,
            source: source.to_string(),
        });
    }
    anyhow::ensure!(
        problems.is_empty(),
        "nothing imported:\n{}",
        problems.join("\n")
    );
    let changed = store
        .set_imported_scores(
            &set.id,
            &rows,
            Actor {
                user_id: None,
                name: "hailong imported",
            },
        )
        .await?;
    println!(
        "{} scores read, {changed} new or changed, for {}",
        rows.len(),
        set.id
    );
    Ok(())
}

/// Scores the inputs in `path` against the highest version of criteria set `criteria_id`.
pub fn score_file(
    config: &Config,
    criteria_id: &str,
    path: &std::path::Path,
) -> anyhow::Result<scoring::Report> {
    let definitions = startup::load_definitions(config)?;
    let sets = survey_definitions::load_criteria_dir(&config.definitions_dir, &definitions)
        .map_err(|e| anyhow::anyhow!("invalid criteria set: {e}"))?;
    let set = sets
        .iter()
        .filter(|s| s.id == criteria_id)
        .max_by_key(|s| s.version)
        .with_context(|| {
            let ids: Vec<&str> = sets.iter().map(|s| s.id.as_str()).collect();
            format!(
                "no criteria set `{criteria_id}` (known: {})",
                ids.join(", ")
            )
        })?;
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let input: scoring::ScoringInput = serde_json::from_str(&text)
        .with_context(|| format!("{} is not a valid scoring input", path.display()))?;
    scoring::score(set, &input).map_err(|e| anyhow::anyhow!("cannot score {}: {e}", path.display()))
}

/// The report as text: every node with its points, each leaf's explanation, then the outcome.
pub fn report_text(report: &scoring::Report, lang: survey_definitions::Lang) -> String {
    use survey_definitions::Lang;
    fn node(out: &mut String, n: &scoring::NodeResult, depth: usize, lang: Lang) {
        let indent = "  ".repeat(depth);
        let bonus = if n.bonus { " (+)" } else { "" };
        out.push_str(&format!(
            "{indent}{} {}: {} / {}{bonus}\n",
            n.id,
            n.name.get(lang),
            n.points,
            n.max
        ));
        if let Some(leaf) = &n.leaf {
            out.push_str(&format!("{indent}    {}\n", leaf.explanation.get(lang)));
        }
        for child in &n.children {
            node(out, child, depth + 1, lang);
        }
    }
    let mut out = format!(
        "{} v{} — {}\n\n",
        report.criteria_id, report.criteria_version, report.unit
    );
    for group in &report.groups {
        node(&mut out, group, 0, lang);
    }
    let (total, bonus, pass, grade, yes, no) = match lang {
        Lang::Vi | Lang::Supplied(_) => (
            "Tổng điểm",
            "điểm cộng",
            "Đạt chuẩn",
            "Xếp loại",
            "có",
            "không",
        ),
        Lang::En => ("Total", "bonus", "Passed", "Grade", "yes", "no"),
    };
    out.push_str(&format!(
        "\n{total}: {} ({} / {} + {} {bonus})\n{pass}: {}\n{grade}: {}\n",
        report.total,
        report.base_points,
        report.scale_max,
        report.bonus_points,
        if report.passed { yes } else { no },
        report
            .grade
            .as_ref()
            .map(|g| g.label.get(lang).to_string())
            .unwrap_or_else(|| "—".into())
    ));
    for k in &report.knockouts {
        out.push_str(&format!("! {}\n", k.explanation.get(lang)));
    }
    out.push_str(&format!(
        "\n{}\ninput {}\noutput {}\n",
        report.summary.get(lang),
        report.input_hash,
        report.output_hash
    ));
    out
}
