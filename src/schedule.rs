//! The alarms the background keeps (`chrome.alarms`): the core decides, `background.js` applies.

use serde::Serialize;

use crate::settings::Settings;

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Alarm {
    pub name: &'static str,
    pub period_in_minutes: f64,
}

/// One "tick" alarm while the extension is configured: it resumes unfinished work and, with
/// automatic emission on, polls for documents that reached a trigger status. Sandbox builds may
/// shrink the period with the time scale (unpacked extensions are not held to Chrome's
/// 30-second minimum; TOOLCHAIN.md trap 7).
pub fn alarms(settings: &Settings, host_permissions: &[String]) -> Vec<Alarm> {
    let configured =
        settings.validate_all(host_permissions).is_empty() && settings.minicrm.category_id.is_some();
    if !configured {
        return Vec::new();
    }
    let scale = settings.time_scale(host_permissions);
    let minutes = f64::from(settings.integration.interval_minutes.max(1)) / scale;
    vec![Alarm {
        name: "tick",
        period_in_minutes: minutes,
    }]
}
