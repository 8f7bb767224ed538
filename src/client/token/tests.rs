//! The token cache: single flight, shared failures, refresh margin, invalidation.
use std::sync::atomic::{AtomicUsize, Ordering};

use super::*;

fn issued(value: &str, expires_in: u64) -> Issued {
    Issued {
        access_token: value.to_owned(),
        expires_in,
    }
}

/// `callers` concurrent gets whose fetch takes 50 ms and ends in `outcome`; their results
/// and how many fetches ran.
async fn concurrent_gets(
    manager: &Arc<TokenManager>,
    callers: usize,
    outcome: fn() -> Result<Issued, ClientError>,
) -> (Vec<Result<Arc<str>, ClientError>>, usize) {
    let fetches = Arc::new(AtomicUsize::new(0));
    let tasks: Vec<_> = (0..callers)
        .map(|_| {
            let (manager, fetches) = (Arc::clone(manager), Arc::clone(&fetches));
            tokio::spawn(async move {
                let fetch = || async {
                    fetches.fetch_add(1, Ordering::SeqCst);
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    outcome()
                };
                manager.get(|_| fetch()).await
            })
        })
        .collect();
    let mut results = Vec::new();
    for task in tasks {
        results.push(task.await.unwrap());
    }
    (results, fetches.load(Ordering::SeqCst))
}

#[tokio::test(start_paused = true)]
async fn concurrent_needs_share_one_fetch() {
    let manager = Arc::new(TokenManager::default());
    let (results, fetches) = concurrent_gets(&manager, 50, || Ok(issued("t1", 7200))).await;
    assert!(
        results
            .iter()
            .all(|token| token.as_deref().ok() == Some("t1"))
    );
    assert_eq!(fetches, 1);
}

#[tokio::test(start_paused = true)]
async fn callers_waiting_on_a_failed_fetch_share_its_failure() {
    let manager = Arc::new(TokenManager::default());
    let (results, fetches) =
        concurrent_gets(&manager, 10, || Err(ClientError::NoCredentials)).await;
    assert!(
        results
            .iter()
            .all(|result| matches!(result, Err(ClientError::Token(_))))
    );
    assert_eq!(fetches, 1, "one fetch for ten callers");
    let retry = manager.get(|_| async { Ok(issued("t1", 7200)) }).await;
    assert_eq!(&*retry.unwrap(), "t1", "a later call fetches again");
}

#[tokio::test(start_paused = true)]
async fn refreshes_before_expiry_with_the_margin() {
    let manager = TokenManager::default();
    let get = |value: &'static str| manager.get(move |_| async move { Ok(issued(value, 7200)) });
    assert_eq!(&*get("t1").await.unwrap(), "t1");
    tokio::time::advance(Duration::from_secs(7200 - 301)).await;
    assert_eq!(
        &*get("t2").await.unwrap(),
        "t1",
        "still fresh 301 s before expiry"
    );
    tokio::time::advance(Duration::from_secs(2)).await;
    assert_eq!(
        &*get("t2").await.unwrap(),
        "t2",
        "refreshed inside the 300 s margin"
    );
}

#[tokio::test(start_paused = true)]
async fn invalidate_drops_only_the_token_that_failed() {
    let manager = TokenManager::default();
    let get = |value: &'static str| manager.get(move |_| async move { Ok(issued(value, 7200)) });
    assert_eq!(&*get("t1").await.unwrap(), "t1");
    manager.invalidate("t0");
    assert_eq!(
        &*get("t2").await.unwrap(),
        "t1",
        "a stale failure leaves the current token"
    );
    manager.invalidate("t1");
    assert_eq!(&*get("t2").await.unwrap(), "t2");
}
