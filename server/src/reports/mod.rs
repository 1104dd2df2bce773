//! Periodic reports as PDF in the official format of Vietnamese administrative documents
//! (thể thức văn bản, Nghị định 30/2020/NĐ-CP): the frame (issuing body, number left for the
//! clerk, Quốc hiệu and Tiêu ngữ, place and date, title, recipients, signature) around the
//! figures of `app::reports`, written with the dashboard's `Satisfaction::text`.

pub mod kept;
pub mod layout;

use anyhow::Context;
use app::figures::FigureText;
use app::i18n::Lang;
use app::reports::{CommuneReport, ReportCommune, ReportPeriod};
use app::scores::in_force::CriteriaInForce;
use app::store::Store;
use survey_definitions::Survey;

use layout::{Align, Column, Layout, Style, LEFT, WIDTH};

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

/// The report's PDF: the figures of `app::reports` for `scope` and `period`, in the frame of
/// `issuer`. `criteria` are the sets in force (the one whose period holds the report's gives
/// the points and rank).
pub async fn report_pdf(
    store: &Store,
    survey: &Survey,
    criteria: &CriteriaInForce,
    issuer: &Issuer,
    scope: Scope,
    period: ReportPeriod,
) -> anyhow::Result<Vec<u8>> {
    Ok(made_report(store, survey, criteria, issuer, scope, period)
        .await?
        .pdf)
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
    pub pdf: Vec<u8>,
    /// The answers its figures count (every commune's, for the province).
    pub responses: i64,
    /// The score run whose points and ranks it shows: (run id, check code).
    pub score_run: Option<(i64, String)>,
}

/// [`report_pdf`], with the answers counted and the score run shown, read from the figures the
/// document is written from.
pub async fn made_report(
    store: &Store,
    survey: &Survey,
    criteria: &CriteriaInForce,
    issuer: &Issuer,
    scope: Scope,
    period: ReportPeriod,
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
                pdf: commune_pdf(&report, issuer)?,
                responses: report.overall.responses,
                score_run: run_of(&report),
            })
        }
        Scope::Province => {
            let reports = app::reports::province_report(store, survey, criteria, period).await?;
            Ok(MadeReport {
                pdf: province_pdf(&reports, period, issuer)?,
                responses: reports.iter().map(|r| r.overall.responses).sum(),
                score_run: reports.iter().find_map(run_of),
            })
        }
    }
}

/// Body text size: the decree asks for 13–14 pt.
const BODY: f32 = 13.0;
/// Table text size.
const TABLE: f32 = 12.0;

/// Who issues a report and where, for its frame.
#[derive(Clone, Debug)]
pub struct Issuer {
    /// `Thành phố Đồng Nai`.
    pub province_name: String,
    /// `YYYY-MM-DD`: the date written under the Tiêu ngữ.
    pub date: String,
}

impl Issuer {
    /// The place in the date line: the province's name without `Thành phố` / `Tỉnh`.
    fn place(&self) -> &str {
        let name = self.province_name.as_str();
        name.strip_prefix("Thành phố ")
            .or_else(|| name.strip_prefix("Tỉnh "))
            .unwrap_or(name)
    }

    /// `Đồng Nai, ngày 03 tháng 12 năm 2026`: a day before the 10th and the months January and
    /// February take a leading zero (Nghị định 30/2020, Phụ lục I).
    fn place_and_date(&self) -> String {
        let parts: Vec<&str> = self.date.split('-').collect();
        let (year, month, day) = match parts.as_slice() {
            [y, m, d] => (
                y.to_string(),
                m.parse::<u32>().unwrap_or(0),
                d.parse::<u32>().unwrap_or(0),
            ),
            _ => (self.date.clone(), 0, 0),
        };
        let month = if month < 3 {
            format!("{month:02}")
        } else {
            month.to_string()
        };
        format!("{}, ngày {day:02} tháng {month} năm {year}", self.place())
    }
}

