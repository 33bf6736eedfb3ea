//! Static assets, embedded in the binary: the pages work on an intranet with no internet.
//! Each is served under a name carrying a digest of its content (`app.1a2b3c4d5e6f.css`),
//! cached for a year and never revalidated, so a new release is fetched at once and an
//! old one never again; gzip'd once, on first use, for browsers that take it (ECharts goes
//! over the wire in about a third of its size).

use axum::body::Bytes;
use axum::extract::Path;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use std::io::Write;
use std::sync::LazyLock;

struct Asset {
    name: &'static str,
    mime: &'static str,
    body: &'static [u8],
    /// `stem.digest.ext`.
    hashed: String,
    /// Shared, so a response takes it without a copy.
    gzip: Bytes,
}

const FILES: [(&str, &str, &[u8]); 3] = [
    (
        "app.css",
        "text/css; charset=utf-8",
        include_bytes!("../assets/app.css"),
    ),
    (
        "app.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../assets/app.js"),
    ),
    (
        "echarts.min.js",
        "text/javascript; charset=utf-8",
        include_bytes!(env!("DATONG_ECHARTS_JS")),
    ),
];

static ASSETS: LazyLock<Vec<Asset>> = LazyLock::new(|| {
    FILES
        .iter()
        .map(|&(name, mime, body)| {
            let digest = {
                use sm3::Digest;
                hex::encode(&sm3::Sm3::digest(body)[..6])
            };
            let (stem, ext) = name.rsplit_once('.').expect("names have an extension");
            let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
            gz.write_all(body).expect("writing to memory");
            Asset {
                name,
                mime,
                body,
                hashed: format!("{stem}.{digest}.{ext}"),
                gzip: Bytes::from(gz.finish().expect("writing to memory")),
            }
        })
        .collect()
});

/// The path pages link `name` by: its content-addressed name.
pub fn url(name: &str) -> String {
    let asset = ASSETS
        .iter()
        .find(|a| a.name == name)
        .expect("only embedded assets are linked");
    format!("/assets/{}", asset.hashed)
}

pub async fn serve(Path(file): Path<String>, headers: HeaderMap) -> Response {
    let Some((asset, immutable)) = ASSETS.iter().find_map(|a| {
        (a.hashed == file)
            .then_some((a, true))
            .or_else(|| (a.name == file).then_some((a, false)))
    }) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let cache = if immutable {
        "public, max-age=31536000, immutable"
    } else {
        "public, max-age=3600"
    };
    let gzip = headers
        .get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|e| e.split(';').next().is_some_and(|e| e.trim() == "gzip"));
    let mut response = (
        [
            (header::CONTENT_TYPE, asset.mime),
            (header::CACHE_CONTROL, cache),
            (header::VARY, "Accept-Encoding"),
        ],
        if gzip {
            asset.gzip.clone()
        } else {
            Bytes::from_static(asset.body)
        },
    )
        .into_response();
    if gzip {
        response.headers_mut().insert(
            header::CONTENT_ENCODING,
            header::HeaderValue::from_static("gzip"),
        );
    }
    response
}
