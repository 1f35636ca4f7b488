//! The sandbox's clock. Rate-limit windows (SmartBill 30 calls / 10 s with a 10-minute block,
//! MiniCRM 60 calls / min) are measured on it, so tests can speed it up (`speed` 100 makes a
//! 10-second window last 100 ms of real time) or jump it forward.

use std::time::{Duration, Instant};

use chrono::{DateTime, FixedOffset, NaiveDate, TimeDelta, Utc};

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

    /// Today's date in Romania. [INF] A fixed UTC+2 offset; summer time is ignored by the fake.
    pub fn today_ro(&self) -> NaiveDate {
        let ro = FixedOffset::east_opt(2 * 3600).unwrap_or(FixedOffset::east_opt(0).expect("zero offset"));
        self.now().with_timezone(&ro).date_naive()
    }

    /// Hungarian local time as MiniCRM prints it (`YYYY-MM-DD HH:MM:SS`). [INF] fixed UTC+1.
    pub fn minicrm_timestamp(&self) -> String {
        let hu = FixedOffset::east_opt(3600).unwrap_or(FixedOffset::east_opt(0).expect("zero offset"));
        self.now()
            .with_timezone(&hu)
            .format("%Y-%m-%d %H:%M:%S")
            .to_string()
    }

    /// How long a virtual duration lasts in real time at the current speed.
    pub fn real_duration(&self, virtual_ms: i64) -> Duration {
        Duration::from_secs_f64((virtual_ms.max(0) as f64 / 1000.0) / self.speed)
    }
}
