//! A small page layout over `krilla`: A4 pages with the margins of Nghị định 30/2020/NĐ-CP,
//! Liberation Serif (metric-compatible with Times New Roman, every Vietnamese diacritic), lines
//! that wrap at spaces, ruled tables that break across pages, and filled rectangles for charts.
//! Text is shaped with rustybuzz (through krilla) and measured with the same shaper, so centred
//! and wrapped lines sit where they are drawn.

use krilla::color::rgb;
use krilla::geom::{PathBuilder, Point, Rect};
use krilla::num::NormalizedF32;
use krilla::page::PageSettings;
use krilla::paint::{Fill, Stroke};
use krilla::text::{Font, TextDirection};
use krilla::Document;

use super::document::{Align, Column};

const REGULAR: &[u8] = include_bytes!("../../fonts/LiberationSerif-Regular.ttf");
const BOLD: &[u8] = include_bytes!("../../fonts/LiberationSerif-Bold.ttf");
const ITALIC: &[u8] = include_bytes!("../../fonts/LiberationSerif-Italic.ttf");
const BOLD_ITALIC: &[u8] = include_bytes!("../../fonts/LiberationSerif-BoldItalic.ttf");

/// Millimetres in points.
pub const fn mm(mm: f32) -> f32 {
    mm * 72.0 / 25.4
}

pub const PAGE_WIDTH: f32 = mm(210.0);
pub const PAGE_HEIGHT: f32 = mm(297.0);
/// The decree's margins: top and bottom 20–25 mm, left 30–35 mm, right 15–20 mm.
pub const TOP: f32 = mm(20.0);
pub const BOTTOM: f32 = mm(20.0);
pub const LEFT: f32 = mm(30.0);
pub const RIGHT: f32 = mm(15.0);
pub const WIDTH: f32 = PAGE_WIDTH - LEFT - RIGHT;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Style {
    Regular,
    Bold,
    Italic,
    BoldItalic,
}

/// What is drawn on a page, in points from its top-left corner.
enum Op {
    Text {
        x: f32,
        baseline: f32,
        style: Style,
        size: f32,
        text: String,
    },
    Rect {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
        rgb: (u8, u8, u8),
    },
    Line {
        x1: f32,
        y1: f32,
        x2: f32,
        y2: f32,
        width: f32,
    },
}

struct Face {
    font: Font,
    shaper: rustybuzz::Face<'static>,
}

/// A document being laid out, page by page, from the top down.
pub struct Layout {
    faces: [Face; 4],
    pages: Vec<Vec<Op>>,
    /// The top of the next thing placed on the current page.
    pub y: f32,
}

fn face(data: &'static [u8]) -> anyhow::Result<Face> {
    Ok(Face {
        font: Font::new(data.into(), 0)
            .ok_or_else(|| anyhow::anyhow!("the report font does not load"))?,
        shaper: rustybuzz::Face::from_slice(data, 0)
            .ok_or_else(|| anyhow::anyhow!("the report font does not shape"))?,
    })
}

impl Layout {
    pub fn new() -> anyhow::Result<Layout> {
        Ok(Layout {
            faces: [
                face(REGULAR)?,
                face(BOLD)?,
                face(ITALIC)?,
                face(BOLD_ITALIC)?,
            ],
            pages: vec![Vec::new()],
            y: TOP,
        })
    }

    fn face(&self, style: Style) -> &Face {
        &self.faces[style as usize]
    }

    /// The width of `text` in points, as shaped.
    pub fn width(&self, text: &str, style: Style, size: f32) -> f32 {
        let face = self.face(style);
        let mut buffer = rustybuzz::UnicodeBuffer::new();
        buffer.push_str(text);
        let shaped = rustybuzz::shape(&face.shaper, &[], buffer);
        let units: i32 = shaped.glyph_positions().iter().map(|p| p.x_advance).sum();
        units as f32 * size / f32::from(face.shaper.units_per_em() as u16)
    }

