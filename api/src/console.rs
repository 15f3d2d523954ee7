//! The office console: static pages (native ES modules, no build step) kept in the binary and
//! served at `/console/`. They use only the public REST API, with the same tokens as the
//! mini-program. Any path under `/console/` that names no file is a page of the console, answered
//! with its shell so a reload or a shared link opens the same screen.

use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, web};
use rust_embed::Embed;

#[derive(Embed)]
#[folder = "console/"]
struct Files;

/// What the console's pages may load and reach: only this origin. Styles may be set inline (the
/// chart library sets them on its elements).
const POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
img-src 'self' blob: data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::redirect("/console", "/console/")).service(web::redirect("/", "/console/")).service(
        web::scope("/console")
            .wrap(actix_web::middleware::Compress::default())
            .route("/{path:.*}", web::get().to(file)),
    );
}

async fn file(req: HttpRequest, path: web::Path<String>) -> HttpResponse {
    let asked = path.into_inner();
    let found = match Files::get(&asked) {
        Some(f) if !asked.is_empty() => f,
        // A screen's address (no file name): the shell, which routes itself.
        _ if !asked.rsplit('/').next().unwrap_or_default().contains('.') => match Files::get("index.html") {
            Some(f) => f,
            None => return HttpResponse::NotFound().finish(),
        },
        _ => return HttpResponse::NotFound().finish(),
    };
    let etag = format!("\"{}\"", hex(&found.metadata.sha256_hash()[..12]));
    let fresh = req.headers().get(header::IF_NONE_MATCH).is_some_and(|v| v.as_bytes() == etag.as_bytes());
    let mut res = if fresh { HttpResponse::NotModified() } else { HttpResponse::Ok() };
    res.insert_header((header::ETAG, etag))
        // Revalidated on every load (a 304 costs a few bytes): a new binary's pages show at once.
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .insert_header((header::CONTENT_SECURITY_POLICY, POLICY))
        .insert_header(("X-Frame-Options", "DENY"));
    if fresh {
        return res.finish();
    }
    let mime = found.metadata.mimetype();
    let mime = match mime {
        "application/javascript" | "text/javascript" => "text/javascript; charset=utf-8".to_owned(),
        m if m.starts_with("text/") => format!("{m}; charset=utf-8"),
        m => m.to_owned(),
    };
    let content_type = HeaderValue::from_str(&mime).unwrap_or(HeaderValue::from_static("application/octet-stream"));
    res.insert_header((header::CONTENT_TYPE, content_type)).body(found.data.into_owned())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
