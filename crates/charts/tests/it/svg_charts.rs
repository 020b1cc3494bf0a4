//! Parses rendered SVGs as XML and checks what a browser will show: the title, one hover `<title>`
//! per data mark with the exact locale-formatted value, mark counts equal to the data, Cyrillic text,
//! truncated labels with their full text on hover, and the empty state.

use b24a_charts::{render_svg, ChartKind, ChartSpec, Locale, ScatterPoint, Series, ValueFormat};
use proptest::prelude::*;

const NN: char = '\u{202F}';
const NB: char = '\u{A0}';

fn spec(
    kind: ChartKind,
    categories: &[&str],
    series: Vec<Series>,
    value_format: ValueFormat,
) -> ChartSpec {
    ChartSpec {
        title: "Тестовый график".into(),
        kind,
        categories: categories.iter().map(|c| c.to_string()).collect(),
        series,
        points: vec![],
        value_format,
        x_format: ValueFormat::Count,
        x_label: None,
        y_label: None,
        locale: Locale::Ru,
        width: 800,
        height: 400,
    }
}

fn s(name: &str, values: &[f64]) -> Series {
    Series {
        name: name.into(),
        values: values.to_vec(),
        color: None,
    }
}

fn rub() -> ValueFormat {
    ValueFormat::Money {
        currency: "RUB".into(),
    }
}

/// (hover title, shape element names) of every data mark.
fn marks(svg: &str) -> Vec<(String, Vec<String>)> {
    let doc = roxmltree::Document::parse(svg).expect("well-formed SVG");
    doc.descendants()
        .filter(|n| n.has_tag_name("g") && n.attribute("class") == Some("mark"))
        .map(|g| {
            let titles: Vec<_> = g.children().filter(|c| c.has_tag_name("title")).collect();
            assert_eq!(titles.len(), 1, "exactly one <title> per mark");
            assert!(
                g.first_element_child().unwrap().has_tag_name("title"),
                "title comes first"
            );
            let shapes = g
                .children()
                .filter(|c| c.is_element() && !c.has_tag_name("title"))
                .map(|c| c.tag_name().name().to_string())
                .collect();
            (titles[0].text().unwrap_or("").to_string(), shapes)
        })
        .collect()
}

fn texts(svg: &str) -> Vec<String> {
    let doc = roxmltree::Document::parse(svg).unwrap();
    doc.descendants()
        .filter(|n| n.has_tag_name("text"))
        .filter_map(|n| n.text())
        .map(str::to_string)
        .collect()
}

fn ranking(locale: Locale) -> ChartSpec {
    let mut c = spec(
        ChartKind::HorizontalBars,
        &[
            "Иванов И.",
            "Петрова Анастасия Владимировна Длиннофамильная-Старобородовская",
            "Сидоров С.",
        ],
        vec![s("Сумма", &[1_250_000.0, 3_100_000.5, 990_000.0])],
        rub(),
    );
    c.locale = locale;
    c
}

#[test]
fn ranking_bars_carry_exact_russian_values() {
    let svg = render_svg(&ranking(Locale::Ru));
    let doc = roxmltree::Document::parse(&svg).unwrap();
    let root = doc.root_element();
    assert_eq!(root.attribute("width"), Some("800"));
    assert_eq!(root.attribute("viewBox"), Some("0 0 800 400"));
    assert!(texts(&svg).contains(&"Тестовый график".to_string()));
    let m = marks(&svg);
    assert_eq!(m.len(), 3);
    assert_eq!(m[0].0, format!("Иванов И.: 1{NN}250{NN}000{NB}₽"));
    assert_eq!(
        m[1].0,
        format!(
            "Петрова Анастасия Владимировна Длиннофамильная-Старобородовская: 3{NN}100{NN}001{NB}₽"
        )
    );
    assert_eq!(m[2].0, format!("Сидоров С.: 990{NN}000{NB}₽"));
    assert!(m.iter().all(|(_, shapes)| shapes == &["rect"]));
    // The long name is shortened on screen and complete on hover.
    let label = doc
        .descendants()
        .find(|n| n.attribute("class") == Some("label"))
        .expect("truncated label group");
    let title = label
        .children()
        .find(|c| c.has_tag_name("title"))
        .unwrap()
        .text()
        .unwrap();
    assert_eq!(
        title,
        "Петрова Анастасия Владимировна Длиннофамильная-Старобородовская"
    );
    let shown = label
        .children()
        .find(|c| c.has_tag_name("text"))
        .unwrap()
        .text()
        .unwrap();
    assert!(
        shown.ends_with('…') && shown.starts_with("Петрова"),
        "{shown}"
    );
}

