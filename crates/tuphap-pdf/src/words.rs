//! Numbers and dates written out in Vietnamese words, as on the Giấy khai sinh
//! ("ghi bằng chữ").
//!
//! Conventions (northern standard, the usage of administrative documents):
//!
//! * units after a tens word: 1 → "mốt" from 21 on ("hai mươi mốt", but "mười một"), 5 → "lăm"
//!   ("mười lăm", "hai mươi lăm"), 4 stays "bốn" ("hai mươi bốn");
//! * a zero tens digit inside a number reads "linh" ("hai nghìn không trăm linh năm");
//! * a zero hundreds digit after thousands reads "không trăm" ("hai nghìn không trăm hai mươi");
//! * month 4 is "tháng tư", the other months use the cardinal ("tháng một", "tháng mười hai").

use time::Date;

const DIGITS: [&str; 10] = [
    "không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín",
];

/// 0–99 in words: "năm", "mười lăm", "hai mươi mốt".
fn below_hundred(n: u32) -> String {
    let (tens, units) = (n / 10, n % 10);
    match tens {
        0 => DIGITS[units as usize].to_string(),
        1 => match units {
            0 => "mười".to_string(),
            5 => "mười lăm".to_string(),
            u => format!("mười {}", DIGITS[u as usize]),
        },
        t => {
            let head = format!("{} mươi", DIGITS[t as usize]);
            match units {
                0 => head,
                1 => format!("{head} mốt"),
                5 => format!("{head} lăm"),
                u => format!("{head} {}", DIGITS[u as usize]),
            }
        }
    }
}

/// 0–999 in words; `inner` when thousands precede (then a zero hundreds digit is read).
fn below_thousand(n: u32, inner: bool) -> String {
    let (hundreds, rest) = (n / 100, n % 100);
    if hundreds == 0 && !inner {
        return below_hundred(rest);
    }
    let head = format!("{} trăm", DIGITS[hundreds as usize]);
    match rest {
        0 => head,
        1..=9 => format!("{head} linh {}", DIGITS[rest as usize]),
        _ => format!("{head} {}", below_hundred(rest)),
    }
}

/// A number 0–999 999 in Vietnamese words: 2026 → "hai nghìn không trăm hai mươi sáu".
pub fn number_in_words(n: u32) -> String {
    let (thousands, rest) = (n / 1000, n % 1000);
    if thousands == 0 {
        return below_thousand(rest, false);
    }
    let head = format!("{} nghìn", below_thousand(thousands, false));
    if rest == 0 {
        head
    } else {
        format!("{head} {}", below_thousand(rest, true))
    }
}

/// A date in words as written on the birth certificate:
/// 2026-01-05 → "Ngày năm, tháng một, năm hai nghìn không trăm hai mươi sáu".
pub fn date_in_words(d: Date) -> String {
    let month = u8::from(d.month());
    let month = if month == 4 {
        "tư".to_string()
    } else {
        number_in_words(u32::from(month))
    };
    let year = u32::try_from(d.year())
        .map(number_in_words)
        .unwrap_or_else(|_| d.year().to_string());
    format!(
        "Ngày {}, tháng {month}, năm {year}",
        number_in_words(u32::from(d.day()))
    )
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn numbers() {
        let cases = [
            (0, "không"),
            (1, "một"),
            (5, "năm"),
            (10, "mười"),
            (11, "mười một"),
            (14, "mười bốn"),
            (15, "mười lăm"),
            (20, "hai mươi"),
            (21, "hai mươi mốt"),
            (24, "hai mươi bốn"),
            (25, "hai mươi lăm"),
            (31, "ba mươi mốt"),
            (105, "một trăm linh năm"),
            (110, "một trăm mười"),
            (1905, "một nghìn chín trăm linh năm"),
            (1995, "một nghìn chín trăm chín mươi lăm"),
            (2000, "hai nghìn"),
            (2001, "hai nghìn không trăm linh một"),
            (2010, "hai nghìn không trăm mười"),
            (2015, "hai nghìn không trăm mười lăm"),
            (2021, "hai nghìn không trăm hai mươi mốt"),
            (2026, "hai nghìn không trăm hai mươi sáu"),
            (2100, "hai nghìn một trăm"),
        ];
        for (n, w) in cases {
            assert_eq!(number_in_words(n), w, "{n}");
        }
    }

    #[test]
    fn dates() {
        assert_eq!(
            date_in_words(date!(2026 - 01 - 05)),
            "Ngày năm, tháng một, năm hai nghìn không trăm hai mươi sáu"
        );
        assert_eq!(
            date_in_words(date!(1999 - 04 - 30)),
            "Ngày ba mươi, tháng tư, năm một nghìn chín trăm chín mươi chín"
        );
        assert_eq!(
            date_in_words(date!(2024 - 11 - 21)),
            "Ngày hai mươi mốt, tháng mười một, năm hai nghìn không trăm hai mươi bốn"
        );
        assert_eq!(
            date_in_words(date!(2025 - 12 - 15)),
            "Ngày mười lăm, tháng mười hai, năm hai nghìn không trăm hai mươi lăm"
        );
    }
}
