//! A request as the emulator's API functions see it: method, path, decoded query,
//! Content-Type and body, read once from actix's request.

use actix_web::HttpRequest;
use actix_web::http::Method;
use actix_web::web;

use super::record::{Call, first_param};

/// A request as the API functions see it.
#[derive(Debug)]
pub(super) struct ApiRequest<'a> {
    pub(super) method: &'a Method,
    pub(super) path: &'a str,
    raw_query: &'a str,
    query: Vec<(String, String)>,
    pub(super) content_type: Option<&'a str>,
    pub(super) body: &'a [u8],
}

impl<'a> ApiRequest<'a> {
    pub(super) fn new(req: &'a HttpRequest, body: &'a [u8]) -> Self {
        let raw_query = req.query_string();
        // A query that does not decode counts as empty: its parameters are then "missing".
        let query = web::Query::<Vec<(String, String)>>::from_query(raw_query)
            .map(web::Query::into_inner)
            .unwrap_or_default();
        let content_type = req
            .headers()
            .get(actix_web::http::header::CONTENT_TYPE)
            .and_then(|value| value.to_str().ok());
        Self {
            method: req.method(),
            path: req.path(),
            raw_query,
            query,
            content_type,
            body,
        }
    }

    /// The first value of the query parameter `key`.
    pub(super) fn param(&self, key: &str) -> Option<&str> {
        first_param(&self.query, key)
    }

    /// What [`Emulator::calls`](super::Emulator::calls) keeps of it.
    pub(super) fn call(&self) -> Call {
        Call {
            method: self.method.to_string(),
            path: self.path.to_owned(),
            query: self.query.clone(),
            body_len: self.body.len(),
        }
    }

    /// `"GET /cgi-bin/nope?x=1"`.
    pub(super) fn describe(&self) -> String {
        let (method, path) = (self.method, self.path);
        match self.raw_query {
            "" => format!("{method} {path}"),
            query => format!("{method} {path}?{query}"),
        }
    }
}
