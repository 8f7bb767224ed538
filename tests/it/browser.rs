//! The playground in a real browser: headless Chromium, driven over WebDriver (fantoccini)
//! through a chromedriver this test starts, chats with the demo bot, through its menu too.
//!
//! Chromium and chromedriver are Debian's `chromium` and `chromium-driver`, which `.ci/run`
//! installs. Without them this test fails, saying how to install them: it is never skipped.
//! With `WXBOT_SCREENSHOT=docs/playground.png` it also saves the page as the README shows it.

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use fantoccini::elements::Element;
use fantoccini::error::CmdError;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;
use wxbot::config::ButtonConfig;
use wxbot::dev::{Options, Playground};
use wxbot::emulator::AccountKind;

use crate::common::{TempDir, local_client};
use crate::handlers;

/// The flags this machine needs (its network is closed: no background traffic, no QUIC).
const FLAGS: &[&str] = &[
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--window-size=1120,900",
];

/// Long enough for a cold media upload in a debug build; a failure still ends the test.
const PATIENCE: Duration = Duration::from_secs(20);

type Outcome = Result<(), Box<dyn std::error::Error>>;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_page_chats_with_the_demo_bot() {
    let options = Options::default()
        .port(0)
        .title("Tea shop")
        .suggest(vec!["ping".to_owned(), "news".to_owned()]);
    let playground =
        Playground::start(with_menu(), handlers::router(), &options).expect("playground");
    let driver = Driver::start();
    let browser = driver.connect().await;
    let outcome = chat(&browser, &playground).await;
    // Closed before judging, so a failed assertion leaves no browser behind.
    let _ = browser.close().await;
    if let Err(err) = outcome {
        panic!("{err}");
    }
}

async fn chat(browser: &Client, playground: &Playground) -> Outcome {
    browser.goto(playground.url()).await?;
    wait_for(browser, Locator::Id("text")).await?;

    // The bot's own name on the chat bar; a suggestion fills the box.
    wait_for(
        browser,
        Locator::XPath("//h1[@id='account'][text()='Tea shop']"),
    )
    .await?;
    menu_and_template(browser, playground).await?;
    from_panel(browser, Locator::Id("ev-subscribe")).await?;
    bot_text(browser, "welcome").await?;

    let chip = Locator::XPath("//p[@id='suggest']/button[text()='ping']");
    wait_for(browser, chip).await?.click().await?;
    browser.find(Locator::Id("send")).await?.click().await?;
    bot_text(browser, "pong").await?;

    say(browser, "image").await?;
    let src = loaded_image(browser, 1).await?;
    let bytes = local_client().get(&src).send().await?.bytes().await?;
    if !bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        return Err(format!("{src} is no JPEG").into());
    }

    say(browser, "Hello 👋\nthis is line two").await?;
    bot_text(browser, "Hello 👋\nthis is line two").await?;
    say(browser, "music").await?;
    let music = Locator::XPath("//a[contains(@class,'music')]//div[text()='Demo music']");
    wait_for(browser, music).await?;
    let png = browser.screenshot().await?;
    if !png.starts_with(b"\x89PNG") {
        return Err("the screenshot is no PNG".into());
    }
    if let Some(path) = std::env::var_os("WXBOT_SCREENSHOT") {
        std::fs::write(Path::new(env!("CARGO_MANIFEST_DIR")).join(path), &png)?;
    }
    details_and_uploads(browser).await?;
    bad_input(browser).await?;
    account_picker(browser, playground).await
}

/// The config's `[menu]`: a click button on the bar, and one in a sub-menu.
fn with_menu() -> wxbot::Config {
    let button = |name: &str, key: &str| {
        let mut button = ButtonConfig::default();
        button.kind = Some("click".to_owned());
        button.name = name.to_owned();
        button.key = Some(key.to_owned());
        button
    };
    let mut more = ButtonConfig::default();
    more.name = "More".to_owned();
    more.sub_button = vec![button("Help", "HELP")];
    let mut config = wxbot::testing::config();
    config.menu.button = vec![button("Today", "V1001_TODAY"), more];
    config
}

