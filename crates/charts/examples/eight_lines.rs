//! Writes an eight-series line chart (top seven sources and "Прочие" over twelve weeks) to the path given, to look
//! at the palette and the line-end names: `cargo run -p b24a-charts --example eight_lines -- out.svg`.
use b24a_charts::{render_svg, ChartKind, ChartSpec, Locale, Series, ValueFormat};

fn main() {
    let names = [
        "CRM-форма",
        "По рекомендации",
        "Обратный звонок",
        "Звонок",
        "Электронная почта",
        "Веб-сайт",
        "Реклама",
        "Прочие",
    ];
    let spec = ChartSpec {
        title: "Динамика источников — Создано сделок".into(),
        kind: ChartKind::Line,
        categories: (0..12)
            .map(|w| format!("{:02}.{:02}.26", 1 + (w * 7) % 28, 8 + w / 4))
            .collect(),
        series: names
            .iter()
            .enumerate()
            .map(|(i, n)| Series {
                name: n.to_string(),
                values: (0..12)
                    .map(|w| ((i * 7 + w * 3) % 17) as f64 + (8 - i) as f64)
                    .collect(),
                color: None,
            })
            .collect(),
        points: vec![],
        value_format: ValueFormat::Count,
        x_format: ValueFormat::Count,
        x_label: None,
        y_label: None,
        locale: Locale::Ru,
        width: 1000,
        height: 380,
    };
    let out = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "eight_lines.svg".into());
    if let Err(e) = std::fs::write(&out, render_svg(&spec)) {
        eprintln!("cannot write {out}: {e}");
        std::process::exit(1);
    }
}