    /// `text` broken at spaces into lines no wider than `width` (a word wider than that stays
    /// whole on its own line).
    pub fn wrap(&self, text: &str, style: Style, size: f32, width: f32) -> Vec<String> {
        let mut lines = Vec::new();
        for paragraph in text.split('\n') {
            let mut line = String::new();
            for word in paragraph.split(' ').filter(|w| !w.is_empty()) {
                let candidate = if line.is_empty() {
                    word.to_string()
                } else {
                    format!("{line} {word}")
                };
                if !line.is_empty() && self.width(&candidate, style, size) > width {
                    lines.push(std::mem::replace(&mut line, word.to_string()));
                } else {
                    line = candidate;
                }
            }
            lines.push(line);
        }
        lines
    }

    fn ops(&mut self) -> &mut Vec<Op> {
        self.pages.last_mut().expect("a page is always open")
    }

    /// Starts a new page when less than `height` is left on this one.
    pub fn keep(&mut self, height: f32) {
        if self.y + height > PAGE_HEIGHT - BOTTOM && self.y > TOP {
            self.pages.push(Vec::new());
            self.y = TOP;
        }
    }

    /// One line of text whose top is at `top`, aligned within `[x, x + width]`; returns the
    /// width drawn.
    // Every argument is one placement choice a caller makes; a struct would only rename them.
    #[allow(clippy::too_many_arguments)]
    pub fn text_at(
        &mut self,
        text: &str,
        style: Style,
        size: f32,
        x: f32,
        width: f32,
        align: Align,
        top: f32,
    ) -> f32 {
        let w = self.width(text, style, size);
        let x = match align {
            Align::Left => x,
            Align::Centre => x + (width - w) / 2.0,
            Align::Right => x + width - w,
        };
        self.ops().push(Op::Text {
            x,
            // The ascent of Liberation Serif is 0.891 em.
            baseline: top + 0.891 * size,
            style,
            size,
            text: text.to_string(),
        });
        w
    }

    /// A paragraph across the text width, wrapped, breaking pages as needed; `indent` is the
    /// first line's.
    pub fn paragraph(&mut self, text: &str, style: Style, size: f32, align: Align, indent: f32) {
        let leading = size * 1.25;
        let first_width = WIDTH - indent;
        let mut lines = self.wrap(text, style, size, first_width);
        // Lines after the first use the full width.
        if lines.len() > 1 {
            let rest = lines[1..].join(" ");
            lines.truncate(1);
            lines.extend(self.wrap(&rest, style, size, WIDTH));
        }
        for (i, line) in lines.iter().enumerate() {
            self.keep(leading);
            let (x, w) = if i == 0 {
                (LEFT + indent, first_width)
            } else {
                (LEFT, WIDTH)
            };
            self.text_at(line, style, size, x, w, align, self.y);
            self.y += leading;
        }
    }

    pub fn gap(&mut self, height: f32) {
        self.y += height;
    }

    pub fn line(&mut self, x1: f32, y1: f32, x2: f32, y2: f32, width: f32) {
        self.ops().push(Op::Line {
            x1,
            y1,
            x2,
            y2,
            width,
        });
    }

    pub fn rect(&mut self, x: f32, y: f32, w: f32, h: f32, rgb: (u8, u8, u8)) {
        self.ops().push(Op::Rect { x, y, w, h, rgb });
    }