/// WeChat's menu bar under the chat: a click on the bar and one in a sub-menu, each answered
/// by the demo bot; a template message's card and its job report; then the keyboard.
async fn menu_and_template(browser: &Client, playground: &Playground) -> Outcome {
    let today = "//div[@id='menu-buttons']//button[.='Today']";
    wait_for(browser, Locator::XPath(today))
        .await?
        .click()
        .await?;
    bot_text(browser, "click V1001_TODAY").await?;
    let more = "//div[@id='menu-buttons']//button[.='More']";
    browser.find(Locator::XPath(more)).await?.click().await?;
    let help = "//div[contains(@class,'submenu')]/button[.='Help']";
    wait_for(browser, Locator::XPath(help))
        .await?
        .click()
        .await?;
    bot_text(browser, "click HELP").await?;

    send_template(playground).await?;
    let card = "//div[contains(@class,'card template')][div[.='TPL_ORDER']]\
        [.//span[.='Green tea']][a[contains(@class,'detail')]]";
    wait_for(browser, Locator::XPath(card)).await?;
    let report = "//button[contains(@class,'report')]";
    browser.find(Locator::XPath(report)).await?.click().await?;
    let reported = "//div[contains(@class,'notice') and contains(., 'TEMPLATESENDJOBFINISH')]";
    wait_for(browser, Locator::XPath(reported)).await?;

    browser
        .find(Locator::Id("to-keyboard"))
        .await?
        .click()
        .await?;
    wait_for(browser, Locator::Css("#keyboard:not([hidden]) #text")).await?;
    Ok(())
}

/// The bot's side of a template message, straight to the playground's emulator.
async fn send_template(playground: &Playground) -> Outcome {
    let emulator = playground.emulator();
    let base = emulator.base_url();
    let token_url = format!(
        "{base}/cgi-bin/token?grant_type=client_credential&appid={}&secret={}",
        emulator.appid(),
        emulator.secret()
    );
    let token: serde_json::Value = local_client().get(token_url).send().await?.json().await?;
    let token = token["access_token"].as_str().ok_or("no token")?;
    let message = json!({
        "touser": "o_playground_user",
        "template_id": "TPL_ORDER",
        "url": "https://example.com/orders/42",
        "data": { "keyword1": { "value": "Green tea", "color": "#173177" } },
    });
    let url = format!("{base}/cgi-bin/message/template/send?access_token={token}");
    let sent: serde_json::Value = local_client()
        .post(url)
        .json(&message)
        .send()
        .await?
        .json()
        .await?;
    if sent["errcode"] != 0 {
        return Err(format!("the template message was refused: {sent}").into());
    }
    Ok(())
}

async fn details_and_uploads(browser: &Client) -> Outcome {
    // The raw exchange of the last answer, folded out.
    open_last_details(browser).await?;
    let xml = Locator::XPath(
        "//div[contains(@class,'details') and not(@hidden)]//pre[contains(., '<MsgType><![CDATA[music]]></MsgType>')]",
    );
    wait_for(browser, xml).await?;
    let delivery = "//div[contains(@class,'details') and not(@hidden)]\
        //div[contains(@class,'attempt') and starts-with(., 'delivery 1 · ') \
        and contains(., ' ms · HTTP 200: a music card')]";
    wait_for(browser, Locator::XPath(delivery)).await?;

    // A file from the + panel: uploaded, sent with its MediaId, echoed by the demo bot.
    send_image(
        browser,
        concat!(env!("CARGO_MANIFEST_DIR"), "/assets/demo.jpg"),
    )
    .await?;
    let echoed = loaded_image(browser, 2).await?;
    let mine = Locator::XPath("//div[contains(@class,'row me')]//img[contains(@class,'loaded')]");
    let mine = wait_for(browser, mine).await?;
    if mine.prop("src").await?.as_deref() != Some(echoed.as_str()) {
        return Err(format!("the echo {echoed} is not the uploaded image").into());
    }
    Ok(())
}

