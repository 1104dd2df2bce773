//! Periodic reports in the official format of Vietnamese administrative documents (thể thức văn
//! bản, Nghị định 30/2020/NĐ-CP): the frame (issuing body, number left for the clerk, Quốc hiệu
//! and Tiêu ngữ, place and date, title, recipients, signature) around the figures of
//! `app::reports`, written with the dashboard's `Satisfaction::text`. The content is written
//! here once, into a [`Document`]: the filed PDF (`pdf.rs`) or the editable Word file
//! (`docx.rs`).

pub mod document;
pub mod docx;
pub mod kept;
pub mod layout;
pub mod pdf;

use anyhow::Context;
use app::criteria::CriteriaInForce;
use app::figures::FigureText;
use app::i18n::Lang;
use app::reports::{CommuneReport, ReportCommune, ReportPeriod};
use app::store::Store;
use survey_definitions::Survey;

pub use document::Issuer;
use document::{Align, Bar, Body, Column, Document, TABLE};

/// What a report is about.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Scope {
    /// One commune, by its official code.
    Commune(String),
    /// Every commune of the province in force in the period.
    Province,
}

impl Scope {
    /// How the kept reports name the scope: `province`, or the commune's code.
    pub fn kept_key(&self) -> String {
        match self {
            Scope::Commune(code) => code.clone(),
            Scope::Province => app::store::kept_reports::PROVINCE_SCOPE.to_string(),
        }
    }
}

/// The file a report is written as.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// The document that is filed: fixed layout, fonts embedded.
    Pdf,
    /// An editable Word document with the same content, for a clerk to adapt.
    Docx,
}

impl Format {
    pub fn extension(self) -> &'static str {
        match self {
            Format::Pdf => "pdf",
            Format::Docx => "docx",
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Format::Pdf => "application/pdf",
            Format::Docx => {
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
            }
        }
    }
}

/// The report's file: the figures of `app::reports` for `scope` and `period`, in the frame of
/// `issuer`. `criteria` are the sets in force (the one whose period holds the report's gives
/// the points and rank).
pub async fn report_file(
    store: &Store,
    survey: &Survey,
    criteria: &CriteriaInForce,
    issuer: &Issuer,
    scope: Scope,
    period: ReportPeriod,
    format: Format,
) -> anyhow::Result<Vec<u8>> {
    Ok(
        made_report(store, survey, criteria, issuer, scope, period, format)
            .await?
            .file,
    )
}

/// The default survey and the issuer of a report made today: the province in force today.
pub async fn today_frame<'a>(
    store: &Store,
    definitions: &'a survey_definitions::Definitions,
) -> anyhow::Result<(&'a Survey, Issuer)> {
    let survey = definitions
        .latest(survey_definitions::DEFAULT_SURVEY_ID)
        .context("the default survey is missing")?;
    let today = app::clock::today();
    let province_name = store
        .province_name_on(&today)
        .await?
        .context("no province is in force today")?;
    Ok((
        survey,
        Issuer {
            province_name,
            date: today,
        },
    ))
}

/// A report as made, with the data it was made from.
pub struct MadeReport {
    pub file: Vec<u8>,
    /// The answers its figures count (every commune's, for the province).
    pub responses: i64,
    /// The score run whose points and ranks it shows: (run id, check code).
    pub score_run: Option<(i64, String)>,
}

