//! Dates and times in the few text forms the vendors use, written and read by hand.
//!
//! chrono's format strings (`format("%H:%M:%S")`, `parse_from_str`, `parse_from_rfc2822`, and the
//! `FromStr` behind its serde support) bring its whole strftime machinery (`StrftimeItems`,
//! `Parsed`, `parse_internal`) into the service worker's module. The forms here are fixed, so
//! each is a few lines; chrono still does the calendar arithmetic.

use chrono::{Datelike, NaiveDate, NaiveDateTime, NaiveTime, Timelike};

/// `HH:MM:SS`.
pub fn hms(t: NaiveDateTime) -> String {
    format!("{:02}:{:02}:{:02}", t.hour(), t.minute(), t.second())
}

/// `HH:MM`.
pub fn hm(t: NaiveDateTime) -> String {
    format!("{:02}:{:02}", t.hour(), t.minute())
}

/// `YYYY-MM-DD` (years 0–9999; chrono's `Display` of a date).
pub fn ymd(d: NaiveDate) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), d.month(), d.day())
}

/// `YYYY-MM-DD HH:MM:SS`.
pub fn ymd_hms(t: NaiveDateTime) -> String {
    format!("{} {}", ymd(t.date()), hms(t))
}

/// A number of `min` to `max` ASCII digits at the start of `s`, and the rest.
fn digits(s: &str, min: usize, max: usize) -> Option<(u32, &str)> {
    let n = s.bytes().take(max).take_while(u8::is_ascii_digit).count();
    if n < min {
        return None;
    }
    let value = s[..n].parse().ok()?;
    Some((value, &s[n..]))
}

fn after(s: &str, literal: char) -> Option<&str> {
    s.strip_prefix(literal)
}

/// `YYYY-M(M)-D(D)`, and the rest.
fn date_prefix(s: &str) -> Option<(NaiveDate, &str)> {
    let (year, s) = digits(s, 4, 4)?;
    let (month, s) = digits(after(s, '-')?, 1, 2)?;
    let (day, s) = digits(after(s, '-')?, 1, 2)?;
    Some((NaiveDate::from_ymd_opt(i32::try_from(year).ok()?, month, day)?, s))
}

/// `H(H):M(M):S(S)`, and the rest.
fn time_prefix(s: &str) -> Option<(NaiveTime, &str)> {
    let (hour, s) = digits(s, 1, 2)?;
    let (minute, s) = digits(after(s, ':')?, 1, 2)?;
    let (second, s) = digits(after(s, ':')?, 1, 2)?;
    Some((NaiveTime::from_hms_opt(hour, minute, second)?, s))
}

/// `YYYY-MM-DD`, exactly (the form SmartBill and our journal write).
pub fn parse_ymd(s: &str) -> Option<NaiveDate> {
    match date_prefix(s)? {
        (date, "") => Some(date),
        _ => None,
    }
}

/// `YYYY-MM-DD HH:MM:SS`, exactly (MiniCRM's times, minicrm-api.md §2.3).
pub fn parse_ymd_hms(s: &str) -> Option<NaiveDateTime> {
    let (date, rest) = date_prefix(s)?;
    match time_prefix(after(rest, ' ')?)? {
        (time, "") => Some(date.and_time(time)),
        _ => None,
    }
}

/// An HTTP `Date` header (RFC 9110 §5.6.7, IMF-fixdate: `Sun, 06 Nov 1994 08:49:37 GMT`; also
/// RFC 2822's numeric zone, `+0200`, and a missing weekday) in ms since the epoch.
pub fn parse_http_date_ms(s: &str) -> Option<i64> {
    const MONTHS: [&str; 12] = [
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ];
    let s = s.trim();
    let s = match s.split_once(',') {
        Some((weekday, rest)) if weekday.trim().chars().all(|c| c.is_ascii_alphabetic()) => rest,
        Some(_) => return None,
        None => s,
    };
    let mut parts = s.split_ascii_whitespace();
    let (day, rest) = digits(parts.next()?, 1, 2)?;
    let month = parts.next()?.to_ascii_lowercase();
    let month = MONTHS.iter().position(|m| *m == month)?;
    let (year, rest2) = digits(parts.next()?, 4, 4)?;
    let (time, rest3) = time_prefix(parts.next()?)?;
    let zone = parts.next()?;
    if !rest.is_empty() || !rest2.is_empty() || !rest3.is_empty() || parts.next().is_some() {
        return None;
    }
    let offset_minutes: i64 = match zone.to_ascii_uppercase().as_str() {
        "GMT" | "UT" | "UTC" | "Z" => 0,
        z => {
            let (sign, hhmm) = match z.split_at_checked(1)? {
                ("+", hhmm) => (1, hhmm),
                ("-", hhmm) => (-1, hhmm),
                _ => return None,
            };
            let (value, tail) = digits(hhmm, 4, 4)?;
            if !tail.is_empty() || value % 100 >= 60 {
                return None;
            }
            sign * i64::from(value / 100 * 60 + value % 100)
        }
    };
    let month = u32::try_from(month).ok()? + 1;
    let date = NaiveDate::from_ymd_opt(i32::try_from(year).ok()?, month, day)?;
    let utc = date.and_time(time).and_utc().timestamp_millis();
    utc.checked_sub(offset_minutes.checked_mul(60_000)?)
}

