//! The sandbox's clock. Rate-limit windows (SmartBill 30 calls / 10 s with a 10-minute block,
//! MiniCRM 60 calls / min) are measured on it, so tests can speed it up (`speed` 100 makes a
//! 10-second window last 100 ms of real time) or jump it forward.

use std::time::{Duration, Instant};

use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, TimeDelta, Utc, Weekday};

#[derive(Clone, Debug)]
pub struct Clock {
    base_real: Instant,
    base_virtual: DateTime<Utc>,
    speed: f64,
}

impl Default for Clock {
    fn default() -> Self {
        Self::new()
    }
}

impl Clock {
    pub fn new() -> Clock {
        Clock {
            base_real: Instant::now(),
            base_virtual: Utc::now(),
            speed: 1.0,
        }
    }

    pub fn now(&self) -> DateTime<Utc> {
        let real = self.base_real.elapsed().as_secs_f64() * self.speed;
        self.base_virtual + TimeDelta::microseconds((real * 1_000_000.0) as i64)
    }

    /// Milliseconds since the Unix epoch, on the virtual clock.
    pub fn now_ms(&self) -> i64 {
        self.now().timestamp_millis()
    }

    pub fn speed(&self) -> f64 {
        self.speed
    }

    /// Changes the speed from now on, without a jump.
    pub fn set_speed(&mut self, speed: f64) {
        let now = self.now();
        self.base_virtual = now;
        self.base_real = Instant::now();
        self.speed = if speed.is_finite() && speed > 0.0 {
            speed
        } else {
            1.0
        };
    }

    /// Jumps the virtual clock forward (or back, with a negative value).
    pub fn advance(&mut self, by: Duration, forward: bool) {
        let delta = TimeDelta::from_std(by).unwrap_or(TimeDelta::zero());
        self.base_virtual = if forward {
            self.base_virtual + delta
        } else {
            self.base_virtual - delta
        };
    }

    /// Sets the virtual date and time.
    pub fn set(&mut self, at: DateTime<Utc>) {
        self.base_virtual = at;
        self.base_real = Instant::now();
    }

    /// Today's date in Romania (Europe/Bucharest: EET, EEST in summer).
    pub fn today_ro(&self) -> NaiveDate {
        to_local(self.now(), BUCHAREST).date()
    }

    /// Hungarian local time as MiniCRM prints it (`YYYY-MM-DD HH:MM:SS`, Europe/Budapest).
    pub fn minicrm_timestamp(&self) -> String {
        to_local(self.now(), BUDAPEST)
            .format("%Y-%m-%d %H:%M:%S")
            .to_string()
    }

    /// How long a virtual duration lasts in real time at the current speed.
    pub fn real_duration(&self, virtual_ms: i64) -> Duration {
        Duration::from_secs_f64((virtual_ms.max(0) as f64 / 1000.0) / self.speed)
    }
}

/// A time zone that follows the EU summer-time rule: standard time `standard_hours` east of UTC,
/// one hour more from 01:00 UTC on the last Sunday of March to 01:00 UTC on the last Sunday of
/// October (Directive 2000/84/EC).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EuZone {
    pub standard_hours: i64,
}

/// Europe/Budapest (CET/CEST): MiniCRM's time zone (minicrm-api.md §2.3 "Hungarian time zone").
pub const BUDAPEST: EuZone = EuZone { standard_hours: 1 };
/// Europe/Bucharest (EET/EEST): SmartBill's dates.
pub const BUCHAREST: EuZone = EuZone { standard_hours: 2 };

/// 01:00 UTC on the last Sunday of `month` (3 or 10) of `year`.
fn switch_instant(year: i32, month: u32) -> Option<DateTime<Utc>> {
    let first_next = if month == 12 {
        NaiveDate::from_ymd_opt(year + 1, 1, 1)?
    } else {
        NaiveDate::from_ymd_opt(year, month + 1, 1)?
    };
    let last = first_next.pred_opt()?;
    let back = last.weekday().num_days_from_sunday();
    let sunday = last - TimeDelta::days(i64::from(back));
    debug_assert_eq!(sunday.weekday(), Weekday::Sun);
    Some(sunday.and_hms_opt(1, 0, 0)?.and_utc())
}

/// Whether summer time is in force at `utc` (the same instants everywhere in the EU).
pub fn is_eu_summer_time(utc: DateTime<Utc>) -> bool {
    let year = utc.year();
    match (switch_instant(year, 3), switch_instant(year, 10)) {
        (Some(start), Some(end)) => utc >= start && utc < end,
        _ => false,
    }
}