/// [`report_file`], with the answers counted and the score run shown, read from the figures the
/// document is written from.
pub async fn made_report(
    store: &Store,
    survey: &Survey,
    criteria: &CriteriaInForce,
    issuer: &Issuer,
    scope: Scope,
    period: ReportPeriod,
    format: Format,
) -> anyhow::Result<MadeReport> {
    let run_of = |report: &app::reports::CommuneReport| {
        report
            .score
            .as_ref()
            .map(|s| (s.run_id, s.run_hash.clone()))
    };
    match scope {
        Scope::Commune(code) => {
            let row = store
                .commune_by_code(&code)
                .await?
                .with_context(|| format!("no commune has the code {code}"))?;
            let commune = ReportCommune {
                id: row.id,
                code: row.code,
                name: row.name,
            };
            let scores = app::reports::Scores::read(store, criteria, &period.days()).await?;
            let report =
                app::reports::commune_report(store, survey, scores.as_ref(), commune, period)
                    .await?;
            Ok(MadeReport {
                file: match format {
                    Format::Pdf => commune_document(pdf::Pdf::new()?, &report, issuer)?,
                    Format::Docx => commune_document(docx::Word::new(), &report, issuer)?,
                },
                responses: report.overall.responses,
                score_run: run_of(&report),
            })
        }
        Scope::Province => {
            let reports = app::reports::province_report(store, survey, criteria, period).await?;
            Ok(MadeReport {
                file: match format {
                    Format::Pdf => province_document(pdf::Pdf::new()?, &reports, period, issuer)?,
                    Format::Docx => province_document(docx::Word::new(), &reports, period, issuer)?,
                },
                responses: reports.iter().map(|r| r.overall.responses).sum(),
                score_run: reports.iter().find_map(run_of),
            })
        }
    }
}

/// The comments marked as complaints beside the unfavourable ratings, when there are any:
/// ` và 2 ý kiến được cán bộ đánh dấu là phản ánh`.
fn marked_text(marked: i64) -> String {
    if marked == 0 {
        String::new()
    } else {
        format!(
            " và {} ý kiến được cán bộ đánh dấu là phản ánh",
            app::format::count(marked, Lang::Vi)
        )
    }
}

/// The figure with its interval: `75,0% (khoảng tin cậy 95%: 30,1–95,4%)`.
fn share_with_interval(f: &FigureText) -> String {
    if f.interval.is_empty() {
        f.satisfied.clone()
    } else {
        format!("{} (khoảng tin cậy 95%: {})", f.satisfied, f.interval)
    }
}

/// The elements' satisfied shares, as the chart draws them.
fn element_bars(report: &CommuneReport) -> Vec<Bar> {
    report
        .elements
        .iter()
        .map(|(name, s)| Bar {
            label: name.get(Lang::Vi).to_string(),
            tenths: s.share_tenths(),
            value: s.text(None, Lang::Vi).satisfied,
        })
        .collect()
}

/// The overall question's satisfied share step by step; a step without answers has no bar.
fn trend_bars(report: &CommuneReport) -> Vec<Bar> {
    report
        .trend
        .iter()
        .map(|(label, s)| Bar {
            label: label.clone(),
            tenths: s.share_tenths(),
            value: s.text(None, Lang::Vi).satisfied,
        })
        .collect()
}

fn subtitle(period: ReportPeriod, days: &app::figures::Period) -> String {
    format!(
        "Kết quả khảo sát sự hài lòng của người dân, tổ chức đối với Trung tâm Phục vụ hành chính công {} (từ {})",
        period.title_vi(),
        days.label(Lang::Vi).replace('–', " đến ")
    )
}

/// One commune's report, written into `doc`.
pub fn commune_document<D: Document>(
    mut doc: D,
    report: &CommuneReport,
    issuer: &Issuer,
) -> anyhow::Result<Vec<u8>> {
    let commune = &report.commune.name;
    doc.frame_top(
        &Body::Commune(commune.clone()),
        "BC-UBND",
        issuer,
        &subtitle(report.period, &report.days),
    );
    commune_body(&mut doc, report);
    doc.frame_bottom(
        &[
            format!("- Sở Nội vụ {};", issuer.province_name),
            format!("- Chủ tịch, các Phó Chủ tịch UBND {commune};"),
            "- Lưu: VT.".to_string(),
        ],
        Some("TM. ỦY BAN NHÂN DÂN"),
        "CHỦ TỊCH",
    );
    doc.finish()
}

