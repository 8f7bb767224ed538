//! Media replies from local files: `cat` → `assets/demo.jpg`, uploaded on first use and
//! reused while its media_id lives; an image from the user is downloaded with the media API
//! and saved as `received-<media_id>.jpg`.
//!
//! Run: `cargo run --example media_reply -- dev` (the playground, no account needed: its
//! emulator takes the uploads), or `WXBOT_ACCOUNT__TOKEN=… WXBOT_ACCOUNT__APPID=…
//! WXBOT_ACCOUNT__SECRET=… cargo run --example media_reply -- serve` on your account (the
//! media API needs the AppID and AppSecret).
//! Test: `cargo test --example media_reply`.

use wxbot::Downloaded;
use wxbot::prelude::*;

/// `cat` → a picture from `media.assets_dir`.
async fn cat(_: Text) -> Reply {
    Reply::image("demo.jpg")
}

/// An image from the user → saved to disk, then thanked.
async fn save(ctx: Ctx, image: Image) -> Result<String, HandlerError> {
    if let Downloaded::File { bytes, .. } = ctx.api().download(&image.media_id).await? {
        tokio::fs::write(format!("received-{}.jpg", image.media_id), &bytes).await?;
    }
    Ok("saved, thanks".to_owned())
}

fn main() -> std::process::ExitCode {
    wxbot::run!(|| Router::new().text_exact("cat", cat).on(save))
}

#[cfg(test)]
mod tests {
    use wxbot::testing::{Msg, TestBot};

    #[actix_web::test]
    async fn cat_is_uploaded_on_first_use_then_its_media_id_reused() {
        let router = wxbot::Router::new().text_exact("cat", super::cat);
        let bot = TestBot::with_emulator(router, |config| {
            config.media.assets_dir = concat!(env!("CARGO_MANIFEST_DIR"), "/assets").into();
        });
        let first = bot.deliver(&Msg::text("cat")).await;
        let second = bot.deliver(&Msg::text("cat")).await;
        let uploads = bot.emulator().uploads();
        assert_eq!(uploads.len(), 1, "one upload");
        assert_eq!(first.msg_type(), Some("image"));
        assert_eq!(first.media_id(), Some(uploads[0].media_id.as_str()));
        assert_eq!(second.media_id(), first.media_id(), "reused");
    }
}