/// The body that issues the document, as its lines at the top left.
enum Body {
    /// `UBND PHƯỜNG BÌNH PHƯỚC`.
    Commune(String),
    /// `UBND THÀNH PHỐ ĐỒNG NAI` over `SỞ NỘI VỤ`.
    Department(String),
}

/// The top of the first page: issuing body and number on the left, Quốc hiệu, Tiêu ngữ, place
/// and date on the right; then the title and its subtitle.
fn frame_top(layout: &mut Layout, body: &Body, symbol: &str, issuer: &Issuer, subtitle: &str) {
    let left_w = WIDTH * 0.40;
    let right_x = LEFT + left_w;
    let right_w = WIDTH - left_w;
    let size = BODY;
    let top = layout.y;
    let line = size * 1.2;

    // Left: the issuing body in capitals, bold, with a short rule under it.
    let mut y = top;
    let (upper, own) = match body {
        Body::Commune(name) => (None, format!("UBND {}", name.to_uppercase())),
        Body::Department(province) => (
            Some(format!("UBND {}", province.to_uppercase())),
            "SỞ NỘI VỤ".to_string(),
        ),
    };
    if let Some(upper) = upper {
        let s = fit(layout, &upper, Style::Regular, size, left_w - 8.0);
        layout.text_at(&upper, Style::Regular, s, LEFT, left_w, Align::Centre, y);
        y += line;
    }
    let s = fit(layout, &own, Style::Bold, size, left_w - 8.0);
    let w = layout.text_at(&own, Style::Bold, s, LEFT, left_w, Align::Centre, y);
    y += line + 2.5;
    let rule = w.min(left_w) / 3.0;
    let centre = LEFT + left_w / 2.0;
    layout.line(centre - rule / 2.0, y, centre + rule / 2.0, y, 0.6);
    y += 6.0;
    let number = format!("Số:        /{symbol}");
    layout.text_at(
        &number,
        Style::Regular,
        size,
        LEFT,
        left_w,
        Align::Centre,
        y,
    );
    let left_bottom = y + line;

    // Right: Quốc hiệu (bold capitals, 12–13 pt; 12 leaves room beside the issuing body), Tiêu ngữ (bold, 13–14 pt) with a rule as
    // long as it, then the place and date in italics.
    let mut y = top;
    let quoc_hieu = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM";
    let s = fit(layout, quoc_hieu, Style::Bold, 12.0, right_w - 4.0);
    layout.text_at(
        quoc_hieu,
        Style::Bold,
        s,
        right_x,
        right_w,
        Align::Centre,
        y,
    );
    y += line;
    let tieu_ngu = "Độc lập - Tự do - Hạnh phúc";
    let w = layout.text_at(
        tieu_ngu,
        Style::Bold,
        size,
        right_x,
        right_w,
        Align::Centre,
        y,
    );
    y += line + 1.0;
    let centre = right_x + right_w / 2.0;
    layout.line(centre - w / 2.0, y, centre + w / 2.0, y, 0.6);
    y += 6.0;
    layout.text_at(
        &issuer.place_and_date(),
        Style::Italic,
        size,
        right_x,
        right_w,
        Align::Centre,
        y,
    );
    let right_bottom = y + line;

    layout.y = left_bottom.max(right_bottom) + 18.0;
    layout.paragraph("BÁO CÁO", Style::Bold, 14.0, Align::Centre, 0.0);
    layout.paragraph(subtitle, Style::Bold, 14.0, Align::Centre, 0.0);
    layout.gap(2.0);
    let centre = LEFT + WIDTH / 2.0;
    layout.line(centre - 50.0, layout.y, centre + 50.0, layout.y, 0.6);
    layout.gap(12.0);
}

/// `size`, or smaller so that `text` fits in `width`.
fn fit(layout: &Layout, text: &str, style: Style, size: f32, width: f32) -> f32 {
    let w = layout.width(text, style, size);
    if w > width {
        size * width / w
    } else {
        size
    }
}

