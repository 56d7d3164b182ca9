//! An HTML report of a simulation run, with inline SVG charts a care manager
//! reads: arrivals against agents on shift, the queue over time, the
//! first-response distribution against the promise, and the published
//! estimate against what customers got. Feature `report` (plotters, SVG
//! backend only: text is written as SVG `<text>`, no font files needed).
//!
//! ```
//! use caredesk::sim::{run, ReferenceDesk, SimConfig, Workload};
//! let desk = ReferenceDesk { weekly_mentions: 600.0, weekly_queries: 70.0, agents: 20, ..ReferenceDesk::default() };
//! let report = run(SimConfig::new(1, Workload::Reference(desk)))?;
//! let html = caredesk::report::render_html(&report, "A small week")?;
//! assert!(html.starts_with("<!DOCTYPE html>"));
//! assert_eq!(html.matches("<svg").count(), 4);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use crate::sim::{Row, SimReport};
use plotters::prelude::*;
use std::fmt::Write as _;

/// A chart could not be drawn.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReportError {
    /// plotters failed to draw into its SVG string (the message says how);
    /// this does not depend on the data, so report it as a bug.
    #[error("drawing a chart failed: {0}")]
    Draw(String),
}

fn draw_error<E: std::fmt::Debug>(error: E) -> ReportError {
    ReportError::Draw(format!("{error:?}"))
}

const WIDTH: u32 = 1100;
const HEIGHT: u32 = 340;
const BLUE: RGBColor = RGBColor(31, 119, 180);
const ORANGE: RGBColor = RGBColor(230, 120, 20);
const RED: RGBColor = RGBColor(200, 30, 30);
const GREY: RGBColor = RGBColor(120, 120, 120);