#[test]
fn ranking_in_english() {
    let mut c = ranking(Locale::En);
    c.categories = vec!["Ivanov I.".into(), "Petrova A.".into(), "Sidorov S.".into()];
    let m = marks(&render_svg(&c));
    assert_eq!(m[0].0, "Ivanov I.: 1,250,000 RUB");
    assert_eq!(
        m[1].0, "Petrova A.: 3,100,001 RUB",
        "rounded like the tables: no kopecks"
    );
}

#[test]
fn extreme_values_still_draw_every_mark() {
    let c = spec(
        ChartKind::Bars,
        &["a", "b", "c"],
        vec![s("x", &[f64::MAX, -f64::MAX, 1e-300])],
        ValueFormat::Count,
    );
    let svg = render_svg(&c);
    assert_eq!(marks(&svg).len(), 3, "{svg}");
}

#[test]
fn longer_bars_for_larger_values() {
    let svg = render_svg(&ranking(Locale::Ru));
    let doc = roxmltree::Document::parse(&svg).unwrap();
    let widths: Vec<f64> = doc
        .descendants()
        .filter(|n| n.attribute("class") == Some("mark"))
        .map(|g| {
            g.children()
                .find(|c| c.has_tag_name("rect"))
                .unwrap()
                .attribute("width")
                .unwrap()
                .parse()
                .unwrap()
        })
        .collect();
    // 1 250 000 : 3 100 000.5 : 990 000, within a pixel of rounding.
    let ratio = widths[1] / widths[0];
    assert!(
        (ratio - 3_100_000.5 / 1_250_000.0).abs() < 0.02,
        "{widths:?}"
    );
    assert!(widths[2] < widths[0]);
}

#[test]
fn line_has_a_point_per_finite_value_and_skips_gaps() {
    let c = spec(
        ChartKind::Line,
        &["Янв", "Фев", "Мар", "Апр"],
        vec![
            s("Создано", &[120.0, 135.0, 1500.0, 110.0]),
            s("Выиграно", &[30.0, f64::NAN, 38.0]),
        ],
        ValueFormat::Count,
    );
    let svg = render_svg(&c);
    let m = marks(&svg);
    assert_eq!(
        m.len(),
        6,
        "4 + 2 finite values (NaN and the missing April are left out)"
    );
    assert!(m.iter().all(|(_, shapes)| shapes == &["circle"]));
    assert_eq!(m[2].0, format!("Мар · Создано: 1{NN}500"));
    assert_eq!(m[5].0, "Мар · Выиграно: 38");
    let t = texts(&svg);
    for label in ["Янв", "Фев", "Мар", "Апр", "Создано", "Выиграно"] {
        assert!(t.iter().any(|x| x == label), "{label} missing");
    }
}

#[test]
fn percent_line_formats_fractions() {
    let c = spec(
        ChartKind::Line,
        &["Нед. 1", "Нед. 2"],
        vec![s("K", &[0.64, 0.8])],
        ValueFormat::Percent,
    );
    let svg = render_svg(&c);
    let m = marks(&svg);
    assert_eq!(m[0].0, format!("Нед. 1: 64{NB}%"));
    assert_eq!(m[1].0, format!("Нед. 2: 80{NB}%"));
    assert!(
        texts(&svg).iter().any(|t| t == &format!("80{NB}%")),
        "percent axis ticks"
    );
}

#[test]
fn stacked_segments_touch_and_count_matches() {
    let c = spec(
        ChartKind::StackedBars,
        &["Нед. 1", "Нед. 2"],
        vec![
            s("В срок", &[20.0, 25.0]),
            s("С опозданием", &[5.0, 3.0]),
            s("Не начаты", &[2.0, 0.0]),
        ],
        ValueFormat::Count,
    );
    let svg = render_svg(&c);
    let doc = roxmltree::Document::parse(&svg).unwrap();
    let rects: Vec<(String, f64, f64)> = doc
        .descendants()
        .filter(|n| n.attribute("class") == Some("mark"))
        .map(|g| {
            let r = g.children().find(|c| c.has_tag_name("rect")).unwrap();
            let title = g
                .children()
                .find(|c| c.has_tag_name("title"))
                .unwrap()
                .text()
                .unwrap()
                .to_string();
            (
                title,
                r.attribute("y").unwrap().parse().unwrap(),
                r.attribute("height").unwrap().parse().unwrap(),
            )
        })
        .collect();
    assert_eq!(rects.len(), 6);
    assert_eq!(rects[0].0, "Нед. 1 · В срок: 20");
    // Week 1: the late segment sits right on top of the on-time one (its bottom = the other's top).
    let (on_time, late) = (&rects[0], &rects[1]);
    assert!((late.1 + late.2 - on_time.1).abs() <= 1.0, "{rects:?}");
    // 20 vs 5 deals: heights in proportion 4:1 (within pixel rounding).
    assert!((on_time.2 / late.2 - 4.0).abs() < 0.3);
}

