//! Inline SVG charts for the dashboard: readable without JavaScript, no fonts or files.

use frontline_shared::stats::days::DayPoint;

const WIDTH: f64 = 720.0;
const HEIGHT: f64 = 240.0;
const LEFT: f64 = 44.0;
const BOTTOM: f64 = 28.0;
const TOP: f64 = 12.0;

/// The series drawn, with their colours.
const SERIES: [(&str, &str); 3] = [
    ("Conversations", "#2563eb"),
    ("Deflected", "#16a34a"),
    ("Handoffs", "#dc2626"),
];

fn value(point: &DayPoint, series: usize) -> i64 {
    match series {
        0 => point.conversations,
        1 => point.deflected,
        _ => point.handoffs,
    }
}

/// A line chart of daily conversations, deflections and handoffs.
pub fn daily_volume(points: &[DayPoint]) -> String {
    let max = points
        .iter()
        .map(|p| p.conversations.max(p.handoffs).max(p.deflected))
        .max()
        .unwrap_or(0)
        .max(1) as f64;
    let plot_w = WIDTH - LEFT - 8.0;
    let plot_h = HEIGHT - TOP - BOTTOM;
    let x = |i: usize| {
        LEFT + if points.len() > 1 {
            plot_w * i as f64 / (points.len() - 1) as f64
        } else {
            plot_w / 2.0
        }
    };
    let y = |v: i64| TOP + plot_h - plot_h * v as f64 / max;
    let mut svg = format!(
        "<svg class=\"chart\" viewBox=\"0 0 {WIDTH} {HEIGHT}\" role=\"img\" aria-label=\"Daily conversations, deflections and handoffs\" xmlns=\"http://www.w3.org/2000/svg\">"
    );
    for tick in 0..=4 {
        let v = (max * tick as f64 / 4.0).round() as i64;
        let ty = y(v);
        svg.push_str(&format!(
            "<line x1=\"{LEFT}\" x2=\"{}\" y1=\"{ty:.1}\" y2=\"{ty:.1}\" stroke=\"#e5e7eb\"/><text x=\"{}\" y=\"{:.1}\" font-size=\"11\" text-anchor=\"end\" fill=\"#6b7280\">{v}</text>",
            WIDTH - 8.0,
            LEFT - 6.0,
            ty + 4.0
        ));
    }
    let label_every = points.len().div_ceil(8).max(1);
    for (i, point) in points
        .iter()
        .enumerate()
        .filter(|(i, _)| i % label_every == 0)
    {
        let day = point.day.get(5..).unwrap_or(&point.day);
        svg.push_str(&format!(
            "<text x=\"{:.1}\" y=\"{}\" font-size=\"11\" text-anchor=\"middle\" fill=\"#6b7280\">{}</text>",
            x(i),
            HEIGHT - 8.0,
            escape(day)
        ));
    }
    for (s, (name, colour)) in SERIES.iter().enumerate() {
        let path: Vec<String> = points
            .iter()
            .enumerate()
            .map(|(i, p)| format!("{:.1},{:.1}", x(i), y(value(p, s))))
            .collect();
        svg.push_str(&format!(
            "<polyline fill=\"none\" stroke=\"{colour}\" stroke-width=\"2\" points=\"{}\"><title>{name}</title></polyline>",
            path.join(" ")
        ));
        for (i, p) in points.iter().enumerate() {
            svg.push_str(&format!(
                "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"2.5\" fill=\"{colour}\"><title>{} {name}: {}</title></circle>",
                x(i),
                y(value(p, s)),
                escape(&p.day),
                value(p, s)
            ));
        }
    }
    svg.push_str("</svg>");
    svg
}

/// The chart's legend as HTML.
pub fn legend() -> String {
    SERIES
        .iter()
        .map(|(name, colour)| {
            // A swatch drawn in SVG: a style attribute would need CSP's 'unsafe-inline'.
            format!("<span class=\"legend\"><svg viewBox=\"0 0 10 10\" aria-hidden=\"true\"><rect width=\"10\" height=\"10\" rx=\"2\" fill=\"{colour}\"/></svg>{name}</span>")
        })
        .collect()
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draws_one_point_per_day_and_series() {
        let points: Vec<DayPoint> = (1..=3)
            .map(|d| DayPoint {
                day: format!("2026-11-0{d}"),
                conversations: d * 10,
                deflected: d * 5,
                handoffs: d,
            })
            .collect();
        let svg = daily_volume(&points);
        assert_eq!(svg.matches("<circle").count(), 9);
        assert!(svg.contains("2026-11-03 Conversations: 30"));
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
    }
}
