//! The store's side of [`Session`](crate::Session)s: a key per user and state type, a lock
//! per key (renewed while the handler runs), and the silence timer `session.ttl_secs`.

use std::convert::Infallible;
use std::time::Duration;

use super::AccountStore;
use super::flight::{LEASE, Lease};
use crate::ids::OpenId;
use crate::router::{BoxFuture, Closing, Opened, Sessions};

/// How long a user's message waits for the same user's previous one to finish with the
/// session: longer than WeChat's 15 s of retries, which a slow handler may use in full.
const TURN_WAIT: Duration = Duration::from_secs(60);

/// One account's sessions.
#[derive(Debug, Clone)]
pub(crate) struct SessionStore {
    store: AccountStore,
    /// A session's life after its last message; zero keeps none.
    ttl: Duration,
}

/// What the store needs to close a session.
struct Ticket {
    name: String,
    /// The state could not be read: it must not be overwritten.
    unread: bool,
    store: AccountStore,
    /// Released by `close`; if the handler's future is dropped first, by `drop`, so the user's
    /// next message does not wait out the lease.
    lease: Option<Lease>,
    /// Renews the lease while the handler runs; aborted when the session closes or is dropped.
    renewal: tokio::task::AbortHandle,
}

impl Drop for Ticket {
    fn drop(&mut self) {
        self.renewal.abort();
        if let (Some(lease), Ok(runtime)) =
            (self.lease.take(), tokio::runtime::Handle::try_current())
        {
            let store = self.store.clone();
            runtime.spawn(async move { store.release(&lease).await });
        }
    }
}

impl SessionStore {
    /// The sessions of `store`'s account, each living `ttl` after its last message.
    pub(crate) fn new(store: AccountStore, ttl: Duration) -> Self {
        Self { store, ttl }
    }
}

impl Sessions for SessionStore {
    fn open<'a>(&'a self, user: &'a OpenId, kind: &'a str) -> BoxFuture<'a, Opened> {
        Box::pin(async move {
            if self.ttl.is_zero() {
                return Opened {
                    raw: None,
                    ticket: Box::new(()),
                };
            }
            let name = format!("session:{user}:{kind}");
            let nothing = || async { None::<Infallible> };
            let Ok(lease) = self.store.lock_or(&name, TURN_WAIT, nothing).await;
            // A failed read is not an empty session: the handler gets the default, but
            // nothing is written back over the state the store may still hold.
            let (raw, unread) = match self.store.try_get(&name).await {
                Ok(raw) => (raw, false),
                Err(_) => (None, true),
            };
            let (store, lease_copy) = (self.store.clone(), lease.clone());
            let renewal = tokio::spawn(async move {
                loop {
                    tokio::time::sleep(LEASE / 3).await;
                    store.renew(&lease_copy).await;
                }
            })
            .abort_handle();
            let ticket = Ticket {
                name,
                unread,
                store: self.store.clone(),
                lease: Some(lease),
                renewal,
            };
            Opened {
                raw,
                ticket: Box::new(ticket),
            }
        })
    }

    fn close(&self, opened: Opened, closing: Closing) -> BoxFuture<'_, ()> {
        Box::pin(async move {
            // Sessions are off (no ticket): nothing was read, nothing to write.
            let Ok(mut ticket) = opened.ticket.downcast::<Ticket>() else {
                return;
            };
            let name = &ticket.name;
            match (closing, opened.raw) {
                _ if ticket.unread => {
                    tracing::warn!(name, "session: the store could not be read; not saved");
                }
                (Closing::Save(value), _) => self.store.put(name, &value, self.ttl).await,
                (Closing::Remove, Some(raw)) => {
                    self.store.delete_if(name, &raw).await;
                }
                (Closing::Unchanged, Some(raw)) => {
                    self.store.expire_if(name, &raw, self.ttl).await;
                }
                (Closing::Remove | Closing::Unchanged, None) => {}
            }
            if let Some(lease) = ticket.lease.take() {
                self.store.release(&lease).await;
            }
        })
    }
}
