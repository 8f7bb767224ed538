//! The configuration's defaults, rules, messages and example file.

use figment::Figment;
use figment::providers::{Format, Serialized, Toml};

use super::load::{describe, known_keys, near_misses};
use super::validate::bind_problem;
use super::*;
use crate::secret::Secret;

#[test]
fn defaults_are_the_contracts() {
    let config = Config::default();
    assert_eq!(config.server.bind, "127.0.0.1:8080");
    assert_eq!(config.server.path, "/wechat");
    assert_eq!(config.server.body_limit_bytes, 1_048_576);
    assert_eq!(config.server.reply_deadline_ms, 4500);
    assert_eq!(config.account.mode, Mode::Plain);
    assert_eq!(config.api.base_url, "https://api.weixin.qq.com");
    assert_eq!(config.media.ttl_secs, 259_200);
    assert_eq!(config.media.refresh_margin_secs, 3600);
    assert_eq!(config.media.recheck_ms, 1000);
    assert_eq!(config.store.backend, Backend::Memory);
}

/// A configuration that passes every rule.
fn valid() -> Config {
    let mut config = Config::default();
    config.account.token = Secret::new("abc123");
    config
}

/// The one problem `change` makes in a valid configuration.
fn only_problem(change: impl FnOnce(&mut Config)) -> Option<String> {
    let mut config = valid();
    change(&mut config);
    let problems = config.validate().err()?.problems;
    assert_eq!(problems.len(), 1, "{problems:?}");
    problems.into_iter().next()
}

#[test]
fn validate_names_every_bad_key() {
    type Change = fn(&mut Config);
    let rules: [(&str, Change); 14] = [
        ("account.token is missing", |c| {
            c.account.token = Secret::default()
        }),
        ("account.token must be 3 to 32", |c| {
            c.account.token = Secret::new("ab")
        }),
        ("account.token must be 3 to 32", |c| {
            c.account.token = Secret::new("a".repeat(33))
        }),
        ("account.token must be 3 to 32", |c| {
            c.account.token = Secret::new("abc-123")
        }),
        ("account.appid is required", |c| {
            c.account.mode = Mode::Compatible;
            c.account.encoding_aes_key = Secret::new("a".repeat(43));
        }),
        ("server.bind", |c| c.server.bind = "localhost".to_owned()),
        ("server.path", |c| c.server.path = "wechat".to_owned()),
        ("server.body_limit_bytes", |c| c.server.body_limit_bytes = 0),
        ("server.reply_deadline_ms", |c| {
            c.server.reply_deadline_ms = 5000
        }),
        ("api.base_url", |c| c.api.base_url = "ftp://x".to_owned()),
        ("server.dedup_ttl_secs", |c| c.server.dedup_ttl_secs = 14),
        ("server.dedup_capacity", |c| c.server.dedup_capacity = 0),
        ("api.timeout_secs", |c| c.api.timeout_secs = 0),
        ("media.ttl_secs", |c| c.media.ttl_secs = 0),
    ];
    for (key, change) in rules {
        let problem = only_problem(change).unwrap_or_else(|| panic!("{key}: no problem"));
        assert!(problem.starts_with(key), "{key}: {problem}");
    }
    let key = only_problem(|c| {
        c.account.appid = "wx1".to_owned();
        c.account.mode = Mode::Safe;
    });
    assert!(key.is_some_and(|p| p.starts_with("account.encoding_aes_key")));
    let mut config = valid();
    config.server.path = "wechat".to_owned();
    config.server.reply_deadline_ms = 0;
    assert_eq!(
        config.validate().unwrap_err().problems.len(),
        2,
        "all at once"
    );
}

#[test]
fn the_edges_of_each_range_are_accepted() {
    type Change = fn(&mut Config);
    let edges: [Change; 6] = [
        |c| c.account.token = Secret::new("abc"),
        |c| c.account.token = Secret::new("a".repeat(32)),
        |c| c.server.reply_deadline_ms = 4999,
        |c| c.server.reply_deadline_ms = 1,
        |c| c.server.dedup_ttl_secs = 15,
        |c| c.server.bind = "localhost:0".to_owned(),
    ];
    for change in edges {
        assert_eq!(only_problem(change), None);
    }
}

#[test]
fn bind_problems_say_what_is_wrong() {
    let problem = |bind: &str| bind_problem(bind).unwrap_or_default();
    assert!(problem("127.0.0.1:70000").contains("port 70000 is out of range"));
    assert!(problem("8080").contains("127.0.0.1:8080"));
    assert!(problem("8080").contains("0.0.0.0:8080"));
    assert!(problem("127.0.0.1").contains("has no port"));
    assert!(problem("127.0.0.1:http").contains("not a number"));
    assert!(problem(":8080").contains("has no address"));
    assert_eq!(bind_problem("[::1]:8080"), None);
    assert_eq!(bind_problem("0.0.0.0:0"), None);
}

#[test]
fn a_variable_with_one_underscore_too_few_is_named_with_its_fix() {
    let vars = [
        ("WXBOT_ACCOUNT_TOKEN", "abc123"),
        ("WXBOT_SERVER__BIND", "127.0.0.1:0"),
        ("WXBOT_LOG", "debug"),
        ("PATH", "/bin"),
    ]
    .map(|(name, value)| (name.to_owned(), value.to_owned()));
    let problems = near_misses(vars.into_iter());
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(
        problems[0].starts_with("WXBOT_ACCOUNT_TOKEN"),
        "{problems:?}"
    );
    assert!(problems[0].contains("WXBOT_ACCOUNT__TOKEN"), "{problems:?}");
}

#[test]
fn an_unknown_mode_lists_the_values_plainly() {
    let err = Figment::from(Serialized::defaults(Config::default()))
        .merge(Toml::string("[account]\nmode = \"Safe\""))
        .extract::<Config>()
        .unwrap_err();
    let message = describe(&err);
    assert_eq!(
        message,
        "account.mode: unknown value \"Safe\", expected one of \"plain\", \"compatible\", \"safe\""
    );
}

#[test]
fn a_number_for_bind_reaches_validation_as_text() {
    let config: Config = Figment::from(Serialized::defaults(Config::default()))
        .merge(Toml::string("[server]\nbind = 8080"))
        .extract()
        .expect("a number is read as text");
    assert_eq!(config.server.bind, "8080");
}

#[test]
fn the_example_file_starts_as_it_is_and_sets_every_key() {
    let example = include_str!("../../wxbot.example.toml");
    let config: Config = Figment::from(Serialized::defaults(Config::default()))
        .merge(Toml::string(example))
        .extract()
        .expect("wxbot.example.toml parses");
    config.validate().expect("wxbot.example.toml validates");
    let file_only = Figment::from(Toml::string(example));
    for key in known_keys() {
        assert!(
            file_only.find_value(&key).is_ok(),
            "wxbot.example.toml lacks {key}"
        );
    }
}

#[test]
fn secrets_do_not_debug_print() {
    let mut config = Config::default();
    config.account.token = Secret::new("supersecrettoken");
    config.account.secret = Secret::new("appsecretvalue");
    let printed = format!("{config:?}");
    assert!(!printed.contains("supersecrettoken") && !printed.contains("appsecretvalue"));
}
