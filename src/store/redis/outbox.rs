//! [`Outbox`]: one thread's commands that need no answer, waiting to leave with the thread's
//! next claim (one write, one round trip for all) or on their own a moment later.
//!
//! A message's published answer is read only by another instance that gets WeChat's retry,
//! seconds later; sending it in a round trip of its own would cost every message a second
//! trip through the connection, and Redis a second wake-up.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use redis::Cmd;

/// How long a command may wait for a claim to ride with before it leaves on its own.
pub(super) const FLUSH_AFTER: Duration = Duration::from_millis(2);

/// Commands waiting to be sent, and whether a flush of them is already due.
#[derive(Debug, Default)]
pub(super) struct Outbox {
    commands: Mutex<Vec<Cmd>>,
    flush_due: AtomicBool,
}

impl Outbox {
    /// Queues `command`; true when the caller is to schedule a flush (none is due yet).
    pub(super) fn push(&self, command: Cmd) -> bool {
        self.lock().push(command);
        !self.flush_due.swap(true, Ordering::AcqRel)
    }

    /// Takes every waiting command.
    pub(super) fn take(&self) -> Vec<Cmd> {
        std::mem::take(&mut *self.lock())
    }

    /// Takes every waiting command for the flush that was due.
    pub(super) fn take_for_flush(&self) -> Vec<Cmd> {
        self.flush_due.store(false, Ordering::Release);
        self.take()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Cmd>> {
        // Pushing to a Vec cannot panic halfway: a poisoned lock still holds whole commands.
        self.commands
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::Outbox;

    #[test]
    fn one_flush_is_scheduled_for_however_many_commands() {
        let outbox = Outbox::default();
        assert!(
            outbox.push(redis::cmd("SET")),
            "the first schedules a flush"
        );
        assert!(!outbox.push(redis::cmd("SET")), "the second rides with it");
        assert_eq!(outbox.take().len(), 2, "a claim takes both");
        assert!(!outbox.push(redis::cmd("SET")), "the flush is still due");
        assert_eq!(outbox.take_for_flush().len(), 1);
        assert!(outbox.push(redis::cmd("SET")), "after the flush, a new one");
    }
}
