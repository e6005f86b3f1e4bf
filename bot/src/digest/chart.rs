//! The digest's chart: the last 14 days of conversations, deflections and handoffs as a
//! PNG, drawn with plotters into memory and encoded with `png`; with the conversations
//! that were forecast for those days (stored forecasts, see `frontline_shared::planning`)
//! as a fourth line where there were any.
//!
//! The font (DejaVu Sans, `bot/assets/`, free licence alongside) is compiled in, so the
//! chart looks the same on a machine without system fonts.

use std::sync::OnceLock;

use frontline_shared::stats::days::DayPoint;
use plotters::prelude::*;
use plotters::style::{register_font, FontStyle};

/// Width and height of the chart in pixels.
pub const SIZE: (u32, u32) = (900, 420);

const FONT: &[u8] = include_bytes!("../../assets/DejaVuSans.ttf");

#[derive(Debug, thiserror::Error)]
pub enum ChartError {
    #[error("cannot load the chart font")]
    Font,
    #[error("cannot draw the chart: {0}")]
    Draw(#[source] Box<dyn std::error::Error + Send + Sync>),
    #[error("cannot encode the chart: {0}")]
    Encode(#[from] png::EncodingError),
}

fn font_ready() -> Result<(), ChartError> {
    static REGISTERED: OnceLock<bool> = OnceLock::new();
    let ok =
        *REGISTERED.get_or_init(|| register_font("sans-serif", FontStyle::Normal, FONT).is_ok());
    if ok {
        Ok(())
    } else {
        Err(ChartError::Font)
    }
}

fn drawing<E: std::error::Error + Send + Sync + 'static>(error: E) -> ChartError {
    ChartError::Draw(Box::new(error))
}

type Line = (&'static str, RGBColor, fn(&DayPoint) -> i64);

const LINES: [Line; 3] = [
    ("Conversations", RGBColor(37, 99, 235), |p| p.conversations),
    ("Deflected", RGBColor(22, 163, 74), |p| p.deflected),
    ("Handoffs", RGBColor(220, 38, 38), |p| p.handoffs),
];

/// Colour of the forecast line.
pub const FORECAST_COLOR: RGBColor = RGBColor(147, 51, 234);

/// The conversations forecast for each day of `series` (summed over the digest's sites),
/// `None` where no forecast was stored.
pub fn forecast_series(
    series: &[DayPoint],
    planning: &[frontline_shared::planning::DigestLines],
) -> Vec<Option<f64>> {
    series
        .iter()
        .map(|p| {
            let found: Vec<f64> = planning
                .iter()
                .flat_map(|l| l.forecast_series.iter())
                .filter(|d| d.day == p.day)
                .map(|d| d.forecast)
                .collect();
            (!found.is_empty()).then(|| found.iter().sum())
        })
        .collect()
}

/// The chart of `series` (oldest day first) and the conversations forecast for each of
/// its days (`None`: no forecast) as PNG bytes.
pub fn render(series: &[DayPoint], forecast: &[Option<f64>]) -> Result<Vec<u8>, ChartError> {
    font_ready()?;
    let (width, height) = SIZE;
    let mut pixels = vec![0u8; width as usize * height as usize * 3];
    draw(series, forecast, &mut pixels)?;
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, width, height);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header()?;
    writer.write_image_data(&pixels)?;
    writer.finish()?;
    Ok(out)
}

fn draw(
    series: &[DayPoint],
    forecast: &[Option<f64>],
    pixels: &mut [u8],
) -> Result<(), ChartError> {
    let root = BitMapBackend::with_buffer(pixels, SIZE).into_drawing_area();
    root.fill(&WHITE).map_err(drawing)?;
    let days = i32::try_from(series.len()).unwrap_or(i32::MAX).max(2);
    let top = series
        .iter()
        .map(|p| p.conversations.max(p.deflected).max(p.handoffs))
        .max()
        .unwrap_or(0)
        .max(
            forecast
                .iter()
                .flatten()
                .fold(0.0_f64, |a, b| a.max(*b))
                .ceil() as i64,
        )
        .max(4);
    let mut chart = ChartBuilder::on(&root)
        .caption("Last 14 days", ("sans-serif", 22))
        .margin(14)
        .x_label_area_size(34)
        .y_label_area_size(48)
        .build_cartesian_2d(0..days - 1, 0..top + top / 8 + 1)
        .map_err(drawing)?;
    let label = |i: &i32| {
        usize::try_from(*i)
            .ok()
            .and_then(|i| series.get(i))
            .map(|p| p.day.get(5..).unwrap_or(&p.day).to_string())
            .unwrap_or_default()
    };
    chart
        .configure_mesh()
        .x_labels(series.len().max(2))
        .x_label_formatter(&label)
        .label_style(("sans-serif", 13))
        .light_line_style(WHITE.mix(0.0))
        .draw()
        .map_err(drawing)?;
    for (name, color, get) in LINES {
        let points = series
            .iter()
            .enumerate()
            .map(|(i, p)| (i32::try_from(i).unwrap_or(0), get(p)));
        chart
            .draw_series(LineSeries::new(points, color.stroke_width(3)))
            .map_err(drawing)?
            .label(name)
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 18, y)], color.stroke_width(3))
            });
    }
    let predicted: Vec<(i32, i64)> = forecast
        .iter()
        .enumerate()
        .filter_map(|(i, f)| f.map(|f| (i32::try_from(i).unwrap_or(0), f.round() as i64)))
        .collect();
    if !predicted.is_empty() {
        chart
            .draw_series(LineSeries::new(predicted, FORECAST_COLOR.stroke_width(2)))
            .map_err(drawing)?
            .label("Conversations forecast")
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 18, y)], FORECAST_COLOR.stroke_width(2))
            });
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .label_font(("sans-serif", 14))
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK.mix(0.3))
        .draw()
        .map_err(drawing)?;
    root.present().map_err(drawing)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(n: i64) -> DayPoint {
        DayPoint {
            day: format!("2026-11-{:02}", n + 1),
            conversations: 10 * n,
            deflected: 6 * n,
            handoffs: n,
        }
    }

    #[test]
    fn renders_a_png_of_the_documented_size() {
        let series: Vec<DayPoint> = (0..14).map(day).collect();
        let forecast: Vec<Option<f64>> =
            (0..14).map(|n| (n > 3).then_some(9.0 * n as f64)).collect();
        let png = render(&series, &forecast).expect("renders");
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
        let width = u32::from_be_bytes(png[16..20].try_into().expect("width"));
        let height = u32::from_be_bytes(png[20..24].try_into().expect("height"));
        assert_eq!((width, height), SIZE);
        // Drawn, not blank: the lines' colours are in the picture.
        let decoder = png::Decoder::new(std::io::Cursor::new(&png));
        let mut reader = decoder.read_info().expect("decodes");
        let mut pixels = vec![0; reader.output_buffer_size()];
        reader.next_frame(&mut pixels).expect("frame");
        let colors = LINES.iter().map(|l| l.1).chain([FORECAST_COLOR]);
        for color in colors {
            let RGBColor(r, g, b) = color;
            assert!(
                pixels.chunks(3).any(|p| p == [r, g, b]),
                "no pixel of {r},{g},{b}"
            );
        }
    }

    #[test]
    fn an_empty_history_still_renders() {
        let png = render(&[], &[]).expect("renders");
        assert_eq!(&png[..4], b"\x89PNG");
    }
}