/// The bottom of the last page: recipients on the left, the signature block on the right.
fn frame_bottom(layout: &mut Layout, recipients: &[String], on_behalf: Option<&str>, title: &str) {
    let lines = recipients.len() as f32 + 1.0;
    layout.gap(12.0);
    layout.keep((lines * 14.0).max(120.0));
    let top = layout.y;
    let left_w = WIDTH * 0.45;
    let right_x = LEFT + left_w;
    let right_w = WIDTH - left_w;
    let mut y = top;
    layout.text_at(
        "Nơi nhận:",
        Style::BoldItalic,
        12.0,
        LEFT,
        left_w,
        Align::Left,
        y,
    );
    y += 14.0;
    for r in recipients {
        layout.text_at(r, Style::Regular, 11.0, LEFT, left_w, Align::Left, y);
        y += 13.0;
    }
    let mut ry = top;
    if let Some(on_behalf) = on_behalf {
        layout.text_at(
            on_behalf,
            Style::Bold,
            BODY,
            right_x,
            right_w,
            Align::Centre,
            ry,
        );
        ry += BODY * 1.2;
    }
    layout.text_at(
        title,
        Style::Bold,
        BODY,
        right_x,
        right_w,
        Align::Centre,
        ry,
    );
    // Room to sign and seal; the name is written by hand or by the clerk.
    ry += BODY * 1.2 + 80.0;
    layout.y = y.max(ry);
}

fn heading(layout: &mut Layout, text: &str) {
    layout.keep(BODY * 4.0);
    layout.gap(4.0);
    layout.paragraph(text, Style::Bold, BODY, Align::Left, mm_indent());
    layout.gap(2.0);
}

/// The first-line indent of a paragraph: 1–1.27 cm.
fn mm_indent() -> f32 {
    layout::mm(10.0)
}

