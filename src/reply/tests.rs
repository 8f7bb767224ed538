//! What `render` refuses, with the exact [`RenderError`]; the golden replies are in
//! `tests/it/reply.rs`, through a bot.

use super::{Article, RenderError, Reply, render};
use crate::message::{Header, parse};

/// The header of the text fixture: from `o_fixture_user` to `gh_fixture_account`.
fn header() -> Header {
    let xml = include_str!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/inbound/text.xml"
    ));
    parse(xml.as_bytes()).expect("text fixture parses").header
}

fn articles(n: usize) -> Vec<Article> {
    (1..=n)
        .map(|i| {
            Article::new(
                format!("T{i}"),
                format!("D{i}"),
                format!("https://example.com/{i}.jpg"),
                format!("https://example.com/{i}"),
            )
        })
        .collect()
}

#[test]
fn answers_the_sender_and_splits_a_cdata_terminator() {
    let xml = render(&header(), &Reply::text("a ]]> b"), 1_700_000_000).unwrap();
    assert!(
        xml.starts_with("<xml><ToUserName><![CDATA[o_fixture_user]]></ToUserName>"),
        "{xml}"
    );
    assert!(xml.contains("<CreateTime>1700000000</CreateTime>"), "{xml}");
    assert!(
        xml.contains("<Content><![CDATA[a ]]]]><![CDATA[> b]]></Content>"),
        "{xml}"
    );
}

#[test]
fn media_reply_naming_a_file_cannot_be_rendered() {
    let xml = render(&header(), &Reply::image("demo.jpg"), 0);
    assert_eq!(xml, Err(RenderError::Unresolved("demo.jpg".into())));
}

#[test]
fn news_with_nine_articles_is_a_render_error() {
    let xml = render(&header(), &Reply::news(articles(9)), 0);
    assert_eq!(xml, Err(RenderError::TooManyArticles(9)));
}

#[test]
fn news_without_articles_is_a_render_error() {
    let xml = render(&header(), &Reply::news(articles(0)), 0);
    assert_eq!(xml, Err(RenderError::NoArticles));
}

#[test]
fn news_with_eight_articles_renders_all_of_them() {
    let xml = render(&header(), &Reply::news(articles(8)), 0).unwrap();
    assert!(xml.contains("<ArticleCount>8</ArticleCount>"), "{xml}");
    assert_eq!(xml.matches("<item>").count(), 8, "{xml}");
    assert!(xml.contains("<Title><![CDATA[T8]]></Title>"), "{xml}");
}
