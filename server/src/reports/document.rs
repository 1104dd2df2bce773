//! What a report's content asks of a document format, so that the content is written once
//! (`reports::commune_report`, `reports::province_report`) and drawn by each format: the PDF that
//! is filed (`pdf.rs`) and the editable Word document (`docx.rs`).

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
    pub fn place_and_date(&self) -> String {
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
pub enum Body {
    /// `UBND PHƯỜNG BÌNH PHƯỚC`.
    Commune(String),
    /// `UBND THÀNH PHỐ ĐỒNG NAI` over `SỞ NỘI VỤ`.
    Department(String),
}

impl Body {
    /// The line above the body's own name (the body it belongs to, in regular type), if any,
    /// and its own name in capitals (bold).
    pub fn lines(&self) -> (Option<String>, String) {
        match self {
            Body::Commune(name) => (None, format!("UBND {}", name.to_uppercase())),
            Body::Department(province) => (
                Some(format!("UBND {}", province.to_uppercase())),
                "SỞ NỘI VỤ".to_string(),
            ),
        }
    }
}

/// The Quốc hiệu and the Tiêu ngữ, as the decree writes them.
pub const QUOC_HIEU: &str = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM";
pub const TIEU_NGU: &str = "Độc lập - Tự do - Hạnh phúc";

/// Body text size: the decree asks for 13–14 pt.
pub const BODY: f32 = 13.0;
/// Table text size.
pub const TABLE: f32 = 12.0;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Align {
    Left,
    Centre,
    Right,
}

/// A column of a table: its share of the width and how its cells align.
#[derive(Clone, Copy, Debug)]
pub struct Column {
    pub width: f32,
    pub align: Align,
}

/// One bar of a chart: its label, the satisfied share in tenths of a percent (`None` when
/// nobody answered: no bar, never a bar at 0%) and the share as written.
pub struct Bar {
    pub label: String,
    pub tenths: Option<u64>,
    pub value: String,
}

/// A report being written, from the top of its first page down.
pub trait Document {
    /// The frame's top: issuing body and number, Quốc hiệu, Tiêu ngữ, place and date, then
    /// "BÁO CÁO" and the subtitle.
    fn frame_top(&mut self, body: &Body, symbol: &str, issuer: &Issuer, subtitle: &str);
    /// A numbered section's heading.
    fn heading(&mut self, text: &str);
    /// A body paragraph.
    fn says(&mut self, text: &str);
    /// A ruled table with a header row; `size` is its text size in points.
    fn table(&mut self, columns: &[Column], header: &[&str], rows: &[Vec<String>], size: f32);
    /// Vertical space, in points.
    fn gap(&mut self, points: f32);
    /// A horizontal bar chart on a 0–100% scale (the elements).
    fn bars(&mut self, bars: &[Bar]);
    /// Bars over time on a 0–100% scale (the trend).
    fn trend(&mut self, steps: &[Bar]);
    /// The frame's bottom: recipients on the left, the signature block on the right.
    fn frame_bottom(&mut self, recipients: &[String], on_behalf: Option<&str>, title: &str);
    /// The file's bytes.
    fn finish(self) -> anyhow::Result<Vec<u8>>;
}