/// The zone's offset from UTC at `utc`, in hours.
pub fn offset_hours(utc: DateTime<Utc>, zone: EuZone) -> i64 {
    zone.standard_hours + i64::from(is_eu_summer_time(utc))
}

/// The wall-clock time of the zone at `utc`.
pub fn to_local(utc: DateTime<Utc>, zone: EuZone) -> NaiveDateTime {
    utc.naive_utc() + TimeDelta::hours(offset_hours(utc, zone))
}

/// The instant a wall-clock time of the zone stands for. In October's repeated hour the first
/// (summer-time) instant is taken; a time in March's skipped hour is read with the winter offset,
/// so it lands one hour later on the clock (as most libraries do).
pub fn from_local(local: NaiveDateTime, zone: EuZone) -> DateTime<Utc> {
    let summer = (local - TimeDelta::hours(zone.standard_hours + 1)).and_utc();
    if is_eu_summer_time(summer) {
        return summer;
    }
    (local - TimeDelta::hours(zone.standard_hours)).and_utc()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(s: &str) -> DateTime<Utc> {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S")
            .unwrap()
            .and_utc()
    }
    fn local(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S").unwrap()
    }

    #[test]
    fn budapest_switches_at_one_utc_on_the_last_sundays() {
        // 2026: summer time from 29 March to 25 October.
        assert_eq!(
            to_local(utc("2026-03-29 00:59:59"), BUDAPEST),
            local("2026-03-29 01:59:59")
        );
        assert_eq!(
            to_local(utc("2026-03-29 01:00:00"), BUDAPEST),
            local("2026-03-29 03:00:00")
        );
        assert_eq!(
            to_local(utc("2026-10-25 00:59:59"), BUDAPEST),
            local("2026-10-25 02:59:59")
        );
        assert_eq!(
            to_local(utc("2026-10-25 01:00:00"), BUDAPEST),
            local("2026-10-25 02:00:00")
        );
        assert_eq!(
            to_local(utc("2026-07-01 12:00:00"), BUDAPEST),
            local("2026-07-01 14:00:00")
        );
        assert_eq!(
            to_local(utc("2026-12-01 12:00:00"), BUDAPEST),
            local("2026-12-01 13:00:00")
        );
        // 2027: 28 March and 31 October.
        assert!(!is_eu_summer_time(utc("2027-03-28 00:59:59")));
        assert!(is_eu_summer_time(utc("2027-03-28 01:00:00")));
        assert!(is_eu_summer_time(utc("2027-10-31 00:59:59")));
        assert!(!is_eu_summer_time(utc("2027-10-31 01:00:00")));
    }

    #[test]
    fn wall_clock_back_to_utc_across_both_switches() {
        assert_eq!(
            from_local(local("2026-03-29 01:30:00"), BUDAPEST),
            utc("2026-03-29 00:30:00")
        );
        assert_eq!(
            from_local(local("2026-03-29 03:30:00"), BUDAPEST),
            utc("2026-03-29 01:30:00")
        );
        // The skipped hour is read with the winter offset.
        assert_eq!(
            from_local(local("2026-03-29 02:30:00"), BUDAPEST),
            utc("2026-03-29 01:30:00")
        );
        // The repeated hour: the first (summer) instant.
        assert_eq!(
            from_local(local("2026-10-25 02:30:00"), BUDAPEST),
            utc("2026-10-25 00:30:00")
        );
        assert_eq!(
            from_local(local("2026-10-25 03:30:00"), BUDAPEST),
            utc("2026-10-25 02:30:00")
        );
        assert_eq!(
            from_local(local("2026-10-25 01:30:00"), BUDAPEST),
            utc("2026-10-24 23:30:00")
        );
        // Round trips away from the switches.
        for s in [
            "2026-01-15 08:00:00",
            "2026-06-15 23:59:59",
            "2026-11-27 10:00:00",
        ] {
            assert_eq!(to_local(from_local(local(s), BUDAPEST), BUDAPEST), local(s));
        }
    }

    #[test]
    fn bucharest_is_one_hour_ahead_of_budapest() {
        assert_eq!(
            to_local(utc("2026-07-01 21:30:00"), BUCHAREST).date(),
            NaiveDate::from_ymd_opt(2026, 7, 2).unwrap()
        );
        assert_eq!(
            to_local(utc("2026-12-01 21:30:00"), BUCHAREST).date(),
            NaiveDate::from_ymd_opt(2026, 12, 1).unwrap()
        );
    }
}
