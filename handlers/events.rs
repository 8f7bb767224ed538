//! Events: follows, QR scans, menu clicks. Other events get no reply (`success`).

use wxbot::prelude::*;

/// A follow → `welcome`, or `welcome S` through QR scene S.
pub async fn subscribe(follow: Subscribe) -> String {
    match follow.scene() {
        Some(scene) => format!("welcome {scene}"),
        None => "welcome".to_owned(),
    }
}

/// A QR scan by a follower → `scan {EventKey}`.
pub async fn scan(scan: Scan) -> String {
    format!("scan {}", scan.event_key)
}

/// A menu click → `click {EventKey}`.
pub async fn click(click: Click) -> String {
    format!("click {}", click.event_key)
}