/// serde for a `NaiveDate` as `YYYY-MM-DD` (`#[serde(with = "crate::platform::when::serde_ymd")]`).
pub mod serde_ymd {
    use chrono::NaiveDate;
    use serde::{de::Error as _, Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(date: &NaiveDate, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&super::ymd(*date))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<NaiveDate, D::Error> {
        let text = String::deserialize(d)?;
        super::parse_ymd(&text)
            .ok_or_else(|| D::Error::custom(format_args!("invalid date `{text}`, expected YYYY-MM-DD")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chrono_ymd_hms(s: &str) -> Option<NaiveDateTime> {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S").ok()
    }

    #[test]
    fn writes_what_chrono_s_format_strings_write() {
        let t = NaiveDate::from_ymd_opt(2026, 3, 9)
            .and_then(|d| d.and_hms_opt(7, 5, 3))
            .unwrap();
        assert_eq!(hms(t), t.format("%H:%M:%S").to_string());
        assert_eq!(hm(t), t.format("%H:%M").to_string());
        assert_eq!(ymd(t.date()), t.date().to_string());
        assert_eq!(ymd_hms(t), t.format("%Y-%m-%d %H:%M:%S").to_string());
        let early = NaiveDate::from_ymd_opt(33, 1, 1).unwrap();
        assert_eq!(ymd(early), early.to_string());
    }

    #[test]
    fn reads_minicrm_times_as_chrono_did() {
        for s in [
            "2026-11-27 14:03:05",
            "2026-1-2 3:04:05",
            "2026-02-29 00:00:00",
            "2026-12-31 24:00:00",
            "2026-11-27T14:03:05",
            "2026-11-27 14:03",
            "2026-11-27 14:03:05 ",
            "",
            "2026-11-27",
            "2026-13-01 00:00:00",
        ] {
            assert_eq!(parse_ymd_hms(s), chrono_ymd_hms(s), "{s:?}");
        }
        // Where chrono was more lenient, in forms MiniCRM does not write: a year of fewer than
        // four digits, two spaces for one, a leap second.
        for s in ["26-11-27 14:03:05", "2026-11-27  14:03:05", "2026-12-31 23:59:60"] {
            assert!(chrono_ymd_hms(s).is_some(), "{s:?}");
            assert_eq!(parse_ymd_hms(s), None, "{s:?}");
        }
        assert_eq!(
            parse_ymd_hms("2026-11-27 14:03:05").map(ymd_hms).as_deref(),
            Some("2026-11-27 14:03:05")
        );
    }

    #[test]
    fn reads_dates_exactly() {
        assert_eq!(parse_ymd("2026-11-27"), NaiveDate::from_ymd_opt(2026, 11, 27));
        assert_eq!(parse_ymd("2026-02-30"), None);
        assert_eq!(parse_ymd("2026-11-27 "), None);
        assert_eq!(parse_ymd("27.11.2026"), None);
        assert_eq!(
            parse_ymd("2026-11-27").map(|d| d.to_string()),
            "2026-11-27".parse::<NaiveDate>().ok().map(|d| d.to_string())
        );
    }

    #[test]
    fn reads_http_dates_as_chrono_s_rfc2822_did() {
        for s in [
            "Wed, 02 Dec 2026 10:15:00 GMT",
            "Sun, 06 Nov 1994 08:49:37 GMT",
            "06 Nov 1994 08:49:37 GMT",
            "Wed, 2 Dec 2026 10:15:00 +0200",
            "Wed, 02 Dec 2026 10:15:00 -0130",
            "Wed, 02 Dec 2026 10:15:00 UT",
            "  Wed, 02 Dec 2026 10:15:00 GMT  ",
            "Wed, 02 Foo 2026 10:15:00 GMT",
            "Wed, 31 Feb 2026 10:15:00 GMT",
            "Wed, 02 Dec 2026 10:15 GMT extra",
            "Wednesday, 02-Dec-26 10:15:00 GMT",
            "not a date",
            "",
        ] {
            let chrono = chrono::DateTime::parse_from_rfc2822(s.trim())
                .ok()
                .map(|d| d.timestamp_millis());
            assert_eq!(parse_http_date_ms(s), chrono, "{s:?}");
        }
    }

    #[test]
    fn dates_round_trip_through_serde() {
        #[derive(serde::Serialize, serde::Deserialize, PartialEq, Debug)]
        struct Row {
            #[serde(with = "serde_ymd")]
            day: NaiveDate,
        }
        let row = Row {
            day: NaiveDate::from_ymd_opt(2026, 11, 27).unwrap(),
        };
        let json = serde_json::to_value(&row).unwrap();
        assert_eq!(json, serde_json::json!({"day": "2026-11-27"}));
        assert_eq!(crate::platform::from_value::<Row>(json).unwrap(), row);
        let bad = crate::platform::from_value::<Row>(serde_json::json!({"day": "27.11.2026"}));
        assert!(bad.unwrap_err().to_string().contains("invalid date `27.11.2026`"));
    }
}