#[test]
fn grouped_bars_with_negative_values() {
    let c = spec(
        ChartKind::Bars,
        &["A", "B", "C"],
        vec![
            s("План", &[10.0, -5.0, 7.0]),
            s("Факт", &[8.0, 3.0, f64::INFINITY]),
        ],
        rub(),
    );
    let m = marks(&render_svg(&c));
    assert_eq!(m.len(), 5);
    assert_eq!(m[2].0, format!("B · План: -5{NB}₽"));
}

#[test]
fn funnel_shows_counts_and_share_of_first_stage() {
    let c = spec(
        ChartKind::Funnel,
        &["Новая", "Квалификация", "Успешно"],
        vec![s("Сделок", &[500.0, 320.0, 64.0])],
        ValueFormat::Count,
    );
    let m = marks(&render_svg(&c));
    assert_eq!(
        m.iter().map(|x| x.0.clone()).collect::<Vec<_>>(),
        vec![
            format!("Новая: 500 (100{NB}%)"),
            format!("Квалификация: 320 (64{NB}%)"),
            format!("Успешно: 64 (12,8{NB}%)"),
        ]
    );
}

#[test]
fn scatter_points_are_labelled() {
    let mut c = spec(ChartKind::Scatter, &[], vec![], rub());
    c.x_format = ValueFormat::Number;
    c.x_label = Some("Индекс".into());
    c.y_label = Some("Выиграно".into());
    c.points = vec![
        ScatterPoint {
            label: "Иванов И.".into(),
            x: 135.0,
            y: 4_250_000.0,
        },
        ScatterPoint {
            label: "Петров П.".into(),
            x: 72.5,
            y: 0.0,
        },
        ScatterPoint {
            label: "Нет данных".into(),
            x: f64::NAN,
            y: 1.0,
        },
    ];
    let svg = render_svg(&c);
    let m = marks(&svg);
    assert_eq!(m.len(), 2);
    assert_eq!(
        m[0].0,
        format!("Иванов И.: Индекс 135, Выиграно 4{NN}250{NN}000{NB}₽")
    );
    assert_eq!(m[1].0, format!("Петров П.: Индекс 72,5, Выиграно 0{NB}₽"));
    assert!(texts(&svg).contains(&"Петров П.".to_string()));
}

#[test]
fn empty_data_explains_itself() {
    for c in [
        spec(ChartKind::Line, &[], vec![], ValueFormat::Count),
        spec(
            ChartKind::Bars,
            &["A"],
            vec![s("x", &[f64::NAN])],
            ValueFormat::Count,
        ),
        spec(ChartKind::Scatter, &[], vec![], ValueFormat::Count),
    ] {
        let svg = render_svg(&c);
        assert!(marks(&svg).is_empty());
        assert!(
            texts(&svg).contains(&"Нет данных за период".to_string()),
            "{svg}"
        );
        assert!(texts(&svg).contains(&"Тестовый график".to_string()));
    }
    let mut en = spec(ChartKind::Funnel, &[], vec![], ValueFormat::Count);
    en.locale = Locale::En;
    assert!(texts(&render_svg(&en)).contains(&"No data for the period".to_string()));
}

#[test]
fn markup_in_names_is_escaped() {
    let mut c = spec(
        ChartKind::HorizontalBars,
        &["<b>Tom & \"Jerry\"</b>"],
        vec![s("x", &[1.0])],
        ValueFormat::Count,
    );
    c.title = "Sales <script>alert(1)</script>".into();
    let svg = render_svg(&c);
    assert!(!svg.contains("<script>"));
    assert!(texts(&svg).contains(&"Sales <script>alert(1)</script>".to_string()));
    assert_eq!(marks(&svg)[0].0, "<b>Tom & \"Jerry\"</b>: 1");
}

#[test]
fn spec_from_json_with_defaults() {
    let json = r#"{"title":"T","kind":"bars","categories":["a"],"series":[{"name":"n","values":[2]}],
                   "value_format":{"type":"money","currency":"USD"},"locale":"en"}"#;
    let c: ChartSpec = serde_json::from_str(json).unwrap();
    assert_eq!((c.width, c.height), (800, 400));
    assert_eq!(marks(&render_svg(&c))[0].0, "a: $2.00");
}