/// The account-type picker switches the emulator's account through the API, beside the bot's
/// `server.late_reply`.
async fn account_picker(browser: &Client, playground: &Playground) -> Outcome {
    let policy = "//p[@id='late-reply']/code[.='server.late_reply = \"customer_service\"']";
    wait_for(browser, Locator::XPath(policy)).await?;
    let picker = browser.find(Locator::Id("account-kind")).await?;
    picker.select_by_value("unverified_subscription").await?;
    let switched = "//div[contains(@class,'notice') and contains(., 'refused with 48001')]";
    wait_for(browser, Locator::XPath(switched)).await?;
    let kind = playground.emulator().account_kind();
    if kind != AccountKind::UnverifiedSubscription {
        return Err(format!("the picker left the emulator a {kind:?}").into());
    }
    picker.select_by_value("verified_service").await?;
    let back = "//div[contains(@class,'notice') and contains(., 'API is allowed')]";
    wait_for(browser, Locator::XPath(back)).await?;
    Ok(())
}

/// Bad input is shown in the page, and the chat goes on.
async fn bad_input(browser: &Client) -> Outcome {
    let dir = TempDir::new("browser-upload");
    let fake = dir.0.join("not-a-photo.jpg");
    std::fs::write(&fake, "plain text, whatever the name says")?;
    send_image(browser, fake.to_str().ok_or("a UTF-8 temp path")?).await?;
    let refusal = "//div[contains(@class,'notice error') and contains(., 'must be JPG')]";
    wait_for(browser, Locator::XPath(refusal)).await?;

    encrypted(browser).await?;
    browser
        .find(Locator::Id("mode"))
        .await?
        .select_by_value("plain")
        .await?;
    say(browser, "still here").await?;
    bot_text(browser, "still here").await
}

/// Safe mode: the same chat, encrypted, with the ciphertext in the details.
async fn encrypted(browser: &Client) -> Outcome {
    browser
        .find(Locator::Id("mode"))
        .await?
        .select_by_value("safe")
        .await?;
    say(browser, "ping").await?;
    // The second pong: the first was in plain mode.
    nth_bot_text(browser, "pong", 2).await?;
    open_last_details(browser).await?;
    let shown = "//div[contains(@class,'details') and not(@hidden)]";
    let envelope = format!("{shown}//pre[contains(., '</Encrypt>')]");
    let decrypted = format!(
        "{shown}//div[.='reply XML, decrypted']/following-sibling::pre[1][contains(., '<![CDATA[pong]]>')]"
    );
    for xpath in [envelope, decrypted] {
        wait_for(browser, Locator::XPath(&xpath))
            .await
            .map_err(|err| format!("no {xpath}: {err}"))?;
    }
    Ok(())
}

/// Waits for `locator` to appear, for [`PATIENCE`] at most.
async fn wait_for(browser: &Client, locator: Locator<'_>) -> Result<Element, CmdError> {
    browser.wait().at_most(PATIENCE).for_element(locator).await
}

/// Folds out the details (the raw exchange) of the last message.
async fn open_last_details(browser: &Client) -> Outcome {
    let toggles = browser.find_all(Locator::Css(".more-link")).await?;
    toggles.last().ok_or("no details toggle")?.click().await?;
    Ok(())
}

/// Opens the + panel and clicks `item` in it.
async fn from_panel(browser: &Client, item: Locator<'_>) -> Outcome {
    browser.find(Locator::Id("more")).await?.click().await?;
    browser.find(item).await?.click().await?;
    Ok(())
}

/// Picks the file at `path` as an image from the + panel: the page uploads and sends it.
async fn send_image(browser: &Client, path: &str) -> Outcome {
    from_panel(browser, Locator::Css("[data-action='image']")).await?;
    browser
        .find(Locator::Id("file"))
        .await?
        .send_keys(path)
        .await?;
    Ok(())
}

/// Waits for the `n`th bot image to load in the page, and answers its URL.
async fn loaded_image(browser: &Client, n: usize) -> Result<String, Box<dyn std::error::Error>> {
    let xpath = format!(
        "(//div[contains(@class,'row bot')]//img[contains(@class,'media-image') and contains(@class,'loaded')])[{n}]"
    );
    let image = wait_for(browser, Locator::XPath(&xpath)).await?;
    Ok(image.prop("src").await?.ok_or("the image has no src")?)
}

