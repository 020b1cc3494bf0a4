//! How the portal's time zone is named on the settings page: `UTC+10:00, Владивосток` in Russian and
//! `UTC+10:00, Asia/Vladivostok` in English. A zone without a Russian name shows its offset alone in the Russian UI,
//! never an English code.

use crate::i18n::Lang;

/// Russian names of the zones Russian-speaking portals use most.
const RU_NAMES: [(&str, &str); 30] = [
    ("Europe/Kaliningrad", "Калининград"),
    ("Europe/Moscow", "Москва"),
    ("Europe/Simferopol", "Симферополь"),
    ("Europe/Volgograd", "Волгоград"),
    ("Europe/Samara", "Самара"),
    ("Europe/Ulyanovsk", "Ульяновск"),
    ("Europe/Saratov", "Саратов"),
    ("Europe/Astrakhan", "Астрахань"),
    ("Asia/Yekaterinburg", "Екатеринбург"),
    ("Asia/Omsk", "Омск"),
    ("Asia/Novosibirsk", "Новосибирск"),
    ("Asia/Barnaul", "Барнаул"),
    ("Asia/Tomsk", "Томск"),
    ("Asia/Novokuznetsk", "Новокузнецк"),
    ("Asia/Krasnoyarsk", "Красноярск"),
    ("Asia/Irkutsk", "Иркутск"),
    ("Asia/Chita", "Чита"),
    ("Asia/Yakutsk", "Якутск"),
    ("Asia/Vladivostok", "Владивосток"),
    ("Asia/Sakhalin", "Сахалин"),
    ("Asia/Magadan", "Магадан"),
    ("Asia/Kamchatka", "Камчатка"),
    ("Europe/Minsk", "Минск"),
    ("Europe/Kyiv", "Киев"),
    ("Asia/Almaty", "Алматы"),
    ("Asia/Tashkent", "Ташкент"),
    ("Asia/Tbilisi", "Тбилиси"),
    ("Asia/Yerevan", "Ереван"),
    ("Asia/Baku", "Баку"),
    ("Europe/Berlin", "Берлин"),
];

/// `+10:00` for 36 000 seconds.
fn offset(secs: i64) -> String {
    let sign = if secs < 0 { '-' } else { '+' };
    let a = secs.abs();
    format!("UTC{sign}{:02}:{:02}", a / 3600, a % 3600 / 60)
}

/// The label of a stored zone: its IANA name (if any) and the UTC offset in force at the last sync.
pub fn label(lang: Lang, name: Option<&str>, utc_offset_seconds: i64) -> String {
    let off = offset(utc_offset_seconds);
    let place = name.and_then(|n| match lang {
        Lang::En => Some(n.to_string()),
        Lang::Ru => RU_NAMES
            .iter()
            .find(|(code, _)| *code == n)
            .map(|(_, ru)| ru.to_string()),
    });
    match place {
        Some(p) => format!("{off}, {p}"),
        None => off,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_in_both_languages() {
        assert_eq!(
            label(Lang::Ru, Some("Asia/Vladivostok"), 36_000),
            "UTC+10:00, Владивосток"
        );
        assert_eq!(
            label(Lang::En, Some("Asia/Vladivostok"), 36_000),
            "UTC+10:00, Asia/Vladivostok"
        );
        // No Russian name: the offset alone, never an English code in the Russian UI.
        assert_eq!(
            label(Lang::Ru, Some("America/St_Johns"), -12_600),
            "UTC-03:30"
        );
        assert_eq!(label(Lang::En, None, 0), "UTC+00:00");
    }
}