fn any_value() -> impl Strategy<Value = f64> {
    prop_oneof![
        4 => -1e7f64..1e9,
        1 => Just(f64::NAN),
        1 => Just(f64::INFINITY),
        1 => Just(f64::NEG_INFINITY),
        1 => Just(0.0),
        1 => prop::num::f64::ANY,
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    /// Any values, any lengths, any size: well-formed SVG, one mark per finite value.
    #[test]
    fn never_panics_and_counts_marks(
        kind in prop_oneof![Just(ChartKind::Line), Just(ChartKind::Bars), Just(ChartKind::StackedBars), Just(ChartKind::HorizontalBars)],
        n in 0usize..40,
        a in prop::collection::vec(any_value(), 0..45),
        b in prop::collection::vec(any_value(), 0..45),
        width in 0u32..3000,
        height in 0u32..3000,
    ) {
        let categories: Vec<String> = (0..n).map(|i| format!("Категория {i}")).collect();
        let cats: Vec<&str> = categories.iter().map(String::as_str).collect();
        let mut c = spec(kind, &cats, vec![s("A", &a), s("B", &b)], rub());
        c.width = width;
        c.height = height;
        let svg = render_svg(&c);
        let m = marks(&svg);
        let finite = |v: &Vec<f64>| v.iter().take(n).filter(|x| x.is_finite()).count();
        let expected = match kind {
            ChartKind::HorizontalBars => finite(&a),
            _ => finite(&a) + finite(&b),
        };
        prop_assert_eq!(m.len(), expected);
    }
}

#[test]
fn scatter_names_never_overlap_and_zero_values_get_no_negative_axis() {
    // A month without wins: twelve employees at y = 0 with indexes one apart (a few pixels): every point keeps its
    // hover title, but only names with room are written, never over a name or a point: the first on its left, the
    // last on its right.
    let mut c = spec(ChartKind::Scatter, &[], vec![], rub());
    c.x_format = ValueFormat::Number;
    c.points = (0..12)
        .map(|i| ScatterPoint {
            label: format!("Сотрудник {i}"),
            x: 100.0 + i as f64,
            y: 0.0,
        })
        .collect();
    let svg = render_svg(&c);
    assert_eq!(marks(&svg).len(), 12);
    let t = texts(&svg);
    let names: Vec<&String> = t.iter().filter(|s| s.starts_with("Сотрудник")).collect();
    assert_eq!(names, ["Сотрудник 0", "Сотрудник 11"], "{names:?}");
    // Only zero values: the money axis runs from 0 up, with no negative ticks.
    let negative: Vec<&String> = t
        .iter()
        .filter(|s| s.contains('₽') && (s.starts_with('-') || s.starts_with('−')))
        .collect();
    assert!(negative.is_empty(), "{negative:?}");
    assert!(t.iter().any(|s| s == &format!("0{NB}₽")), "{t:?}");
}

#[test]
fn scatter_names_stay_off_the_axis_labels() {
    // Two points on the y axis a pixel apart: the first name goes right; the second finds its right side taken by
    // that name and its left side over the axis labels, so it is left to the hover title.
    let mut c = spec(ChartKind::Scatter, &[], vec![], rub());
    c.x_format = ValueFormat::Number;
    c.points = vec![
        ScatterPoint {
            label: "Иван Кузьмин".into(),
            x: 0.0,
            y: 0.0,
        },
        ScatterPoint {
            label: "Екатерина Морозова".into(),
            x: 0.5,
            y: 0.0,
        },
        ScatterPoint {
            label: "Z".into(),
            x: 250.0,
            y: 1.0,
        },
    ];
    let svg = render_svg(&c);
    assert_eq!(marks(&svg).len(), 3);
    let t = texts(&svg);
    assert!(t.iter().any(|s| s.starts_with("Иван")), "{t:?}");
    assert!(!t.iter().any(|s| s.starts_with("Екатерина")), "{t:?}");
}

#[test]
fn ranking_with_a_target_marks_the_plan_on_each_bar() {
    // Fact bars with the plan as a second series: each mark is the bar and its plan tick, titled with both, and the
    // axis reaches the largest plan even where the fact is smaller.
    let mut c = spec(
        ChartKind::HorizontalBars,
        &["Иванов И.", "Сидоров С."],
        vec![
            s("Факт", &[150_000.0, 40_000.0]),
            s("План", &[100_000.0, 300_000.0]),
        ],
        rub(),
    );
    c.locale = Locale::Ru;
    let svg = render_svg(&c);
    let m = marks(&svg);
    assert_eq!(m.len(), 2);
    assert_eq!(
        m[0].0,
        format!("Иванов И.: Факт 150{NN}000{NB}₽, План 100{NN}000{NB}₽")
    );
    assert_eq!(
        m[1].0,
        format!("Сидоров С.: Факт 40{NN}000{NB}₽, План 300{NN}000{NB}₽")
    );
    assert!(
        m.iter().all(|(_, shapes)| shapes == &["rect", "polyline"]),
        "a bar and a visible tick (a zero-width rect would not render): {m:?}"
    );
    // The axis goes beyond the biggest plan (300 000), not only the biggest fact (150 000).
    let t = texts(&svg);
    assert!(t.iter().any(|s| s.starts_with("300")), "{t:?}");
}