/// Types `text` and presses Send. Text a keyboard types goes in key by key; the rest (emoji,
/// newlines, which WebDriver's keys cannot all express) is set as the box's value.
async fn say(browser: &Client, text: &str) -> Outcome {
    let input = browser.find(Locator::Id("text")).await?;
    input.clear().await?;
    if text.chars().all(|c| c.is_ascii_graphic() || c == ' ') {
        input.send_keys(text).await?;
    } else {
        let script = "document.getElementById('text').value = arguments[0]";
        browser.execute(script, vec![json!(text)]).await?;
    }
    browser.find(Locator::Id("send")).await?.click().await?;
    Ok(())
}

/// Waits for a bot bubble whose text is exactly `text` (no `'` in it).
async fn bot_text(browser: &Client, text: &str) -> Outcome {
    nth_bot_text(browser, text, 1).await
}

/// Waits for the `n`th bot bubble whose text is exactly `text`.
async fn nth_bot_text(browser: &Client, text: &str, n: usize) -> Outcome {
    assert!(
        !text.contains('\''),
        "an XPath literal cannot hold {text:?}"
    );
    let xpath = format!(
        "(//div[contains(@class,'row bot')]//div[contains(@class,'bubble text') and .='{text}'])[{n}]"
    );
    wait_for(browser, Locator::XPath(&xpath))
        .await
        .map_err(|err| format!("no bot bubble says {text:?}: {err}"))?;
    Ok(())
}

/// A chromedriver of our own on a free port. Dropping it asks it to shut down, which ends
/// the browsers it started, then ends it by its own pid.
struct Driver {
    child: Child,
    port: u16,
    profile: TempDir,
    chromium: PathBuf,
}

impl Driver {
    fn start() -> Self {
        let chromium = find("chromium");
        let chromedriver = find("chromedriver");
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .expect("a free port")
            .port();
        let mut child = Command::new(&chromedriver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|err| panic!("cannot start {}: {err}", chromedriver.display()));
        // chromedriver says when it listens: wait for that line, not for a timer. Its output
        // is drained to the end, since a closed pipe would kill it at its next log line.
        let stdout = child.stdout.take().expect("stdout");
        let (started, listening) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if line.contains("started successfully") {
                    let _ = started.send(());
                }
            }
        });
        listening
            .recv_timeout(Duration::from_secs(30))
            .expect("chromedriver did not start within 30 s");
        let profile = TempDir::new(&format!("chromium-profile-{port}"));
        Self {
            child,
            port,
            profile,
            chromium,
        }
    }

    async fn connect(&self) -> Client {
        let mut args: Vec<String> = FLAGS.iter().map(|flag| (*flag).to_owned()).collect();
        args.push(format!("--user-data-dir={}", self.profile.0.display()));
        let capabilities = json!({
            "goog:chromeOptions": { "binary": self.chromium, "args": args }
        });
        let serde_json::Value::Object(capabilities) = capabilities else {
            unreachable!("a JSON object literal");
        };
        ClientBuilder::native()
            .capabilities(capabilities)
            .connect(&format!("http://127.0.0.1:{}", self.port))
            .await
            .expect("a Chromium session")
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        // `GET /shutdown` quits any session left (a failed test's browser), then chromedriver
        // itself. No signal to a process group: only our own child is ever killed.
        if let Ok(mut stream) = TcpStream::connect(("127.0.0.1", self.port)) {
            let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
            let request = "GET /shutdown HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
            if stream.write_all(request.as_bytes()).is_ok() {
                let _ = stream.read_to_end(&mut Vec::new());
            }
        }
        let deadline = Instant::now() + Duration::from_secs(5);
        while matches!(self.child.try_wait(), Ok(None)) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `/usr/bin/NAME`, or NAME on the PATH; a missing one fails the test with the install hint.
fn find(name: &str) -> PathBuf {
    let standard = Path::new("/usr/bin").join(name);
    if standard.is_file() {
        return standard;
    }
    let on_path = std::env::var_os("PATH").and_then(|path| {
        std::env::split_paths(&path)
            .map(|dir| dir.join(name))
            .find(|candidate| candidate.is_file())
    });
    on_path.unwrap_or_else(|| {
        panic!(
            "{name} is not installed: the browser test needs Debian's chromium and \
             chromium-driver (`apt-get install -y chromium chromium-driver`; .ci/run does it)"
        )
    })
}
