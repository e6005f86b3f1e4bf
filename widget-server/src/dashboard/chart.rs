//! Inline SVG charts for the dashboard: readable without JavaScript, no fonts or files.

use frontline_shared::stats::days::DayPoint;

const WIDTH: f64 = 720.0;
const HEIGHT: f64 = 240.0;
const LEFT: f64 = 44.0;
const BOTTOM: f64 = 28.0;
const TOP: f64 = 12.0;
/// Room right of the plot (the last point's marker).
const RIGHT: f64 = 8.0;

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

/// Y-axis ticks for counts up to `max`: a "nice" step (1, 2 or 5 × 10^k, never below 1)
/// giving at most five intervals, from 0 to the first multiple of the step at or above
/// `max`. Returns the ticks; the last one is the top of the axis.
pub fn nice_ticks(max: i64) -> Vec<i64> {
    let max = max.max(1);
    let mut magnitude = 1_i64;
    let step = loop {
        if let Some(step) = [1, 2, 5]
            .iter()
            .map(|m| m * magnitude)
            .find(|step| (max + step - 1) / step <= 5)
        {
            break step;
        }
        magnitude = magnitude.saturating_mul(10);
    };
    let intervals = (max + step - 1) / step;
    (0..=intervals).map(|i| i * step).collect()
}

/// Which points get a date under the axis: about eight, evenly spaced, always the last
/// day (the one people look for), without a label crowding it.
fn labelled(count: usize) -> Vec<usize> {
    if count == 0 {
        return Vec::new();
    }
    let every = count.div_ceil(8).max(1);
    let last = count - 1;
    let mut picked: Vec<usize> = (0..count).step_by(every).collect();
    if picked.last() != Some(&last) {
        if picked
            .last()
            .is_some_and(|&p| last - p < every.div_ceil(2).max(1) && p != 0)
        {
            picked.pop();
        }
        picked.push(last);
    }
    picked
}

/// A line chart of daily conversations, deflections and handoffs.
pub fn daily_volume(points: &[DayPoint]) -> String {
    let highest = points
        .iter()
        .map(|p| p.conversations.max(p.handoffs).max(p.deflected))
        .max()
        .unwrap_or(0);
    let ticks = nice_ticks(highest);
    let top = ticks.last().copied().unwrap_or(1).max(1) as f64;
    let plot_w = WIDTH - LEFT - RIGHT;
    let plot_h = HEIGHT - TOP - BOTTOM;
    let x = |i: usize| {
        LEFT + if points.len() > 1 {
            plot_w * i as f64 / (points.len() - 1) as f64
        } else {
            plot_w / 2.0
        }
    };
    let y = |v: i64| TOP + plot_h - plot_h * v as f64 / top;
    let mut svg = format!(
        "<svg class=\"chart\" viewBox=\"0 0 {WIDTH} {HEIGHT}\" role=\"img\" aria-label=\"Daily conversations, deflections and handoffs\" xmlns=\"http://www.w3.org/2000/svg\">"
    );
    for v in ticks {
        let ty = y(v);
        svg.push_str(&format!(
            "<line x1=\"{LEFT}\" x2=\"{}\" y1=\"{ty:.1}\" y2=\"{ty:.1}\" stroke=\"#e5e7eb\"/><text class=\"tick\" x=\"{}\" y=\"{:.1}\" font-size=\"11\" text-anchor=\"end\" fill=\"#6b7280\">{v}</text>",
            WIDTH - RIGHT,
            LEFT - 6.0,
            ty + 4.0
        ));
    }
    let last = points.len().saturating_sub(1);
    for i in labelled(points.len()) {
        let point = &points[i];
        let day = point.day.get(5..).unwrap_or(&point.day);
        // The last date ends at the plot's right edge instead of running past the image.
        let anchor = if i == last && points.len() > 1 {
            "end"
        } else {
            "middle"
        };
        svg.push_str(&format!(
            "<text class=\"day\" x=\"{:.1}\" y=\"{}\" font-size=\"11\" text-anchor=\"{anchor}\" fill=\"#6b7280\">{}</text>",
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

    #[test]
    fn ticks_step_by_one_two_or_five_times_a_power_of_ten() {
        assert_eq!(nice_ticks(0), [0, 1]);
        assert_eq!(nice_ticks(1), [0, 1]);
        assert_eq!(nice_ticks(4), [0, 1, 2, 3, 4]);
        assert_eq!(nice_ticks(7), [0, 2, 4, 6, 8]);
        assert_eq!(nice_ticks(10), [0, 2, 4, 6, 8, 10]);
        assert_eq!(nice_ticks(11), [0, 5, 10, 15]);
        assert_eq!(nice_ticks(23), [0, 5, 10, 15, 20, 25]);
        assert_eq!(nice_ticks(48), [0, 10, 20, 30, 40, 50]);
        assert_eq!(nice_ticks(730), [0, 200, 400, 600, 800]);
        assert_eq!(
            nice_ticks(1_000_000),
            [0, 200_000, 400_000, 600_000, 800_000, 1_000_000]
        );
        for max in 0..3_000 {
            let ticks = nice_ticks(max);
            let step = ticks[1];
            let mantissa = step / 10_i64.pow(step.ilog10());
            assert!([1, 2, 5].contains(&mantissa), "{max}: step {step}");
            assert!(
                ticks.len() <= 6 && *ticks.last().unwrap_or(&0) >= max,
                "{max}: {ticks:?}"
            );
            assert!(ticks.windows(2).all(|w| w[1] - w[0] == step));
        }
    }

    fn days(n: usize) -> Vec<DayPoint> {
        (0..n)
            .map(|d| DayPoint {
                day: format!("2026-11-{:02}", d + 1),
                conversations: 7,
                deflected: 3,
                handoffs: 1,
            })
            .collect()
    }

    #[test]
    fn the_axis_reads_in_nice_steps_and_the_last_day_fits_in_the_image() {
        let svg = daily_volume(&days(7));
        let ticks: Vec<&str> = svg
            .split("<text class=\"tick\"")
            .skip(1)
            .filter_map(|t| {
                t.split_once('>')
                    .and_then(|(_, r)| r.split_once('<'))
                    .map(|(v, _)| v)
            })
            .collect();
        assert_eq!(ticks, ["0", "2", "4", "6", "8"]);
        for n in [1, 2, 7, 14, 30, 31, 90] {
            let svg = daily_volume(&days(n));
            let labels: Vec<&str> = svg.split("<text class=\"day\"").skip(1).collect();
            let last = labels.last().expect("a label");
            assert!(last.contains(&format!(">11-{n:02}<")), "{n}: {last}");
            if n > 1 {
                assert!(last.contains("text-anchor=\"end\""), "{n}: {last}");
            }
            assert!(labels.len() <= 9, "{n}: {} labels", labels.len());
        }
    }
}