fn commune_body<D: Document>(doc: &mut D, report: &CommuneReport) {
    let now = report.overall.text(Some(&report.days), Lang::Vi);
    let before = report.previous.text(Some(&report.previous_days), Lang::Vi);
    let change = report.overall.change_text(&report.previous, Lang::Vi);
    let commune = &report.commune.name;

    doc.heading("I. KẾT QUẢ CHUNG");
    doc.says(&format!(
            "Trong kỳ báo cáo ({}), Trung tâm Phục vụ hành chính công {commune} (mã {}) nhận được {} phiếu khảo \
             sát; {} phiếu trả lời câu hỏi về mức độ hài lòng chung, trong đó tỷ lệ hài lòng \
             (mức 4–5: \"Hài lòng\", \"Rất hài lòng\") là {}. So với kỳ trước ({}): {}.",
            now.period,
            report.commune.code,
            now.responses,
            now.rated,
            share_with_interval(&now),
            before.period,
            change,
        ),
    );
    doc.table(
        &columns(&[(3.0, Align::Left), (2.0, Align::Right), (2.0, Align::Right)]),
        &["Chỉ tiêu", "Kỳ báo cáo", "Kỳ trước"],
        &[
            vec![
                "Số phiếu".into(),
                now.responses.clone(),
                before.responses.clone(),
            ],
            vec![
                "Số trả lời câu hỏi hài lòng chung".into(),
                now.rated.clone(),
                before.rated.clone(),
            ],
            vec![
                "Tỷ lệ hài lòng".into(),
                now.satisfied.clone(),
                before.satisfied.clone(),
            ],
            vec![
                "Khoảng tin cậy 95%".into(),
                or_dash(&now.interval),
                or_dash(&before.interval),
            ],
            vec!["Thay đổi so với kỳ trước".into(), change, String::new()],
        ],
        TABLE,
    );
    doc.gap(8.0);
    if !report.trend.is_empty() {
        let step = match report.days.day_count() {
            ..=31 => "mỗi cột là một ngày",
            32..=184 => "mỗi cột là bảy ngày, ghi ngày đầu",
            _ => "mỗi cột là một tháng",
        };
        doc.says(&format!(
            "Diễn biến tỷ lệ hài lòng chung trong kỳ ({step}; không có cột: không có phiếu):"
        ));
        doc.trend(&trend_bars(report));
    }

    doc.heading("II. MỨC ĐỘ HÀI LÒNG THEO CÁC YẾU TỐ");
    doc.says(
        "Tỷ lệ hài lòng với câu hỏi chung và với từng yếu tố của chỉ số SIPAS trong kỳ báo cáo:",
    );
    let rows: Vec<Vec<String>> = report
        .elements
        .iter()
        .map(|(name, s)| {
            let t = s.text(None, Lang::Vi);
            vec![
                name.get(Lang::Vi).to_string(),
                t.rated,
                t.satisfied,
                or_dash(&t.interval),
            ]
        })
        .collect();
    doc.table(
        &columns(&[
            (4.0, Align::Left),
            (1.6, Align::Right),
            (1.8, Align::Right),
            (2.2, Align::Right),
        ]),
        &[
            "Yếu tố",
            "Số trả lời",
            "Tỷ lệ hài lòng",
            "Khoảng tin cậy 95%",
        ],
        &rows,
        TABLE,
    );
    doc.gap(10.0);
    doc.bars(&element_bars(report));

    doc.heading("III. TỶ LỆ PHẢN HỒI THEO QUẦY");
    let rows: Vec<Vec<String>> = report
        .desks
        .iter()
        .map(|d| {
            let (dossiers, rate, note) = d.rate.text(Lang::Vi);
            let t = d.satisfaction.text(None, Lang::Vi);
            vec![d.name.clone(), t.responses, dossiers, rate, note]
        })
        .collect();
    doc.table(
        &columns(&[
            (3.2, Align::Left),
            (1.2, Align::Right),
            (1.2, Align::Right),
            (1.3, Align::Right),
            (3.0, Align::Left),
        ]),
        &["Quầy", "Số phiếu", "Số hồ sơ", "Tỷ lệ phản hồi", "Ghi chú"],
        &rows,
        TABLE,
    );
    doc.gap(8.0);

    doc.heading("IV. Ý KIẾN KHÔNG HÀI LÒNG VÀ PHIẾU BỊ GẮN CỜ");
    let count = |n: i64| app::format::count(n, Lang::Vi);
    doc.says(&format!(
        "Trong kỳ có {} phiếu đánh giá chưa hài lòng (mức 1–3){}; đã xử lý xong {}, còn {} \
             chưa xử lý xong.",
        count(report.unfavourable),
        marked_text(report.marked),
        count(report.resolved),
        count(report.open()),
    ));
    doc.says(&format!(
        "Phiếu bị hệ thống gắn cờ: {} phiếu vẫn được tính vào số liệu, {} phiếu đang chờ \
             người duyệt xem xét (chưa tính).",
        count(report.flags.counted),
        count(report.flags.held),
    ));
    for c in &report.independent {
        doc.says(
            format!(
                "Đối chiếu với khảo sát độc lập của tỉnh ({}, {}, {}): tại quầy {} (n = {}; \
                 khoảng tin cậy 95%: {}), khảo sát của tỉnh {} (n = {}; {}). {}",
                c.source,
                c.element,
                c.period,
                c.desk_share,
                c.desk_rated,
                c.desk_interval,
                c.share,
                c.sample,
                c.interval,
                c.note
            )
            .trim_end(),
        );
    }

    if let Some(score) = &report.score {
        doc.heading("V. KẾT QUẢ CHẤM ĐIỂM");
        let rank = match score.rank {
            Some(rank) => format!("xếp hạng {rank}/{}", score.ranked_of),
            None => "chưa được xếp hạng (chưa đủ số phiếu tối thiểu)".to_string(),
        };
        doc.says(&format!(
            "Theo {}, lần chấm điểm số {}: {commune} đạt {} điểm, {rank}. Mã kiểm tra: {}.",
            score.criteria_name, score.run_id, score.points, score.run_hash
        ));
    }

    doc.heading(if report.score.is_some() {
        "VI. NGUỒN SỐ LIỆU"
    } else {
        "V. NGUỒN SỐ LIỆU"
    });
    let versions = if report.survey_versions.is_empty() {
        "không có phiếu".to_string()
    } else {
        report
            .survey_versions
            .iter()
            .map(|(v, n)| format!("phiên bản {v} ({} phiếu)", count(*n)))
            .collect::<Vec<_>>()
            .join(", ")
    };
    doc.says(&format!("Phiếu khảo sát {}: {versions}.", report.survey_id));
    let units: Vec<String> = report
        .units
        .iter()
        .filter(|u| u.responses > 0)
        .map(|u| {
            let until = u
                .valid_to
                .as_deref()
                .map(|to| format!(", đến {}", app::format::date(to, Lang::Vi)))
                .unwrap_or_default();
            format!(
                "{} (mã {}{until}): {} phiếu",
                u.name,
                u.code,
                count(u.responses)
            )
        })
        .collect();
    if !units.is_empty() {
        doc.says(&format!(
            "Đơn vị có phiếu được tính cho {commune}: {}.",
            units.join("; ")
        ));
    }
    doc.says(
        "Số liệu được tính theo cùng định nghĩa với trang theo dõi của xã, phường: chỉ tính \
         phiếu không bị loại và không chờ duyệt; tỷ lệ hài lòng là tỷ lệ trả lời mức 4–5 trên \
         số trả lời câu hỏi, khoảng tin cậy 95% theo phương pháp Wilson.",
    );
}

