//! The editable report: a Word document (`.docx`) written with `docx-rs`, with the same content as
//! the PDF for a clerk to adapt before filing. Word lays the text out itself, so this writer
//! places no line: the frame is a borderless two-column table, the charts are tables whose
//! shaded cells are the bars (Word and LibreOffice draw them, and they stay editable), and the
//! text is Times New Roman, which every office computer in Vietnam has.

use std::io::Cursor;

use anyhow::Context;
use docx_rs::{
    AlignmentType, Docx, HeightRule, LineSpacing, PageMargin, Paragraph, Run, RunFonts, Shading,
    ShdType, SpecialIndentType, Table, TableAlignmentType, TableCell, TableCellMargins, TableRow,
    VAlignType, WidthType,
};

use super::document::{Align, Bar, Body, Column, Document, Issuer, BODY, QUOC_HIEU, TIEU_NGU};

/// Twentieths of a point per millimetre.
const TWIPS_PER_MM: f32 = 1440.0 / 25.4;

const fn twips(mm: f32) -> i32 {
    (mm * TWIPS_PER_MM) as i32
}

/// A4, with the decree's margins (top and bottom 20 mm, left 30 mm, right 15 mm), in twips.
const PAGE_WIDTH: i32 = 11906;
const PAGE_HEIGHT: i32 = 16838;
const TOP: i32 = twips(20.0);
const BOTTOM: i32 = twips(20.0);
const LEFT: i32 = twips(30.0);
const RIGHT: i32 = twips(15.0);
/// The width text runs across.
const TEXT_WIDTH: usize = (PAGE_WIDTH - LEFT - RIGHT) as usize;
/// The first-line indent of a paragraph: 1–1.27 cm.
const INDENT: i32 = twips(10.0);

/// A table cell's left and right margin: 1 mm.
const MARGIN: usize = twips(1.0) as usize;

const FONT: &str = "Times New Roman";
/// The bars' colours: the PDF's dark blue on a light grey track.
const BAR: &str = "284678";
const TRACK: &str = "E6E6E6";

/// A report being written as a Word document.
pub struct Word {
    doc: Docx,
}

impl Word {
    pub fn new() -> Word {
        Word {
            doc: Docx::new()
                .page_size(PAGE_WIDTH as u32, PAGE_HEIGHT as u32)
                .page_margin(
                    PageMargin::new()
                        .top(TOP)
                        .bottom(BOTTOM)
                        .left(LEFT)
                        .right(RIGHT),
                )
                .default_fonts(fonts())
                .default_size(half_points(BODY)),
        }
    }
}

impl Default for Word {
    fn default() -> Self {
        Word::new()
    }
}

fn fonts() -> RunFonts {
    RunFonts::new()
        .ascii(FONT)
        .hi_ansi(FONT)
        .cs(FONT)
        .east_asia(FONT)
}

/// Word sizes text in half-points.
fn half_points(points: f32) -> usize {
    (points * 2.0).round() as usize
}

fn run(text: &str, size: f32) -> Run {
    Run::new()
        .add_text(text)
        .size(half_points(size))
        .fonts(fonts())
}

fn alignment(align: Align) -> AlignmentType {
    match align {
        Align::Left => AlignmentType::Left,
        Align::Centre => AlignmentType::Center,
        Align::Right => AlignmentType::Right,
    }
}

/// A paragraph of one run, with no space around it (table cells and the frame).
fn line(run: Run, align: Align) -> Paragraph {
    Paragraph::new()
        .add_run(run)
        .align(alignment(align))
        .line_spacing(LineSpacing::new().before(0).after(0))
}

/// The short rule under the issuing body and under the title.
fn rule() -> Paragraph {
    line(run("―――――", 8.0), Align::Centre)
}

fn cell(width: usize, paragraphs: Vec<Paragraph>) -> TableCell {
    paragraphs
        .into_iter()
        .fold(TableCell::new().width(width, WidthType::Dxa), |c, p| {
            c.add_paragraph(p)
        })
}

/// Splits the text width by the columns' shares.
fn widths(columns: &[Column], total: usize) -> Vec<usize> {
    let sum: f32 = columns.iter().map(|c| c.width).sum();
    columns
        .iter()
        .map(|c| (total as f32 * c.width / sum) as usize)
        .collect()
}

/// A bar of `width` twips: the share dark, the rest light; nothing when nobody answered.
fn bar_cell(width: usize, tenths: Option<u64>) -> TableCell {
    let Some(tenths) = tenths else {
        return cell(width, vec![line(run("", 6.0), Align::Left)]);
    };
    let inner = width.saturating_sub(120);
    let dark = inner * tenths.min(1000) as usize / 1000;
    let mut cells = Vec::new();
    let mut grid = Vec::new();
    for (w, fill) in [(dark, BAR), (inner - dark, TRACK)] {
        if w > 0 {
            cells.push(
                cell(w, vec![line(run("", 6.0), Align::Left)])
                    .shading(Shading::new().shd_type(ShdType::Clear).fill(fill)),
            );
            grid.push(w);
        }
    }
    let bar = Table::without_borders(vec![TableRow::new(cells)])
        .set_grid(grid)
        .width(inner, WidthType::Dxa);
    // A cell ends with a paragraph in Word's format, also after a table.
    TableCell::new()
        .width(width, WidthType::Dxa)
        .add_table(bar)
        .add_paragraph(line(run("", 2.0), Align::Left))
}