/// Renders the whole page: a summary, the tables and four charts.
///
/// # Errors
/// [`ReportError::Draw`] if plotters fails to draw (not expected).
pub fn render_html(report: &SimReport, title: &str) -> Result<String, ReportError> {
    let mut html = String::with_capacity(256 * 1024);
    let _ = write!(
        html,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{title}</title>\
<style>body{{font-family:sans-serif;margin:24px;color:#222;max-width:1150px}}\
table{{border-collapse:collapse;margin:8px 0 20px}}td,th{{border-bottom:1px solid #ddd;padding:3px 9px;text-align:right}}\
th{{background:#f3f3f3}}td:first-child,th:first-child{{text-align:left}}.bad{{color:#c00;font-weight:bold}}\
.kpi{{display:inline-block;margin:0 28px 12px 0}}.kpi b{{font-size:26px;display:block}}</style></head><body>\n<h1>{title}</h1>\n",
        title = escape(title)
    );
    let total = &report.total;
    let kpis = [
        ("inbound messages", total.inbound.to_string()),
        ("queries", total.queries.to_string()),
        ("answered within 1 hour", share(total.within_promise_share)),
        (
            "first response p50 / p90",
            format!(
                "{} / {} min",
                minutes(total.first_response_p50_minutes),
                minutes(total.first_response_p90_minutes)
            ),
        ),
        ("breaches", total.breaches.to_string()),
        (
            "agent occupancy",
            format!("{:.0}%", report.occupancy * 100.0),
        ),
        ("peak queue", report.peak_queue.to_string()),
        ("published estimate kept", share(report.eta.kept_share)),
    ];
    html.push_str("<div>");
    for (label, value) in kpis {
        let _ = write!(html, "<span class=\"kpi\"><b>{value}</b>{label}</span>");
    }
    html.push_str("</div>\n");
    html.push_str("<h2>Arrivals and agents on shift, per hour</h2>\n");
    html.push_str(&arrivals_chart(report)?);
    html.push_str("<h2>Waiting queue (longest in each hour)</h2>\n");
    html.push_str(&queue_chart(report)?);
    html.push_str("<h2>First response against the one-hour promise</h2>\n");
    html.push_str(&first_response_chart(report)?);
    html.push_str("<h2>Published estimate against what customers got</h2>\n");
    html.push_str(&estimate_chart(report)?);
    if let Some(sales) = &report.sales {
        sales_table(&mut html, sales);
    }
    table(&mut html, "Per language", &report.languages);
    table(&mut html, "Per channel", &report.channels);
    table(&mut html, "Per day", &report.days);
    html.push_str(
        "<p>Escalations count engine events whose name starts with \"escalat\"; \
they stay 0 until the escalation stage emits such events.</p>\n</body></html>\n",
    );
    Ok(html)
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn share(value: Option<f64>) -> String {
    value.map_or_else(|| "–".into(), |v| format!("{:.1}%", v * 100.0))
}

fn minutes(value: Option<f64>) -> String {
    value.map_or_else(|| "–".into(), |v| format!("{v:.1}"))
}

fn sales_table(html: &mut String, sales: &crate::sim::sales::SalesSummary) {
    html.push_str(
        "<h2>Conversion and satisfaction against first response</h2>\n<table><tr><th>first response</th>\
<th>opportunities</th><th>booked</th><th>conversion</th><th>surveys</th><th>answers</th><th>CSAT (4–5)</th></tr>\n",
    );
    for row in sales.by_response_time() {
        let _ = writeln!(
            html,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(&row.band),
            row.opportunities,
            row.conversions,
            share(row.conversion_rate),
            row.surveys,
            row.responses,
            share(row.csat)
        );
    }
    html.push_str("</table>\n");
    let revenue: Vec<String> = sales
        .revenue_minor()
        .iter()
        .map(|(currency, minor)| format!("{} {:.0}", escape(currency), *minor as f64 / 100.0))
        .collect();
    let _ = writeln!(
        html,
        "<p>Revenue from bookings linked to offers: {}. Bands by the wait for the first agent \
reply; <i>within</i> and <i>late</i> against the promise.</p>",
        if revenue.is_empty() {
            "none".to_owned()
        } else {
            revenue.join(", ")
        }
    );
}

fn table(html: &mut String, caption: &str, rows: &[Row]) {
    let _ = write!(
        html,
        "<h2>{caption}</h2>\n<table><tr><th></th><th>inbound</th><th>queries</th><th>answered</th>\
<th>p50 min</th><th>p90 min</th><th>within 1 h</th><th>breaches</th><th>escalations</th></tr>\n"
    );
    for row in rows {
        let low = row.within_promise_share.is_some_and(|s| s < 0.95);
        let _ = writeln!(
            html,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td{}>{}</td><td>{}</td><td>{}</td></tr>",
            escape(&row.label),
            row.inbound,
            row.queries,
            row.answered,
            minutes(row.first_response_p50_minutes),
            minutes(row.first_response_p90_minutes),
            if low { " class=\"bad\"" } else { "" },
            share(row.within_promise_share),
            row.breaches,
            row.escalations
        );
    }
    html.push_str("</table>\n");
}

fn chart<F>(draw: F) -> Result<String, ReportError>
where
    F: FnOnce(&DrawingArea<SVGBackend<'_>, plotters::coord::Shift>) -> Result<(), ReportError>,
{
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, HEIGHT)).into_drawing_area();
        root.fill(&WHITE).map_err(draw_error)?;
        draw(&root)?;
        root.present().map_err(draw_error)?;
    }
    Ok(svg + "\n")
}

fn hours_axis(report: &SimReport) -> u32 {
    (report.hourly.len() as u32).max(1)
}

fn arrivals_chart(report: &SimReport) -> Result<String, ReportError> {
    chart(|root| {
        let top = report
            .hourly
            .iter()
            .map(|h| (h.queries as f64).max(h.agents_online))
            .fold(1.0, f64::max);
        let mut chart = ChartBuilder::on(root)
            .margin(10)
            .x_label_area_size(35)
            .y_label_area_size(55)
            .build_cartesian_2d(0u32..hours_axis(report), 0f64..top * 1.1)
            .map_err(draw_error)?;
        chart
            .configure_mesh()
            .x_desc("hours since Monday 00:00 UTC")
            .y_desc("per hour")
            .x_labels(15)
            .draw()
            .map_err(draw_error)?;
        chart
            .draw_series(LineSeries::new(
                report.hourly.iter().map(|h| (h.hour, h.queries as f64)),
                BLUE.stroke_width(2),
            ))
            .map_err(draw_error)?
            .label("queries arriving")
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], BLUE.stroke_width(2)));
        chart
            .draw_series(LineSeries::new(
                report.hourly.iter().map(|h| (h.hour, h.agents_online)),
                ORANGE.stroke_width(2),
            ))
            .map_err(draw_error)?
            .label("agents online")
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], ORANGE.stroke_width(2)));
        chart
            .configure_series_labels()
            .background_style(WHITE.mix(0.8))
            .border_style(GREY)
            .position(SeriesLabelPosition::UpperLeft)
            .draw()
            .map_err(draw_error)
    })
}

