//! The filed report: a PDF drawn with `layout.rs`, in the official format of Vietnamese
//! administrative documents (thể thức văn bản, Nghị định 30/2020/NĐ-CP).

use super::document::{Align, Bar, Body, Column, Document, Issuer, BODY, QUOC_HIEU, TIEU_NGU};
use super::layout::{self, Layout, Style, LEFT, WIDTH};

/// A report being drawn as PDF.
pub struct Pdf {
    layout: Layout,
}

impl Pdf {
    pub fn new() -> anyhow::Result<Pdf> {
        Ok(Pdf {
            layout: Layout::new()?,
        })
    }
}

/// The first-line indent of a paragraph: 1–1.27 cm.
fn mm_indent() -> f32 {
    layout::mm(10.0)
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

impl Document for Pdf {
    /// The top of the first page: issuing body and number on the left, Quốc hiệu, Tiêu ngữ, place
    /// and date on the right; then the title and its subtitle.
    fn frame_top(&mut self, body: &Body, symbol: &str, issuer: &Issuer, subtitle: &str) {
        let left_w = WIDTH * 0.40;
        let right_x = LEFT + left_w;
        let right_w = WIDTH - left_w;
        let size = BODY;
        let top = self.layout.y;
        let line = size * 1.2;

        // Left: the issuing body in capitals, bold, with a short rule under it.
        let mut y = top;
        let (upper, own) = body.lines();
        if let Some(upper) = upper {
            let s = fit(&self.layout, &upper, Style::Regular, size, left_w - 8.0);
            self.layout
                .text_at(&upper, Style::Regular, s, LEFT, left_w, Align::Centre, y);
            y += line;
        }
        let s = fit(&self.layout, &own, Style::Bold, size, left_w - 8.0);
        let w = self
            .layout
            .text_at(&own, Style::Bold, s, LEFT, left_w, Align::Centre, y);
        y += line + 2.5;
        let rule = w.min(left_w) / 3.0;
        let centre = LEFT + left_w / 2.0;
        self.layout
            .line(centre - rule / 2.0, y, centre + rule / 2.0, y, 0.6);
        y += 6.0;
        let number = format!("Số:        /{symbol}");
        self.layout.text_at(
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
        let quoc_hieu = QUOC_HIEU;
        let s = fit(&self.layout, quoc_hieu, Style::Bold, 12.0, right_w - 4.0);
        self.layout.text_at(
            quoc_hieu,
            Style::Bold,
            s,
            right_x,
            right_w,
            Align::Centre,
            y,
        );
        y += line;
        let tieu_ngu = TIEU_NGU;
        let w = self.layout.text_at(
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
        self.layout
            .line(centre - w / 2.0, y, centre + w / 2.0, y, 0.6);
        y += 6.0;
        self.layout.text_at(
            &issuer.place_and_date(),
            Style::Italic,
            size,
            right_x,
            right_w,
            Align::Centre,
            y,
        );
        let right_bottom = y + line;

        self.layout.y = left_bottom.max(right_bottom) + 18.0;
        self.layout
            .paragraph("BÁO CÁO", Style::Bold, 14.0, Align::Centre, 0.0);
        self.layout
            .paragraph(subtitle, Style::Bold, 14.0, Align::Centre, 0.0);
        self.layout.gap(2.0);
        let centre = LEFT + WIDTH / 2.0;
        self.layout.line(
            centre - 50.0,
            self.layout.y,
            centre + 50.0,
            self.layout.y,
            0.6,
        );
        self.layout.gap(12.0);
    }

    /// The bottom of the last page: recipients on the left, the signature block on the right.
    fn frame_bottom(&mut self, recipients: &[String], on_behalf: Option<&str>, title: &str) {
        let lines = recipients.len() as f32 + 1.0;
        self.layout.gap(12.0);
        self.layout.keep((lines * 14.0).max(120.0));
        let top = self.layout.y;
        let left_w = WIDTH * 0.45;
        let right_x = LEFT + left_w;
        let right_w = WIDTH - left_w;
        let mut y = top;
        self.layout.text_at(
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
            self.layout
                .text_at(r, Style::Regular, 11.0, LEFT, left_w, Align::Left, y);
            y += 13.0;
        }
        let mut ry = top;
        for line in on_behalf.into_iter().chain([title]) {
            self.layout
                .text_at(line, Style::Bold, BODY, right_x, right_w, Align::Centre, ry);
            ry += BODY * 1.2;
        }
        // Room to sign and seal; the name is written by hand or by the clerk.
        ry += 80.0;
        self.layout.y = y.max(ry);
    }

    fn heading(&mut self, text: &str) {
        self.layout.keep(BODY * 4.0);
        self.layout.gap(4.0);
        self.layout
            .paragraph(text, Style::Bold, BODY, Align::Left, mm_indent());
        self.layout.gap(2.0);
    }

    fn says(&mut self, text: &str) {
        self.layout
            .paragraph(text, Style::Regular, BODY, Align::Left, mm_indent());
        self.layout.gap(3.0);
    }

    fn table(&mut self, columns: &[Column], header: &[&str], rows: &[Vec<String>], size: f32) {
        self.layout.table(columns, header, rows, size);
    }

    fn gap(&mut self, points: f32) {
        self.layout.gap(points);
    }

    /// Drawn as rectangles: a light track for 0–100%
    /// and a dark bar for the satisfied share.
    fn bars(&mut self, bars: &[Bar]) {
        let label_w = 150.0;
        let value_w = 48.0;
        let track_w = WIDTH - label_w - value_w;
        let row = 17.0;
        self.layout.keep(row * (bars.len() as f32 + 2.0));
        let x0 = LEFT + label_w;
        for bar in bars {
            let y = self.layout.y;
            self.layout.text_at(
                &bar.label,
                Style::Regular,
                11.0,
                LEFT,
                label_w - 6.0,
                Align::Right,
                y + 1.0,
            );
            self.layout
                .rect(x0, y + 2.0, track_w, row - 6.0, (230, 230, 230));
            if let Some(tenths) = bar.tenths {
                let w = track_w * (tenths.min(1000) as f32) / 1000.0;
                self.layout.rect(x0, y + 2.0, w, row - 6.0, (40, 70, 120));
            }
            self.layout.text_at(
                &bar.value,
                Style::Regular,
                11.0,
                x0 + track_w + 4.0,
                value_w - 4.0,
                Align::Left,
                y + 1.0,
            );
            self.layout.y += row;
        }
        // The scale under the bars.
        let y = self.layout.y;
        for (i, label) in ["0%", "25%", "50%", "75%", "100%"].iter().enumerate() {
            let x = x0 + track_w * i as f32 / 4.0;
            self.layout.line(x, y - 2.0, x, y + 2.0, 0.5);
            self.layout.text_at(
                label,
                Style::Regular,
                9.0,
                x - 20.0,
                40.0,
                Align::Centre,
                y + 3.0,
            );
        }
        self.layout.line(x0, y, x0 + track_w, y, 0.5);
        self.layout.y += 18.0;
    }

    /// Vertical bars on a 0–100% scale with gridlines.
    fn trend(&mut self, steps: &[Bar]) {
        let height = 90.0;
        let axis_w = 30.0;
        self.layout.keep(height + 24.0);
        let top = self.layout.y;
        let x0 = LEFT + axis_w;
        let w = WIDTH - axis_w;
        let n = steps.len() as f32;
        let slot = w / n;
        let bar = (slot * 0.7).max(1.0);
        for (i, label) in ["100%", "50%", "0%"].iter().enumerate() {
            let y = top + height * i as f32 / 2.0;
            self.layout.line(x0, y, x0 + w, y, 0.3);
            self.layout.text_at(
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
        for (i, step) in steps.iter().enumerate() {
            let slot_x = x0 + slot * i as f32;
            if let Some(tenths) = step.tenths {
                let h = height * (tenths.min(1000) as f32) / 1000.0;
                self.layout.rect(
                    slot_x + (slot - bar) / 2.0,
                    top + height - h,
                    bar,
                    h,
                    (40, 70, 120),
                );
            }
            if i % every == 0 {
                self.layout.text_at(
                    &step.label,
                    Style::Regular,
                    7.0,
                    slot_x - 12.0,
                    slot + 24.0,
                    Align::Centre,
                    top + height + 3.0,
                );
            }
        }
        self.layout.y = top + height + 18.0;
    }

    fn finish(self) -> anyhow::Result<Vec<u8>> {
        self.layout.finish()
    }
}