/// The trend chart's height: 90 pt, in twips.
const CHART_HEIGHT: u32 = 1800;

/// A one-column table of rows of exact heights (twips), each shaded with its colour if any and
/// holding a small label: a vertical bar, or the trend's scale. Rows of no height are left out.
fn exact_rows(width: usize, rows: &[(u32, Option<&str>, &str)]) -> Table {
    let rows = rows
        .iter()
        .filter(|(height, _, _)| *height > 0)
        .map(|&(height, fill, label)| {
            let mut c = cell(width, vec![line(run(label, 7.0), Align::Right)]);
            if let Some(fill) = fill {
                c = c.shading(Shading::new().shd_type(ShdType::Clear).fill(fill));
            }
            TableRow::new(vec![c])
                .row_height(height as f32)
                .height_rule(HeightRule::Exact)
        })
        .collect();
    Table::without_borders(rows)
        .set_grid(vec![width])
        .width(width, WidthType::Dxa)
}

impl Word {
    /// A borderless chart of horizontal bars: label, bar, the share as written.
    fn chart(&mut self, bars: &[Bar], label_share: f32) {
        let label_w = (TEXT_WIDTH as f32 * label_share) as usize;
        let value_w = TEXT_WIDTH / 8;
        let bar_w = TEXT_WIDTH - label_w - value_w;
        let rows = bars
            .iter()
            .map(|b| {
                TableRow::new(vec![
                    cell(label_w, vec![line(run(&b.label, 11.0), Align::Right)]),
                    bar_cell(bar_w, b.tenths),
                    cell(value_w, vec![line(run(&b.value, 11.0), Align::Left)]),
                ])
            })
            .collect();
        let table = Table::without_borders(rows)
            .set_grid(vec![label_w, bar_w, value_w])
            .width(TEXT_WIDTH, WidthType::Dxa);
        self.doc = std::mem::take(&mut self.doc).add_table(table);
        self.gap(6.0);
    }

    /// Two blocks side by side across the text width, the left one `left_w` wide, with no rule
    /// between them: the frame's top and bottom.
    fn side_by_side(&mut self, left_w: usize, left: Vec<Paragraph>, right: Vec<Paragraph>) {
        let right_w = TEXT_WIDTH - left_w;
        let table = Table::without_borders(vec![TableRow::new(vec![
            cell(left_w, left),
            cell(right_w, right),
        ])])
        .set_grid(vec![left_w, right_w])
        .width(TEXT_WIDTH, WidthType::Dxa);
        self.doc = std::mem::take(&mut self.doc).add_table(table);
    }

    fn add(&mut self, paragraph: Paragraph) {
        self.doc = std::mem::take(&mut self.doc).add_paragraph(paragraph);
    }
}

impl Document for Word {
    fn frame_top(&mut self, body: &Body, symbol: &str, issuer: &Issuer, subtitle: &str) {
        let left_w = TEXT_WIDTH * 2 / 5;
        let (upper, own) = body.lines();
        let mut left = Vec::new();
        if let Some(upper) = upper {
            left.push(line(run(&upper, 12.0), Align::Centre));
        }
        left.push(line(run(&own, 12.0).bold(), Align::Centre));
        left.push(rule());
        left.push(line(
            run(&format!("Số:        /{symbol}"), BODY),
            Align::Centre,
        ));
        let right = vec![
            line(run(QUOC_HIEU, 12.0).bold(), Align::Centre),
            line(
                run(TIEU_NGU, BODY).bold().underline("single"),
                Align::Centre,
            ),
            line(run("", 6.0), Align::Centre),
            line(run(&issuer.place_and_date(), BODY).italic(), Align::Centre),
        ];
        self.side_by_side(left_w, left, right);
        self.gap(18.0);
        self.add(line(run("BÁO CÁO", 14.0).bold(), Align::Centre));
        self.add(line(run(subtitle, 14.0).bold(), Align::Centre));
        self.add(rule());
        self.gap(12.0);
    }

    fn heading(&mut self, text: &str) {
        self.add(
            Paragraph::new()
                .add_run(run(text, BODY).bold())
                .indent(None, Some(SpecialIndentType::FirstLine(INDENT)), None, None)
                .line_spacing(LineSpacing::new().before(80).after(40))
                .keep_next(true),
        );
    }

    fn says(&mut self, text: &str) {
        self.add(
            Paragraph::new()
                .add_run(run(text, BODY))
                .align(AlignmentType::Both)
                .indent(None, Some(SpecialIndentType::FirstLine(INDENT)), None, None)
                .line_spacing(LineSpacing::new().before(0).after(60)),
        );
    }

