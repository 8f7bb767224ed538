//! Media replies from local files: `cat` → `assets/demo.jpg`, uploaded on first use and
//! reused while its media_id lives; an image from the user is saved with the media API.
//!
//! Run: `WXBOT_ACCOUNT__TOKEN=… WXBOT_ACCOUNT__APPID=… WXBOT_ACCOUNT__SECRET=… cargo run --example media_reply -- serve`

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
    wxbot::run(|| Router::new().text_exact("cat", cat).on(save))
}
