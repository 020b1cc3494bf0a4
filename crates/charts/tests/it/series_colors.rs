//! Many-series line charts as a reader sees them: every series its own colour (the marks in the SVG carry no
//! repeated fill), each line's name written beside its end, money values rounded like the tables.

use b24a_charts::spec::series_palette_color;
use b24a_charts::{render_svg, ChartKind, ChartSpec, Locale, Series, ValueFormat};
use std::collections::{BTreeMap, BTreeSet};

fn eight_series() -> ChartSpec {
    let names = [
        "Реклама",
        "Сайт",
        "Звонок",
        "Выставка",
        "Партнёры",
        "Почта",
        "Рекомендация",
        "Прочие",
    ];
    ChartSpec {
        title: "Динамика источников".into(),
        kind: ChartKind::Line,
        categories: (1..=6).map(|d| format!("0{d}.11.26")).collect(),
        series: names
            .iter()
            .enumerate()
            .map(|(i, n)| Series {
                name: n.to_string(),
                values: (0..6).map(|d| (i * 10 + d) as f64).collect(),
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
        height: 340,
    }
}

/// The fill colour of each data mark, grouped by the series name its hover title carries.
fn fills_by_series(svg: &str) -> BTreeMap<String, BTreeSet<String>> {
    let doc = roxmltree::Document::parse(svg).expect("well-formed SVG");
    let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for g in doc
        .descendants()
        .filter(|n| n.has_tag_name("g") && n.attribute("class") == Some("mark"))
    {
        let title = g
            .children()
            .find(|c| c.has_tag_name("title"))
            .and_then(|t| t.text())
            .unwrap_or_default();
        // "01.11.26 · Реклама: 0"
        let series = title
            .split(" · ")
            .nth(1)
            .and_then(|x| x.split(':').next())
            .unwrap_or_default()
            .to_string();
        for shape in g
            .descendants()
            .filter(|c| c.is_element() && !c.has_tag_name("title") && !c.has_tag_name("g"))
        {
            if let Some(fill) = shape.attribute("fill").filter(|f| *f != "none") {
                out.entry(series.clone())
                    .or_default()
                    .insert(fill.to_ascii_lowercase());
            }
        }
    }
    out
}

#[test]
fn eight_series_never_share_a_colour_and_each_line_is_named_at_its_end() {
    let svg = render_svg(&eight_series());
    let fills = fills_by_series(&svg);
    assert_eq!(fills.len(), 8, "marks of all eight series: {fills:?}");
    let mut seen = BTreeSet::new();
    for (series, colours) in &fills {
        assert_eq!(
            colours.len(),
            1,
            "{series} is drawn in one colour: {colours:?}"
        );
        let c = colours.iter().next().expect("one colour");
        assert!(seen.insert(c.clone()), "{series} repeats colour {c}");
    }
    // The names beside the line ends: every series name appears as SVG text besides the legend.
    let doc = roxmltree::Document::parse(&svg).expect("well-formed SVG");
    for name in ["Реклама", "Рекомендация", "Прочие"] {
        let shown = doc
            .descendants()
            .filter(|n| n.has_tag_name("text") && n.text().is_some_and(|t| t.contains(name)))
            .count();
        assert!(
            shown >= 2,
            "{name}: in the legend and beside its line ({shown})"
        );
    }
}

#[test]
fn the_palette_never_repeats_even_past_its_fixed_colours() {
    let colours: Vec<String> = (0..40).map(series_palette_color).collect();
    let distinct: BTreeSet<_> = colours.iter().collect();
    assert_eq!(distinct.len(), colours.len(), "{colours:?}");
    assert!(colours.iter().all(|c| c.len() == 7 && c.starts_with('#')));
}

#[test]
fn money_values_are_rounded_like_the_tables() {
    let v = ValueFormat::Money {
        currency: "RUB".into(),
    };
    assert_eq!(
        v.exact(1_500_000.49, Locale::Ru),
        "1\u{202F}500\u{202F}000\u{A0}₽"
    );
    assert_eq!(v.exact(99.5, Locale::En), "100 RUB");
}

#[test]
fn ranking_names_are_whole_when_there_is_room() {
    let names = ["Существующий клиент", "Веб-сайт", "Консалтинг"];
    let spec = ChartSpec {
        title: "По источникам".into(),
        kind: ChartKind::HorizontalBars,
        categories: names.iter().map(|s| s.to_string()).collect(),
        series: vec![Series {
            name: "Успешные сделки".into(),
            values: vec![3.0, 2.0, 1.0],
            color: None,
        }],
        points: vec![],
        value_format: ValueFormat::Count,
        x_format: ValueFormat::Count,
        x_label: None,
        y_label: None,
        locale: Locale::Ru,
        width: 1000,
        height: 200,
    };
    let svg = render_svg(&spec);
    let doc = roxmltree::Document::parse(&svg).expect("well-formed SVG");
    let texts: Vec<&str> = doc
        .descendants()
        .filter(|n| n.has_tag_name("text"))
        .filter_map(|n| n.text())
        .collect();
    for name in names {
        assert!(texts.contains(&name), "{name} shown whole: {texts:?}");
    }
    assert!(
        !texts.iter().any(|t| t.ends_with('…')),
        "nothing cut: {texts:?}"
    );
}