    fn table(&mut self, columns: &[Column], header: &[&str], rows: &[Vec<String>], size: f32) {
        let widths = widths(columns, TEXT_WIDTH);
        let head = TableRow::new(
            header
                .iter()
                .zip(&widths)
                .map(|(h, &w)| cell(w, vec![line(run(h, size).bold(), Align::Centre)]))
                .collect(),
        );
        let body = rows.iter().map(|row| {
            TableRow::new(
                row.iter()
                    .zip(columns.iter().zip(&widths))
                    .map(|(text, (c, &w))| cell(w, vec![line(run(text, size), c.align)]))
                    .collect(),
            )
        });
        // Narrow cell margins (1 mm), as the PDF's: the province's table has nine columns.
        let table = Table::new(std::iter::once(head).chain(body).collect())
            .set_grid(widths)
            .width(TEXT_WIDTH, WidthType::Dxa)
            .margins(TableCellMargins::new().margin(0, MARGIN, 0, MARGIN));
        self.doc = std::mem::take(&mut self.doc).add_table(table);
    }

    fn gap(&mut self, points: f32) {
        // Twentieths of a point of space after an empty, tiny line.
        let after = (points * 20.0) as u32;
        self.add(
            Paragraph::new()
                .add_run(run("", 1.0))
                .line_spacing(LineSpacing::new().before(0).after(after).line(20)),
        );
    }

    fn bars(&mut self, bars: &[Bar]) {
        self.chart(bars, 0.34);
    }

    fn trend(&mut self, steps: &[Bar]) {
        if steps.is_empty() {
            return;
        }
        let axis_w = TEXT_WIDTH / 14;
        let slot = (TEXT_WIDTH - axis_w) / steps.len();
        // At most about a dozen labels under the bars, so they never overlap.
        let every = steps.len().div_ceil(12);
        let axis = exact_rows(
            axis_w,
            &[
                (CHART_HEIGHT / 2, None, "100%"),
                (CHART_HEIGHT / 2, None, "50%"),
            ],
        );
        let mut bars = vec![TableCell::new()
            .width(axis_w, WidthType::Dxa)
            .add_table(axis)
            .add_paragraph(line(run("", 1.0), Align::Left))];
        let mut labels = vec![cell(axis_w, vec![line(run("0%", 7.0), Align::Right)])];
        for (i, step) in steps.iter().enumerate() {
            let high = step
                .tenths
                .map_or(0, |t| CHART_HEIGHT * t.min(1000) as u32 / 1000);
            let column = exact_rows(
                slot * 7 / 10,
                &[(CHART_HEIGHT - high, None, ""), (high, Some(BAR), "")],
            )
            .align(TableAlignmentType::Center);
            bars.push(
                TableCell::new()
                    .width(slot, WidthType::Dxa)
                    .vertical_align(VAlignType::Bottom)
                    .add_table(column)
                    .add_paragraph(line(run("", 1.0), Align::Left)),
            );
            // A label spans the steps up to the next one, so it has room on one line.
            if i % every == 0 {
                let span = every.min(steps.len() - i);
                labels.push(
                    cell(slot * span, vec![line(run(&step.label, 7.0), Align::Left)])
                        .grid_span(span),
                );
            }
        }
        let mut grid = vec![axis_w];
        grid.extend(std::iter::repeat_n(slot, steps.len()));
        let table = Table::without_borders(vec![TableRow::new(bars), TableRow::new(labels)])
            .set_grid(grid)
            .width(TEXT_WIDTH, WidthType::Dxa);
        self.doc = std::mem::take(&mut self.doc).add_table(table);
        self.gap(6.0);
    }

    fn frame_bottom(&mut self, recipients: &[String], on_behalf: Option<&str>, title: &str) {
        self.gap(12.0);
        let left_w = TEXT_WIDTH * 9 / 20;
        let mut left = vec![line(run("Nơi nhận:", 12.0).bold().italic(), Align::Left)];
        left.extend(recipients.iter().map(|r| line(run(r, 11.0), Align::Left)));
        let mut right = Vec::new();
        if let Some(on_behalf) = on_behalf {
            right.push(line(run(on_behalf, BODY).bold(), Align::Centre));
        }
        right.push(line(run(title, BODY).bold(), Align::Centre));
        self.side_by_side(left_w, left, right);
    }

    fn finish(self) -> anyhow::Result<Vec<u8>> {
        let mut stored = Cursor::new(Vec::new());
        self.doc
            .build()
            .pack(&mut stored)
            .context("the Word document could not be written")?;
        deflate(stored.into_inner()).context("the Word document could not be compressed")
    }
}

/// The package again with every part deflated: docx-rs stores them as they are, which makes a
/// province's report ten times larger than it needs to be.
fn deflate(stored: Vec<u8>) -> zip8::result::ZipResult<Vec<u8>> {
    let mut archive = zip8::ZipArchive::new(Cursor::new(stored))?;
    let mut packed = zip8::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip8::write::SimpleFileOptions::default()
        .compression_method(zip8::CompressionMethod::Deflated);
    for i in 0..archive.len() {
        let mut part = archive.by_index(i)?;
        if part.is_dir() {
            continue;
        }
        packed.start_file(part.name().to_string(), options)?;
        std::io::copy(&mut part, &mut packed)?;
    }
    Ok(packed.finish()?.into_inner())
}
