//! Writes one sample SVG per chart kind to /tmp/b24a-charts/ for looking at them by eye.

use b24a_charts::{render_svg, ChartKind, ChartSpec, Locale, ScatterPoint, Series, ValueFormat};

fn spec(
    title: &str,
    kind: ChartKind,
    categories: &[&str],
    series: Vec<Series>,
    value_format: ValueFormat,
) -> ChartSpec {
    ChartSpec {
        title: title.into(),
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

fn main() -> std::io::Result<()> {
    let dir = std::path::Path::new("/tmp/b24a-charts");
    std::fs::create_dir_all(dir)?;
    let rub = ValueFormat::Money {
        currency: "RUB".into(),
    };
    let months = [
        "Янв", "Фев", "Мар", "Апр", "Май", "Июн", "Июл", "Авг", "Сен", "Окт", "Ноя", "Дек",
    ];
    let mut charts = vec![
        (
            "line",
            spec(
                "Динамика сделок по месяцам",
                ChartKind::Line,
                &months,
                vec![
                    s(
                        "Создано",
                        &[
                            120., 135., 150., 110., 160., 170., 140., 155., 180., 190., 175., 200.,
                        ],
                    ),
                    s(
                        "Выиграно",
                        &[
                            30.,
                            42.,
                            38.,
                            25.,
                            50.,
                            61.,
                            44.,
                            f64::NAN,
                            58.,
                            70.,
                            66.,
                            80.,
                        ],
                    ),
                ],
                ValueFormat::Count,
            ),
        ),
        (
            "bars",
            spec(
                "Сумма выигранных сделок",
                ChartKind::Bars,
                &months,
                vec![s(
                    "Выиграно, ₽",
                    &[
                        1_250_000., 2_100_000., 1_800_000., 900_000., 2_500_000., 3_100_000.,
                        2_200_000., 2_600_000., 2_900_000., 3_500_000., 3_300_000., 4_100_000.,
                    ],
                )],
                rub.clone(),
            ),
        ),
        (
            "stacked",
            spec(
                "Задачи по срокам",
                ChartKind::StackedBars,
                &["Нед. 1", "Нед. 2", "Нед. 3", "Нед. 4", "Нед. 5"],
                vec![
                    Series {
                        name: "В срок".into(),
                        values: vec![20., 25., 18., 30., 27.],
                        color: Some("#9dcf00".into()),
                    },
                    Series {
                        name: "С опозданием".into(),
                        values: vec![5., 3., 8., 4., 6.],
                        color: Some("#ff5752".into()),
                    },
                    Series {
                        name: "Не начаты".into(),
                        values: vec![2., 4., 1., 3., 2.],
                        color: Some("#a8adb4".into()),
                    },
                ],
                ValueFormat::Count,
            ),
        ),
        (
            "ranking",
            spec(
                "Менеджеры по сумме выигранных сделок",
                ChartKind::HorizontalBars,
                &[
                    "Иванов И.",
                    "Петрова Анастасия Владимировна",
                    "Сидоров С.",
                    "Кузнецова К.",
                    "Смирнов А.",
                ],
                vec![s(
                    "Сумма",
                    &[4_250_000., 3_100_000.5, 2_050_000., 990_000., 120_000.],
                )],
                rub.clone(),
            ),
        ),
        (
            "funnel",
            spec(
                "Воронка: Продажи",
                ChartKind::Funnel,
                &[
                    "Новая",
                    "Квалификация",
                    "Коммерческое предложение",
                    "Счёт выставлен",
                    "Успешно",
                ],
                vec![s("Сделок", &[500., 320., 180., 95., 64.])],
                ValueFormat::Count,
            ),
        ),
        (
            "percent",
            spec(
                "Коэффициент исполнения",
                ChartKind::Line,
                &["Нед. 1", "Нед. 2", "Нед. 3", "Нед. 4", "Нед. 5", "Нед. 6"],
                vec![s("Коэффициент", &[0.64, 0.58, 0.71, 0.69, 0.75, 0.8])],
                ValueFormat::Percent,
            ),
        ),
        (
            "empty",
            spec(
                "Динамика сделок",
                ChartKind::Line,
                &[],
                vec![],
                ValueFormat::Count,
            ),
        ),
    ];
    let mut scatter = spec(
        "Активность и результат",
        ChartKind::Scatter,
        &[],
        vec![],
        rub,
    );
    scatter.x_format = ValueFormat::Number;
    scatter.x_label = Some("Индекс активности".into());
    scatter.y_label = Some("Выиграно".into());
    scatter.points = vec![
        ScatterPoint {
            label: "Иванов И.".into(),
            x: 135.0,
            y: 4_250_000.0,
        },
        ScatterPoint {
            label: "Петрова А.".into(),
            x: 110.0,
            y: 3_100_000.0,
        },
        ScatterPoint {
            label: "Сидоров С.".into(),
            x: 95.0,
            y: 2_050_000.0,
        },
        ScatterPoint {
            label: "Кузнецова К.".into(),
            x: 70.0,
            y: 990_000.0,
        },
        ScatterPoint {
            label: "Смирнов А.".into(),
            x: 90.0,
            y: 120_000.0,
        },
    ];
    charts.push(("scatter", scatter));
    let mut en = charts[3].1.clone();
    en.locale = Locale::En;
    en.title = "Managers by won amount".into();
    charts.push(("ranking_en", en));
    let days: Vec<String> = (1..=90)
        .map(|d| format!("{:02}.{:02}", (d - 1) % 30 + 1, (d - 1) / 30 + 1))
        .collect();
    let day_refs: Vec<&str> = days.iter().map(String::as_str).collect();
    let values: Vec<f64> = (0..90)
        .map(|d| 40.0 + ((d * 37) % 23) as f64 + d as f64 * 0.5)
        .collect();
    let mut daily = spec(
        "Создано сделок по дням",
        ChartKind::Bars,
        &day_refs,
        vec![s("Создано", &values)],
        ValueFormat::Count,
    );
    daily.width = 1000;
    daily.height = 340;
    charts.push(("daily", daily));
    for (name, chart) in charts {
        std::fs::write(dir.join(format!("{name}.svg")), render_svg(&chart))?;
    }
    Ok(())
}
