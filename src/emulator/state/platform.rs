//! The emulator's memory of the platform around the messages: the custom menu. Kept in
//! `state.rs`'s one lock, as everything else.

use serde_json::Value;

use super::State;

/// What the platform APIs remember.
#[derive(Debug, Default)]
pub(super) struct Platform {
    /// The menu as `menu/get` returns it (`{"button": [...]}`), once created.
    menu: Option<Value>,
}

impl State {
    pub(in crate::emulator) fn set_menu(&self, menu: Value) {
        self.lock().platform.menu = Some(menu);
    }

    pub(in crate::emulator) fn menu(&self) -> Option<Value> {
        self.lock().platform.menu.clone()
    }

    pub(in crate::emulator) fn delete_menu(&self) {
        self.lock().platform.menu = None;
    }
}