fn queue_chart(report: &SimReport) -> Result<String, ReportError> {
    chart(|root| {
        let top = report
            .hourly
            .iter()
            .map(|h| h.queue_max)
            .max()
            .unwrap_or(0)
            .max(1) as f64;
        let mut chart = ChartBuilder::on(root)
            .margin(10)
            .x_label_area_size(35)
            .y_label_area_size(55)
            .build_cartesian_2d(0u32..hours_axis(report), 0f64..top * 1.1)
            .map_err(draw_error)?;
        chart
            .configure_mesh()
            .x_desc("hours since Monday 00:00 UTC")
            .y_desc("conversations waiting")
            .x_labels(15)
            .draw()
            .map_err(draw_error)?;
        chart
            .draw_series(
                AreaSeries::new(
                    report.hourly.iter().map(|h| (h.hour, h.queue_max as f64)),
                    0.0,
                    BLUE.mix(0.25),
                )
                .border_style(BLUE),
            )
            .map_err(draw_error)?;
        Ok(())
    })
}

fn first_response_chart(report: &SimReport) -> Result<String, ReportError> {
    chart(|root| {
        let bins = &report.first_response_bins;
        let top = bins.iter().copied().max().unwrap_or(0).max(1) as f64;
        let n = bins.len() as u32;
        let mut chart = ChartBuilder::on(root)
            .margin(10)
            .x_label_area_size(35)
            .y_label_area_size(65)
            .build_cartesian_2d(0u32..n * 5, 0f64..top * 1.1)
            .map_err(draw_error)?;
        chart
            .configure_mesh()
            .x_desc("first response, minutes (last bar: 4 hours or more)")
            .y_desc("queries")
            .x_labels(13)
            .draw()
            .map_err(draw_error)?;
        chart
            .draw_series(bins.iter().enumerate().map(|(i, count)| {
                let x = i as u32 * 5;
                let color = if x >= 60 { RED } else { BLUE };
                Rectangle::new([(x, 0.0), (x + 5, *count as f64)], color.mix(0.7).filled())
            }))
            .map_err(draw_error)?;
        chart
            .draw_series(std::iter::once(PathElement::new(
                vec![(60, 0.0), (60, top * 1.1)],
                BLACK.stroke_width(2),
            )))
            .map_err(draw_error)?
            .label("the one-hour promise")
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], BLACK.stroke_width(2)));
        chart
            .configure_series_labels()
            .background_style(WHITE.mix(0.8))
            .border_style(GREY)
            .draw()
            .map_err(draw_error)
    })
}

fn estimate_chart(report: &SimReport) -> Result<String, ReportError> {
    chart(|root| {
        let top = report
            .hourly
            .iter()
            .flat_map(|h| {
                [
                    h.published_minutes.map(f64::from),
                    h.first_response_p90_minutes,
                ]
            })
            .flatten()
            .fold(10.0, f64::max);
        let mut chart = ChartBuilder::on(root)
            .margin(10)
            .x_label_area_size(35)
            .y_label_area_size(55)
            .build_cartesian_2d(0u32..hours_axis(report), 0f64..top * 1.1)
            .map_err(draw_error)?;
        chart
            .configure_mesh()
            .x_desc("hours since Monday 00:00 UTC")
            .y_desc("minutes")
            .x_labels(15)
            .draw()
            .map_err(draw_error)?;
        chart
            .draw_series(LineSeries::new(
                report
                    .hourly
                    .iter()
                    .filter_map(|h| Some((h.hour, f64::from(h.published_minutes?)))),
                ORANGE.stroke_width(2),
            ))
            .map_err(draw_error)?
            .label("published \"we answer within\"")
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], ORANGE.stroke_width(2)));
        chart
            .draw_series(LineSeries::new(
                report
                    .hourly
                    .iter()
                    .filter_map(|h| Some((h.hour, h.first_response_p90_minutes?))),
                BLUE.stroke_width(1),
            ))
            .map_err(draw_error)?
            .label("actual first response, p90 of the hour's arrivals")
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], BLUE.stroke_width(1)));
        chart
            .configure_series_labels()
            .background_style(WHITE.mix(0.8))
            .border_style(GREY)
            .position(SeriesLabelPosition::UpperLeft)
            .draw()
            .map_err(draw_error)
    })
}