fn says(layout: &mut Layout, text: &str) {
    layout.paragraph(text, Style::Regular, BODY, Align::Left, mm_indent());
    layout.gap(3.0);
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

/// The horizontal bar chart of the elements, drawn as rectangles: a light track for 0–100%
/// and a dark bar for the satisfied share.
fn element_chart(layout: &mut Layout, report: &CommuneReport) {
    let label_w = 150.0;
    let value_w = 48.0;
    let track_w = WIDTH - label_w - value_w;
    let row = 17.0;
    layout.keep(row * (report.elements.len() as f32 + 2.0));
    let x0 = LEFT + label_w;
    for (name, s) in &report.elements {
        let text = s.text(None, Lang::Vi);
        let y = layout.y;
        layout.text_at(
            name.get(Lang::Vi),
            Style::Regular,
            11.0,
            LEFT,
            label_w - 6.0,
            Align::Right,
            y + 1.0,
        );
        layout.rect(x0, y + 2.0, track_w, row - 6.0, (230, 230, 230));
        if let Some(tenths) = s.share_tenths() {
            let w = track_w * (tenths.min(1000) as f32) / 1000.0;
            layout.rect(x0, y + 2.0, w, row - 6.0, (40, 70, 120));
        }
        layout.text_at(
            &text.satisfied,
            Style::Regular,
            11.0,
            x0 + track_w + 4.0,
            value_w - 4.0,
            Align::Left,
            y + 1.0,
        );
        layout.y += row;
    }
    // The scale under the bars.
    let y = layout.y;
    for (i, label) in ["0%", "25%", "50%", "75%", "100%"].iter().enumerate() {
        let x = x0 + track_w * i as f32 / 4.0;
        layout.line(x, y - 2.0, x, y + 2.0, 0.5);
        layout.text_at(
            label,
            Style::Regular,
            9.0,
            x - 20.0,
            40.0,
            Align::Centre,
            y + 3.0,
        );
    }
    layout.line(x0, y, x0 + track_w, y, 0.5);
    layout.y += 18.0;
}

/// The overall question's satisfied share step by step, as vertical bars on a 0–100% scale
/// with gridlines; a step without answers has no bar (never a bar at 0%).
fn trend_chart(layout: &mut Layout, report: &CommuneReport) {
    let height = 90.0;
    let axis_w = 30.0;
    layout.keep(height + 24.0);
    let top = layout.y;
    let x0 = LEFT + axis_w;
    let w = WIDTH - axis_w;
    let n = report.trend.len() as f32;
    let slot = w / n;
    let bar = (slot * 0.7).max(1.0);
    for (i, label) in ["100%", "50%", "0%"].iter().enumerate() {
        let y = top + height * i as f32 / 2.0;
        layout.line(x0, y, x0 + w, y, 0.3);
        layout.text_at(
            label,
            Style::Regular,
            8.0,
            LEFT,
            axis_w - 4.0,
            Align::Right,
            y - 4.0,
        );
    }
    // At most about a dozen labels under the bars, so they never overlap.
    let every = ((n / 12.0).ceil() as usize).max(1);
    for (i, (label, s)) in report.trend.iter().enumerate() {
        let slot_x = x0 + slot * i as f32;
        if let Some(tenths) = s.share_tenths() {
            let h = height * (tenths.min(1000) as f32) / 1000.0;
            layout.rect(
                slot_x + (slot - bar) / 2.0,
                top + height - h,
                bar,
                h,
                (40, 70, 120),
            );
        }
        if i % every == 0 {
            layout.text_at(
                label,
                Style::Regular,
                7.0,
                slot_x - 12.0,
                slot + 24.0,
                Align::Centre,
                top + height + 3.0,
            );
        }
    }
    layout.y = top + height + 18.0;
}

fn subtitle(period: ReportPeriod, days: &app::figures::Period) -> String {
    format!(
        "Kết quả khảo sát sự hài lòng của người dân, tổ chức đối với Trung tâm Phục vụ hành chính công {} (từ {})",
        period.title_vi(),
        days.label(Lang::Vi).replace('–', " đến ")
    )
}

/// One commune's report.
pub fn commune_pdf(report: &CommuneReport, issuer: &Issuer) -> anyhow::Result<Vec<u8>> {
    let mut layout = Layout::new()?;
    let commune = &report.commune.name;
    frame_top(
        &mut layout,
        &Body::Commune(commune.clone()),
        "BC-UBND",
        issuer,
        &subtitle(report.period, &report.days),
    );
    commune_body(&mut layout, report);
    frame_bottom(
        &mut layout,
        &[
            format!("- Sở Nội vụ {};", issuer.province_name),
            format!("- Chủ tịch, các Phó Chủ tịch UBND {commune};"),
            "- Lưu: VT.".to_string(),
        ],
        Some("TM. ỦY BAN NHÂN DÂN"),
        "CHỦ TỊCH",
    );
    layout.finish()
}

fn commune_body(layout: &mut Layout, report: &CommuneReport) {
    let now = report.overall.text(Some(&report.days), Lang::Vi);
    let before = report.previous.text(Some(&report.previous_days), Lang::Vi);
    let change = report.overall.change_text(&report.previous, Lang::Vi);
    let commune = &report.commune.name;

    heading(layout, "I. KẾT QUẢ CHUNG");
    says(
        layout,
        &format!(
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
    layout.table(
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
    layout.gap(8.0);
    if !report.trend.is_empty() {
        let step = match report.days.day_count() {
            ..=31 => "mỗi cột là một ngày",
            32..=184 => "mỗi cột là bảy ngày, ghi ngày đầu",
            _ => "mỗi cột là một tháng",
        };
        says(
            layout,
            &format!(
                "Diễn biến tỷ lệ hài lòng chung trong kỳ ({step}; không có cột: không có phiếu):"
            ),
        );
        trend_chart(layout, report);
    }

    heading(layout, "II. MỨC ĐỘ HÀI LÒNG THEO CÁC YẾU TỐ");
    says(
        layout,
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
    layout.table(
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
    layout.gap(10.0);
    element_chart(layout, report);

    heading(layout, "III. TỶ LỆ PHẢN HỒI THEO QUẦY");
    let rows: Vec<Vec<String>> = report
        .desks
        .iter()
        .map(|d| {
            let (dossiers, rate, note) = d.rate.text(Lang::Vi);
            let t = d.satisfaction.text(None, Lang::Vi);
            vec![d.name.clone(), t.responses, dossiers, rate, note]
        })
        .collect();
    layout.table(
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
    layout.gap(8.0);

    heading(layout, "IV. Ý KIẾN KHÔNG HÀI LÒNG VÀ PHIẾU BỊ GẮN CỜ");
    let count = |n: i64| app::format::count(n, Lang::Vi);
    says(
        layout,
        &format!(
            "Trong kỳ có {} phiếu đánh giá chưa hài lòng (mức 1–3){}; đã xử lý xong {}, còn {} \
             chưa xử lý xong.",
            count(report.unfavourable),
            marked_text(report.marked),
            count(report.resolved),
            count(report.open()),
        ),
    );
    says(
        layout,
        &format!(
            "Phiếu bị hệ thống gắn cờ: {} phiếu vẫn được tính vào số liệu, {} phiếu đang chờ \
             người duyệt xem xét (chưa tính).",
            count(report.flags.counted),
            count(report.flags.held),
        ),
    );
    for c in &report.independent {
        says(
            layout,
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
        heading(layout, "V. KẾT QUẢ CHẤM ĐIỂM");
        let rank = match score.rank {
            Some(rank) => format!("xếp hạng {rank}/{}", score.ranked_of),
            None => "chưa được xếp hạng (chưa đủ số phiếu tối thiểu)".to_string(),
        };
        says(
            layout,
            &format!(
                "Theo {}, lần chấm điểm số {}: {commune} đạt {} điểm, {rank}. Mã kiểm tra: {}.",
                score.criteria_name, score.run_id, score.points, score.run_hash
            ),
        );
    }

    heading(
        layout,
        if report.score.is_some() {
            "VI. NGUỒN SỐ LIỆU"
        } else {
            "V. NGUỒN SỐ LIỆU"
        },
    );
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
    says(
        layout,
        &format!("Phiếu khảo sát {}: {versions}.", report.survey_id),
    );
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
        says(
            layout,
            &format!(
                "Đơn vị có phiếu được tính cho {commune}: {}.",
                units.join("; ")
            ),
        );
    }
    says(
        layout,
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

/// The province's report: one row per commune.
pub fn province_pdf(
    reports: &[CommuneReport],
    period: ReportPeriod,
    issuer: &Issuer,
) -> anyhow::Result<Vec<u8>> {
    let mut layout = Layout::new()?;
    let days = period.days();
    frame_top(
        &mut layout,
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
    heading(&mut layout, "I. KẾT QUẢ CHUNG TOÀN TỈNH");
    says(
        &mut layout,
        &format!(
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
    heading(&mut layout, "II. KẾT QUẢ THEO XÃ, PHƯỜNG");
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
    layout.table(
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
    heading(&mut layout, "III. NGUỒN SỐ LIỆU");
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
    says(
        &mut layout,
        &format!("Phiếu khảo sát {survey}: {versions}."),
    );
    says(
        &mut layout,
        "Số liệu của mỗi xã, phường gồm cả phiếu tại các đơn vị trước sắp xếp đã hợp nhất vào \
         xã, phường đó, và được tính theo cùng định nghĩa với trang theo dõi: chỉ tính phiếu \
         không bị loại và không chờ duyệt; khoảng tin cậy 95% theo phương pháp Wilson.",
    );
    frame_bottom(
        &mut layout,
        &[
            format!("- UBND {};", issuer.province_name),
            "- Bộ Nội vụ;".to_string(),
            "- UBND các xã, phường;".to_string(),
            "- Lưu: VT.".to_string(),
        ],
        None,
        "GIÁM ĐỐC",
    );
    layout.finish()
}
