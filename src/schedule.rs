//! The alarms the background keeps (`chrome.alarms`): the core decides, `background.js` applies.

use serde::Serialize;

use crate::settings::Settings;

#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS), ts(optional_fields))]
#[serde(rename_all = "camelCase")]
pub struct Alarm {
    pub name: &'static str,
    /// A repeating alarm.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub period_in_minutes: Option<f64>,
    /// A one-shot alarm.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delay_in_minutes: Option<f64>,
}

/// The one-shot alarm that brings the next tick sooner while work goes on. Its tick resumes
/// unfinished work and works the jobs, but does not poll for trigger statuses: a long job would
/// otherwise spend two of MiniCRM's calls on it every half minute, beside the job's own.
pub const CONTINUE: &str = "continue";

/// One "tick" alarm while the extension is configured: it resumes unfinished work, polls for
/// documents that reached a trigger status (with automatic emission on) and works the jobs.
/// Sandbox builds may shrink the period with the time scale (unpacked extensions are not held to
/// Chrome's 30-second minimum; TOOLCHAIN.md trap 7).
///
/// While a long job (a large stock sync) is unfinished, a one-shot "continue" alarm brings the
/// next tick sooner (Chrome gives an event at most 5 minutes; a tick works about 4).
pub fn alarms(settings: &Settings, host_permissions: &[String], more_work: bool) -> Vec<Alarm> {
    if !settings.configured(host_permissions) {
        return Vec::new();
    }
    let scale = settings.time_scale(host_permissions);
    let minutes = f64::from(settings.integration.interval_minutes.max(1)) / scale;
    let mut list = vec![Alarm {
        name: "tick",
        period_in_minutes: Some(minutes),
        delay_in_minutes: None,
    }];
    if more_work {
        list.push(Alarm {
            name: CONTINUE,
            period_in_minutes: None,
            delay_in_minutes: Some((0.5 / scale).max(0.01)),
        });
    }
    list
}
