//! `menu push | show | delete` and `qr SCENE [--expire SECS]`: the account's custom menu from
//! `[menu]`, and QR codes with scenes, through the same client (token, retries, store) the
//! bot uses. A menu that breaks WeChat's rules, like any configuration mistake, is exit 2
//! before any call; an API error is exit 1 with its `errcode`.

use std::future::Future;
use std::path::Path;
use std::process::ExitCode;
use std::time::Duration;

use clap::Subcommand;

use super::App;
use crate::client::{
    Client, ClientError, MAX_PERMANENT_SCENE, MAX_QR_EXPIRE, MAX_SCENE_BYTES, Scene,
};
use crate::config::{Config, MenuConfig};
use crate::logs;
use crate::menu::Menu;
use crate::store::AccountStore;

/// What `menu` does.
#[derive(Debug, Clone, Copy, Subcommand)]
pub(super) enum MenuAction {
    /// Check [menu] in the config against WeChat's rules and make it the account's menu.
    Push,
    /// Print the account's current menu, as [menu] in the config.
    Show,
    /// Remove the account's custom menu.
    Delete,
}

/// Runs `menu ACTION`.
pub(super) fn menu(app: &App, action: MenuAction, config: Option<&Path>) -> ExitCode {
    let name = app.name;
    let Some((config, client)) = connect(name, config) else {
        return ExitCode::from(2);
    };
    match action {
        MenuAction::Push => {
            let menu = match Menu::check(&config.menu) {
                Ok(menu) => menu,
                Err(err) => {
                    logs::err(format_args!("{name}: {err}"));
                    return ExitCode::from(2);
                }
            };
            call(name, "menu push", client.create_menu(&menu), |()| {
                format!("pushed the menu: {} buttons", menu.buttons().len())
            })
        }
        MenuAction::Show => call(name, "menu show", client.menu(), |menu| match menu {
            Some(json) => as_toml(&json),
            None => "the account has no custom menu".to_owned(),
        }),
        MenuAction::Delete => call(name, "menu delete", client.delete_menu(), |()| {
            "deleted the menu".to_owned()
        }),
    }
}

/// Runs `qr SCENE [--expire SECS]`: prints the code's image URL.
pub(super) fn qr(app: &App, scene: &str, expire: Option<u64>, config: Option<&Path>) -> ExitCode {
    let name = app.name;
    let scene = Scene::parse(scene);
    if let Err(problem) = check_scene(&scene, expire) {
        logs::err(format_args!("{name}: {problem}"));
        return ExitCode::from(2);
    }
    let Some((_, client)) = connect(name, config) else {
        return ExitCode::from(2);
    };
    let expires = expire.map(Duration::from_secs);
    call(name, "qr", client.create_qrcode(&scene, expires), |code| {
        client.qrcode_image_url(&code.ticket)
    })
}

/// WeChat's limits on a scene, checked before the call.
fn check_scene(scene: &Scene, expire: Option<u64>) -> Result<(), String> {
    let longest = MAX_QR_EXPIRE.as_secs();
    match (scene, expire) {
        (_, Some(secs)) if secs == 0 || secs > longest => Err(format!(
            "--expire {secs}: a temporary code lives 1 to {longest} seconds (30 days)"
        )),
        (Scene::Id(id), None) if !(1..=MAX_PERMANENT_SCENE).contains(id) => Err(format!(
            "scene {id}: a permanent code's number is 1 to {MAX_PERMANENT_SCENE} (or give \
             --expire)"
        )),
        (Scene::Id(0), Some(_)) => Err("scene 0: a scene number starts at 1".to_owned()),
        (Scene::Str(text), _) if text.is_empty() || text.len() > MAX_SCENE_BYTES => Err(format!(
            "scene {text:?}: a string scene is 1 to {MAX_SCENE_BYTES} bytes"
        )),
        _ => Ok(()),
    }
}

/// The configuration and a client on the account's store (so a running bot's token is
/// reused, not replaced); `None` after printing why not.
fn connect(name: &str, file: Option<&Path>) -> Option<(Config, Client)> {
    let opened = Config::load(file)
        .map_err(crate::Error::from)
        .and_then(|config| {
            let store = AccountStore::open(&config)?;
            Ok((config, store))
        });
    match opened {
        Ok((config, store)) => {
            super::init_logs(&config);
            let client = Client::with_store(&config, store);
            Some((config, client))
        }
        Err(err) => {
            logs::err(format_args!("{name}: {err}"));
            None
        }
    }
}

/// Runs `work` on a runtime of its own; prints what `done` says of its result (exit 0), or
/// the error with WeChat's errcode (exit 1).
fn call<T>(
    name: &str,
    what: &str,
    work: impl Future<Output = Result<T, ClientError>>,
    done: impl FnOnce(T) -> String,
) -> ExitCode {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build();
    let result = match runtime {
        Ok(runtime) => runtime.block_on(work),
        Err(err) => {
            logs::err(format_args!(
                "{name}: {what}: cannot start a runtime: {err}"
            ));
            return ExitCode::FAILURE;
        }
    };
    match result {
        Ok(value) => {
            logs::out(format_args!("{}", done(value)));
            ExitCode::SUCCESS
        }
        Err(err) => {
            logs::err(format_args!("{name}: {what}: {err}"));
            ExitCode::FAILURE
        }
    }
}

/// WeChat's menu JSON as the config's `[menu]`, ready to paste; as JSON when it has fields
/// the config does not know.
fn as_toml(json: &serde_json::Value) -> String {
    #[derive(serde::Serialize)]
    struct Wrapped {
        menu: MenuConfig,
    }
    serde_json::from_value::<MenuConfig>(json.clone())
        .ok()
        .and_then(|menu| toml::to_string(&Wrapped { menu }).ok())
        .unwrap_or_else(|| json.to_string())
}