    /// A ruled table across the text width: a bold header row, then the rows, each cell
    /// wrapped; the header is repeated on every page the table runs onto.
    pub fn table(&mut self, columns: &[Column], header: &[&str], rows: &[Vec<String>], size: f32) {
        let total: f32 = columns.iter().map(|c| c.width).sum();
        let widths: Vec<f32> = columns.iter().map(|c| c.width / total * WIDTH).collect();
        let pad = 3.0;
        let leading = size * 1.2;
        let header: Vec<String> = header.iter().map(|h| h.to_string()).collect();
        let wrap_row = |layout: &Layout, row: &[String], style: Style| -> Vec<Vec<String>> {
            row.iter()
                .zip(&widths)
                .map(|(cell, w)| layout.wrap(cell, style, size, w - 2.0 * pad))
                .collect()
        };
        let head = wrap_row(self, &header, Style::Bold);
        let height = |cells: &[Vec<String>]| {
            cells.iter().map(Vec::len).max().unwrap_or(1) as f32 * leading + 2.0 * pad
        };
        let draw = |layout: &mut Layout, cells: &[Vec<String>], style: Style, header: bool| {
            let h = height(cells);
            let top = layout.y;
            let mut x = LEFT;
            for ((lines, w), column) in cells.iter().zip(&widths).zip(columns) {
                let align = if header { Align::Centre } else { column.align };
                for (i, line) in lines.iter().enumerate() {
                    layout.text_at(
                        line,
                        style,
                        size,
                        x + pad,
                        w - 2.0 * pad,
                        align,
                        top + pad + i as f32 * leading,
                    );
                }
                layout.line(x, top, x, top + h, 0.5);
                x += w;
            }
            layout.line(x, top, x, top + h, 0.5);
            layout.line(LEFT, top, LEFT + WIDTH, top, 0.5);
            layout.line(LEFT, top + h, LEFT + WIDTH, top + h, 0.5);
            layout.y += h;
        };
        self.keep(height(&head) + leading * 2.0);
        draw(self, &head, Style::Bold, true);
        for row in rows {
            let cells = wrap_row(self, row, Style::Regular);
            if self.y + height(&cells) > PAGE_HEIGHT - BOTTOM {
                self.keep(PAGE_HEIGHT);
                draw(self, &head, Style::Bold, true);
            }
            draw(self, &cells, Style::Regular, false);
        }
    }

    /// The PDF, one A4 page per page laid out.
    pub fn finish(self) -> anyhow::Result<Vec<u8>> {
        let mut document = Document::new();
        let settings = PageSettings::from_wh(PAGE_WIDTH, PAGE_HEIGHT)
            .ok_or_else(|| anyhow::anyhow!("A4 is a page size"))?;
        for ops in &self.pages {
            let mut page = document.start_page_with(settings.clone());
            let mut surface = page.surface();
            for op in ops {
                match op {
                    Op::Text {
                        x,
                        baseline,
                        style,
                        size,
                        text,
                    } => {
                        surface.set_stroke(None);
                        surface.set_fill(Some(Fill::default()));
                        surface.draw_text(
                            Point::from_xy(*x, *baseline),
                            self.faces[*style as usize].font.clone(),
                            *size,
                            text,
                            false,
                            TextDirection::Auto,
                        );
                    }
                    Op::Rect { x, y, w, h, rgb } => {
                        let mut path = PathBuilder::new();
                        if let Some(rect) = Rect::from_xywh(*x, *y, *w, *h) {
                            path.push_rect(rect);
                        }
                        if let Some(path) = path.finish() {
                            surface.set_stroke(None);
                            surface.set_fill(Some(Fill {
                                paint: rgb::Color::new(rgb.0, rgb.1, rgb.2).into(),
                                opacity: NormalizedF32::ONE,
                                rule: Default::default(),
                            }));
                            surface.draw_path(&path);
                        }
                    }
                    Op::Line {
                        x1,
                        y1,
                        x2,
                        y2,
                        width,
                    } => {
                        let mut path = PathBuilder::new();
                        path.move_to(*x1, *y1);
                        path.line_to(*x2, *y2);
                        if let Some(path) = path.finish() {
                            surface.set_fill(None);
                            surface.set_stroke(Some(Stroke {
                                width: *width,
                                ..Default::default()
                            }));
                            surface.draw_path(&path);
                        }
                    }
                }
            }
            surface.finish();
            page.finish();
        }
        document
            .finish()
            .map_err(|e| anyhow::anyhow!("the PDF could not be written: {e:?}"))
    }
}