/// Table columns from their relative widths and alignments.
fn columns(spec: &[(f32, Align)]) -> Vec<Column> {
    spec.iter()
        .map(|&(width, align)| Column { width, align })
        .collect()
}

fn or_dash(s: &str) -> String {
    if s.is_empty() {
        "—".into()
    } else {
        s.to_string()
    }
}

/// The province's report, one row per commune, written into `doc`.
pub fn province_document<D: Document>(
    mut doc: D,
    reports: &[CommuneReport],
    period: ReportPeriod,
    issuer: &Issuer,
) -> anyhow::Result<Vec<u8>> {
    let days = period.days();
    doc.frame_top(
        &Body::Department(issuer.province_name.clone()),
        "BC-SNV",
        issuer,
        &subtitle(period, &days),
    );
    let mut total = app::figures::Satisfaction::default();
    let mut previous = app::figures::Satisfaction::default();
    for r in reports {
        total.responses += r.overall.responses;
        previous.responses += r.previous.responses;
        for i in 0..5 {
            total.levels[i] += r.overall.levels[i];
            previous.levels[i] += r.previous.levels[i];
        }
    }
    let t = total.text(Some(&days), Lang::Vi);
    let count = |n: i64| app::format::count(n, Lang::Vi);
    doc.heading("I. KẾT QUẢ CHUNG TOÀN TỈNH");
    doc.says(&format!(
            "Trong kỳ báo cáo ({}), Trung tâm Phục vụ hành chính công của {} xã, phường nhận được {} phiếu khảo \
             sát; tỷ lệ hài lòng chung là {}. So với kỳ trước: {}. Có {} phiếu chưa hài lòng \
             (mức 1–3){}; đã xử lý xong {}; {} phiếu bị gắn cờ được tính, {} phiếu đang \
             chờ duyệt.",
            t.period,
            count(reports.len() as i64),
            t.responses,
            share_with_interval(&t),
            total.change_text(&previous, Lang::Vi),
            count(reports.iter().map(|r| r.unfavourable).sum()),
            marked_text(reports.iter().map(|r| r.marked).sum()),
            count(reports.iter().map(|r| r.resolved).sum()),
            count(reports.iter().map(|r| r.flags.counted).sum()),
            count(reports.iter().map(|r| r.flags.held).sum()),
        ),
    );
    doc.heading("II. KẾT QUẢ THEO XÃ, PHƯỜNG");
    let rows: Vec<Vec<String>> = reports
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let t = r.overall.text(None, Lang::Vi);
            vec![
                (i + 1).to_string(),
                r.commune.code.clone(),
                r.commune.name.clone(),
                t.responses,
                t.satisfied,
                or_dash(&t.interval),
                r.overall.change_text(&r.previous, Lang::Vi),
                count(r.open()),
                count(r.flags.counted + r.flags.held),
            ]
        })
        .collect();
    doc.table(
        &columns(&[
            (0.6, Align::Right),
            (0.9, Align::Left),
            (3.0, Align::Left),
            (1.0, Align::Right),
            (1.2, Align::Right),
            (2.0, Align::Right),
            (2.1, Align::Right),
            (1.3, Align::Right),
            (1.0, Align::Right),
        ]),
        &[
            "STT",
            "Mã",
            "Xã, phường",
            "Số phiếu",
            "Tỷ lệ hài lòng",
            "Khoảng tin cậy 95%",
            "Thay đổi so với kỳ trước",
            "Không hài lòng chưa xử lý",
            "Phiếu gắn cờ",
        ],
        &rows,
        10.0,
    );
    let versions: std::collections::BTreeMap<i64, i64> = reports
        .iter()
        .flat_map(|r| r.survey_versions.iter().copied())
        .fold(Default::default(), |mut m, (v, n)| {
            *m.entry(v).or_default() += n;
            m
        });
    doc.heading("III. NGUỒN SỐ LIỆU");
    let versions = if versions.is_empty() {
        "không có phiếu".to_string()
    } else {
        versions
            .iter()
            .map(|(v, n)| format!("phiên bản {v} ({} phiếu)", count(*n)))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let survey = reports.first().map(|r| r.survey_id.as_str()).unwrap_or("");
    doc.says(&format!("Phiếu khảo sát {survey}: {versions}."));
    doc.says(
        "Số liệu của mỗi xã, phường gồm cả phiếu tại các đơn vị trước sắp xếp đã hợp nhất vào \
         xã, phường đó, và được tính theo cùng định nghĩa với trang theo dõi: chỉ tính phiếu \
         không bị loại và không chờ duyệt; khoảng tin cậy 95% theo phương pháp Wilson.",
    );
    doc.frame_bottom(
        &[
            format!("- UBND {};", issuer.province_name),
            "- Bộ Nội vụ;".to_string(),
            "- UBND các xã, phường;".to_string(),
            "- Lưu: VT.".to_string(),
        ],
        None,
        "GIÁM ĐỐC",
    );
    doc.finish()
}
